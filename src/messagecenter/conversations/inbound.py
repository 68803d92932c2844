"""One entry point for every channel's inbound message: ``receive(connection, inbound)``.

A transport parses its provider's request into an ``InboundMessage`` and calls ``receive``;
this decides who wrote and where the message belongs, then hands it to the conversation
writers (``services.start_conversation`` / ``post_contact_message``), which own the write:

- **who**: the contact the transport already knows (the messenger's token), else the contact
  of the sender's identity (``identity_kind``/``identity_value``, normalised by
  ``contacts.identities``), else a new contact with that identity;
- **where**: the conversation the transport names (it must be the contact's, of this channel,
  or transferred to it), else the conversation of the provider's thread on this connection
  (``thread_key``; a thread not seen before starts a new one), else, on channels without
  threads, the contact's latest continuable conversation on this connection, else a new
  one. A message never lands in a conversation of another channel unless a signed transfer
  link (``$webtransfer``) named it, or an earlier message came through here;
- **once**: idempotent on (account, connection, provider message id). The unique constraint
  ``message_provider_id_unique`` decides between concurrent deliveries of one message: the
  loser gets the winner's message and seq back, never an error.

Each message stores the connection it came through (``Message.connection``), and the files
the contact sent with it (``conversations.attachments``), in the same transaction.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from messagecenter.accounts.models import OperatorGroup
from messagecenter.contacts import services as contacts
from messagecenter.contacts.models import Contact
from messagecenter.conversations import attachments, queries, services
from messagecenter.conversations.models import Conversation, Message, TimelineEntry
from messagecenter.core.actors import Actor
from messagecenter.core.errors import Conflict, NotFound, ValidationFailed
from messagecenter.core.prepared import Placeholder, Prepared
from messagecenter.transports.base import InboundMessage
from messagecenter.widgets.models import ChannelConnection


@dataclass(frozen=True)
class Received:
    """What ``receive`` did: the message's entry (``entry.seq``), its conversation as the
    write left it, the contact, and whether it was already there (a redelivery)."""

    entry: TimelineEntry
    conversation: Conversation
    contact: Contact
    duplicate: bool = False


def receive(
    connection: ChannelConnection,
    inbound: InboundMessage,
    *,
    contact: Contact | None = None,
    group: OperatorGroup | None = None,
) -> Received:
    """Store one inbound message exactly once (see the module docstring). ``group``: the one
    the contact chose in the messenger's pre-chat form, for a conversation this starts."""
    if inbound.provider_message_id:
        earlier = _already_received(connection, inbound.provider_message_id)
        if earlier is not None:
            return earlier
    contact = contact or contact_for(connection, inbound)
    parts = attachments.store(connection, contact, inbound.attachments, uploads=inbound.uploads)
    try:
        # One transaction for the message and its files' rows; a message without files keeps
        # the service's own (the messenger's hot path pays no savepoint).
        with transaction.atomic() if parts.items else nullcontext():
            received = _write(connection, contact, inbound, parts, group)
            attachments.link(received.entry.message, parts)
        return received
    except IntegrityError:
        # A concurrent delivery of the same provider message won the unique constraint (our
        # write rolled back with the service's transaction): answer with its message.
        attachments.discard(parts)
        earlier = _already_received(connection, inbound.provider_message_id)
        if earlier is None:
            raise
        return earlier
    except BaseException:
        attachments.discard(parts)  # the message was refused: its files go with it
        raise


def contact_for(connection: ChannelConnection, inbound: InboundMessage) -> Contact:
    """The contact of the sender's identity, created with it on their first message."""
    kind, value = inbound.identity_kind, inbound.identity_value
    if not kind or not value:
        raise ValidationFailed(_("An inbound message needs its sender's identity."))
    if kind not in connection.capabilities.identity_kinds:
        raise ValidationFailed(_("This channel does not address people by this identifier."))
    found = contacts.find_by_identity(connection.account, kind, value)
    if found is not None:
        return found
    try:
        return contacts.create_contact(
            connection.account, name=inbound.contact_name, identities={kind: value}
        )
    except Conflict:
        # Two first messages of one sender at once: the other created the contact.
        found = contacts.find_by_identity(connection.account, kind, value)
        if found is None:
            raise
        return found


def _write(connection, contact: Contact, inbound: InboundMessage, parts, group=None) -> Received:
    actor = Actor.for_contact(contact)
    body = attachments.body_for(inbound.body, parts)
    conversation = _conversation_for(connection, contact, inbound)
    if conversation is None:
        started = services.start_conversation(
            connection.widget,
            contact,
            body,
            actor=actor,
            connection=connection,
            subject=inbound.subject,
            client_info=inbound.client_info,
            client_msg_id=inbound.client_msg_id,
            provider_message_id=inbound.provider_message_id,
            thread_key=inbound.thread_key,
            html=inbound.html,
            group=group,
        )
        return Received(started.timeline.get(seq=1), started, contact)
    entry = services.post_contact_message(
        conversation,
        body,
        actor=actor,
        client_info=inbound.client_info,
        client_msg_id=inbound.client_msg_id,
        provider_message_id=inbound.provider_message_id,
        connection=connection if conversation.connection_id != connection.pk else None,
        thread_key=inbound.thread_key,
        html=inbound.html,
    )
    # The entry belongs to the conversation as the write left it (status, operator).
    return Received(entry, entry.conversation, contact)


def _conversation_for(connection, contact, inbound: InboundMessage) -> Conversation | None:
    if inbound.transferred:
        return queries.continued_conversation(contact, connection, inbound.conversation)
    if inbound.conversation:
        return _named(connection, contact, inbound.conversation)
    if inbound.thread_key:
        # A threading channel: a message of no known thread starts a conversation.
        return _of_thread(connection, contact, inbound.thread_key)
    return queries.continued_conversation(contact, connection)


def _named(connection, contact, public_id: str) -> Conversation:
    """The conversation the transport named: the contact's, of this channel's widget, and of
    this channel or transferred to it; for anyone else it does not exist."""
    conversation = _NAMED.first(contact.pk, connection.widget_id, public_id)
    if conversation is None or not _continues_here(conversation, connection):
        raise NotFound(_("Unknown conversation."))
    return conversation


# Every messenger message names its conversation: compiled once (``core.prepared``).
_NAMED = Prepared(
    lambda contact, widget, public_id: (
        Conversation.objects.filter(contact_id=contact, widget_id=widget, public_id=public_id)
        .select_related("widget", "contact", "account", "connection")
        .order_by()
    ),
    placeholders=(Placeholder.INT, Placeholder.INT2, Placeholder.TEXT),
)


def _continues_here(conversation: Conversation, connection) -> bool:
    if conversation.connection_id == connection.pk:
        return True
    # Transferred earlier: the transfer link's first message came through this channel.
    return Message.objects.filter(conversation=conversation, connection=connection).exists()


def _of_thread(connection, contact, thread_key: str) -> Conversation | None:
    """The contact's conversation of this provider thread on this connection (another
    sender in the thread starts their own: threads never join people)."""
    message = (
        Message.objects.filter(
            connection=connection, thread_key=thread_key[:200], conversation__contact=contact
        )
        .select_related("conversation")
        .order_by("-entry_id")
        .first()
    )
    return message.conversation if message is not None else None


def _already_received(connection, provider_message_id: str | None) -> Received | None:
    message = (
        Message.objects.filter(
            account_id=connection.account_id,
            connection=connection,
            provider_message_id=provider_message_id,
        )
        .select_related("entry", "conversation__contact")
        .first()
    )
    if message is None:
        return None
    conversation = message.conversation
    return Received(message.entry, conversation, conversation.contact, duplicate=True)
