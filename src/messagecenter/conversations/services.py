"""Conversation writers: the only code that changes a conversation or its timeline.

Views, the REST API, WebSocket consumers, chat commands, transports and jobs all call these.
Each entry point decides (authorise, validate, raising a typed domain error), writes under the
conversation's row lock, and tells (events after commit). The status table of R-RULES lives
here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit, permissions
from messagecenter.accounts.models import Account, Operator, OperatorGroup
from messagecenter.contacts.models import Contact
from messagecenter.contacts.services import refuse_if_blocked
from messagecenter.conversations import (
    channel,
    delivery,
    live,
    outgoing_files,
    revisions,
    routing,
    timeline,
    transcripts,
)
from messagecenter.conversations.events import announce_entries
from messagecenter.conversations.models import (
    AuthorKind,
    Conversation,
    DeliveryState,
    EntryKind,
    Message,
    Status,
    TimelineEntry,
    Topic,
)
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from messagecenter.core.events import contact_group, send_on_commit
from messagecenter.core.prepared import Placeholder, Prepared
from messagecenter.core.rendering import render_markdown, render_plain
from messagecenter.files import uploads as file_uploads
from messagecenter.search import indexing as search_index
from messagecenter.transports.webchat.events import (
    announce_assignment_to_contact,
    announce_queued,
)
from messagecenter.widgets.models import ChannelConnection, TransportKind, Widget

MAX_BODY = 20_000
# Records, in the message's transaction, which channel template a message is (WhatsApp's
# ``WhatsAppTemplateMessage``); the transport sends the template from that record.
TemplateWriter = Callable[[Message], None]
MANUAL_STATUSES = (Status.OPEN, Status.WAITING)


# --- starting ------------------------------------------------------------------------------


def start_conversation(
    widget: Widget,
    contact: Contact,
    body: str,
    *,
    actor: Actor,
    connection: ChannelConnection | None = None,
    subject: str = "",
    client_info: dict | None = None,
    client_msg_id: str | None = None,
    provider_message_id: str | None = None,
    thread_key: str = "",
    html: str = "",
    group: OperatorGroup | None = None,
) -> Conversation:
    """A contact starts a conversation with their first message (R-RULES rows 1 and 2):
    routed and OPEN when an operator is available (LIVE if both online), else NEW and
    Unassigned in the widget group's queue, and the contact is told the reply comes later.
    ``group``: the one the contact chose in the pre-chat form, instead of the widget's."""
    _require_contact(actor, contact)
    connection = connection or _webchat_of(widget)
    _check_same_account(widget, contact, connection)
    if group is not None:
        _check_account(group.account_id, widget.account_id)
    body = _clean_body(body)
    refuse_if_blocked(contact, body, connection)
    with transaction.atomic():
        conversation = _create(widget, contact, connection, subject=subject)
        if group is not None:
            conversation.assigned_group = group
        entries = [
            _append_message(
                conversation,
                actor,
                body,
                AuthorKind.CONTACT,
                client_info=client_info,
                client_msg_id=client_msg_id,
                provider_message_id=provider_message_id,
                thread_key=thread_key,
                html=html,
            )
        ]
        _note_contact_activity(conversation)
        routed = route(conversation, actor=Actor.system(conversation.account), new_chat=True)
        entries += routed
        if conversation.assigned_operator is None:
            announce_queued(conversation, _queued_reason(routed))
        persist_and_announce(conversation, entries)
    return conversation


def start_conversation_by_operator(
    contact: Contact,
    widget: Widget,
    body: str,
    *,
    actor: Actor,
    connection: ChannelConnection | None = None,
    subject: str = "",
    template: TemplateWriter | None = None,
) -> Conversation:
    """An operator starts a conversation from a contact profile: WAITING, assigned to them.
    ``template``: the first message is a channel template (WhatsApp), see
    ``post_operator_message``."""
    operator = _require_operator(actor)
    connection = connection or _webchat_of(widget)
    _check_same_account(widget, contact, connection)
    _check_account(operator.account_id, contact.account_id)
    body = _clean_body(body)
    with transaction.atomic():
        conversation = _create(widget, contact, connection, subject=subject)
        channel.check_outgoing_text(conversation, body, template=template is not None)
        entries = _assign(conversation, operator, actor)
        entries.append(_operator_message(conversation, actor, body))
        if template is not None:
            template(entries[-1].message)
        entries += _change_status(conversation, Status.WAITING, actor)
        persist_and_announce(conversation, entries)
    return conversation


def start_conversation_by_bot(
    contact: Contact,
    connection: ChannelConnection,
    body: str,
    *,
    actor: Actor,
    template: TemplateWriter | None = None,
) -> Conversation:
    """The system, a bot or an integration writes first (a WhatsApp reminder or campaign
    template): a new conversation on ``connection`` that waits for the contact, unassigned in
    the widget group's queue. ``template`` as for ``post_operator_message``."""
    if actor.kind not in ("token", "bot", "system"):
        raise PermissionDenied(_("Only integrations can post bot messages."))
    widget = connection.widget
    _check_same_account(widget, contact, connection)
    _check_account(actor.account.pk, contact.account_id)
    body = _clean_body(body)
    with transaction.atomic():
        conversation = _create(widget, contact, connection, subject="")
        channel.check_outgoing_text(conversation, body, template=template is not None)
        bot = Actor("bot", actor.account, token=actor.token, name=actor.name or "Bot")
        entry = _append_message(conversation, bot, body, AuthorKind.BOT, markdown=True)
        if template is not None:
            template(entry.message)
        conversation.had_bot = True
        entries = [entry, *_change_status(conversation, Status.WAITING, actor)]
        persist_and_announce(conversation, entries)
    return conversation


# --- messages --------------------------------------------------------------------------------


def post_contact_message(
    conversation: Conversation,
    body: str,
    *,
    actor: Actor,
    client_info: dict | None = None,
    client_msg_id: str | None = None,
    provider_message_id: str | None = None,
    connection: ChannelConnection | None = None,
    thread_key: str = "",
    html: str = "",
) -> TimelineEntry:
    """The contact writes: OPEN from OPEN/WAITING/ENDED, NEW stays NEW; LIVE per R-RULES.

    A retried send (same ``client_msg_id`` or provider message id) returns the existing entry.
    ``connection`` is the channel the message came through when it is not the conversation's
    own (a conversation transferred to the messenger, ``conversations.inbound``); ``html`` is
    a transport's already sanitised rendering (an e-mail's HTML part), else the plain text is
    rendered.
    """
    _require_contact(actor, conversation.contact)
    body = _clean_body(body)
    with transaction.atomic():
        locked = timeline.lock(conversation)
        # The contact row is read with the lock, so "blocked" is never a stale copy.
        if not locked.contact.blocked:
            existing = _existing_message(locked, client_msg_id, provider_message_id)
            if existing is not None:
                return existing
            incoming = _Incoming(client_info, client_msg_id, provider_message_id, thread_key, html)
            return _contact_writes(locked, body, actor, incoming, connection)
    # Outside the transaction, so the kept copy of a blocked contact's message is not rolled
    # back with the refusal.
    refuse_if_blocked(locked.contact, body, locked.connection)
    return post_contact_message(
        conversation,
        body,
        actor=actor,
        client_info=client_info,
        client_msg_id=client_msg_id,
        provider_message_id=provider_message_id,
        connection=connection,
        thread_key=thread_key,
        html=html,
    )  # unblocked a moment ago


@dataclass(frozen=True)
class _Incoming:
    """What a contact message carries besides its text."""

    client_info: dict | None
    client_msg_id: str | None
    provider_message_id: str | None
    thread_key: str
    html: str = ""


def _contact_writes(
    conversation, body, actor, incoming: _Incoming, connection=None
) -> TimelineEntry:
    was_ended = conversation.status == Status.ENDED
    entry = _append_message(
        conversation,
        actor,
        body,
        AuthorKind.CONTACT,
        client_info=incoming.client_info,
        client_msg_id=incoming.client_msg_id,
        provider_message_id=incoming.provider_message_id,
        thread_key=incoming.thread_key,
        connection=connection,
        html=incoming.html,
    )
    entries = [entry]
    _note_contact_activity(conversation)
    if conversation.status != Status.NEW:
        entries += _change_status(conversation, Status.OPEN, actor)
    if was_ended and conversation.assigned_operator is None:
        entries += route(conversation, actor=Actor.system(conversation.account), new_chat=True)
    outcome = live.evaluate_on_contact_message(conversation, actor)
    entries += outcome.entries
    if outcome.queued_reason:
        announce_queued(conversation, outcome.queued_reason)
    persist_and_announce(conversation, entries)
    return entry


def post_operator_message(
    conversation: Conversation,
    body: str,
    *,
    actor: Actor,
    client_msg_id: str | None = None,
    uploads: Sequence[str] = (),
    template: TemplateWriter | None = None,
) -> TimelineEntry:
    """Only the assigned operator may reply (R-INBOX-2); any status becomes WAITING.

    ``uploads`` are the operator's finished uploads (``files.uploads``): they become the
    message's attachments, each checked against the channel (``outgoing_files``).
    ``template``: the message is one of the channel's approved templates (WhatsApp), which
    may go out after the reply window closed; the callable records which one, with the
    message, in its transaction (the transport sends it from there)."""
    _require_operator(actor)
    _check_account(actor.account.pk, conversation.account_id)
    body = _clean_body(body) if body.strip() or not uploads else ""
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        # Under the lock: a concurrent retry waits here and then finds the first one's entry.
        existing = _existing_message(conversation, client_msg_id, None)
        if existing is not None:
            return existing
        _require_assigned(conversation, actor)
        sent_files = _outgoing_files(conversation, actor, uploads)
        body = outgoing_files.body_with_names(body, sent_files)
        channel.check_outgoing_text(conversation, body, template=template is not None)
        entries = [_operator_message(conversation, actor, body, client_msg_id)]
        outgoing_files.attach(entries[0].message, sent_files)
        if template is not None:
            template(entries[0].message)
        entries += _change_status(conversation, Status.WAITING, actor)
        persist_and_announce(conversation, entries)
    return entries[0]


def _outgoing_files(conversation: Conversation, actor: Actor, uploads: Sequence[str]) -> list:
    if not uploads:
        return []
    sent = file_uploads.take(conversation.account, list(uploads), actor=actor)
    outgoing_files.check_count(sent)
    for stored in sent:
        outgoing_files.check(conversation, stored)
    return sent


def post_bot_message(
    conversation: Conversation,
    body: str,
    *,
    actor: Actor,
    template: TemplateWriter | None = None,
) -> TimelineEntry:
    """A bot or integration writes to the contact. It never impersonates an operator and does
    not change the status (the team still owes a human reply). ``template``: as for
    ``post_operator_message`` (a reminder or campaign template)."""
    if actor.kind not in ("token", "bot", "system"):
        raise PermissionDenied(_("Only integrations can post bot messages."))
    _check_account(actor.account.pk, conversation.account_id)
    body = _clean_body(body)
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        channel.check_outgoing_text(conversation, body, template=template is not None)
        bot = Actor("bot", actor.account, token=actor.token, name=actor.name or "Bot")
        entry = _append_message(conversation, bot, body, AuthorKind.BOT, markdown=True)
        if template is not None:
            template(entry.message)
        conversation.had_bot = True
        persist_and_announce(conversation, [entry])
    return entry


def record_sent_elsewhere(
    connection: ChannelConnection,
    contact: Contact,
    body: str,
    *,
    provider_message_id: str,
    sent_from: str,
) -> TimelineEntry:
    """A message the business sent the contact outside Message Center, echoed by the provider
    (WhatsApp's Business app on the phone, ``smb_message_echoes``): an operator-side message
    that is already sent, so it is never delivered again. It continues the contact's
    conversation on ``connection`` (or starts one, WAITING: the business wrote last) and is
    marked with where it was sent from (``client_info.sent_from``). Exactly once per
    ``provider_message_id``, like an inbound message."""
    from messagecenter.conversations import queries

    _check_account(connection.account_id, contact.account_id)
    body = _clean_body(body)
    actor = Actor("system", connection.account, name=sent_from)
    with transaction.atomic():
        conversation = queries.continued_conversation(contact, connection)
        if conversation is None:
            conversation = _create(connection.widget, contact, connection, subject="")
        else:
            conversation = timeline.lock(conversation)
        existing = _existing_message(conversation, None, provider_message_id)
        if existing is not None:
            return existing
        entry = _append_message(
            conversation,
            actor,
            body,
            AuthorKind.OPERATOR,
            provider_message_id=provider_message_id,
            client_info={"sent_from": sent_from},
            sent_elsewhere=True,
        )
        conversation.last_operator_message_at = clock.now()
        conversation.waiting_since = None
        entries = [entry, *_change_status(conversation, Status.WAITING, actor)]
        persist_and_announce(conversation, entries)
    return entry


def delete_message(conversation: Conversation, seq: int, *, actor: Actor) -> TimelineEntry:
    """Delete a message sent to the contact (R-CONV-5): the contact sees an indicator, the
    operator still sees the content marked deleted. Only where the channel can delete."""
    _require_operator(actor)
    _check_account(actor.account.pk, conversation.account_id)
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        message = _message_at(conversation, seq)
        channel.check_delete(conversation, message.entry.at)
        if message.author_kind == AuthorKind.CONTACT:
            raise InvalidTransition(_("Only messages sent to the contact can be deleted."))
        if message.deleted_at is not None:
            raise InvalidTransition(_("This message is already deleted."))
        _require_assigned_or_admin(conversation, actor)
        message.deleted_at = clock.now()
        message.deleted_by_id = actor.public_id
        message.save(update_fields=["deleted_at", "deleted_by_id"])
        search_index.forget_entry(message.entry_id)
        entry = timeline.stage(
            conversation, EntryKind.MESSAGE_DELETED, actor, data={"message_seq": seq}
        )
        timeline.stage_audit(actor, conversation, "message.deleted", seq=seq)
        persist_and_announce(conversation, [entry])
        # Where the channel deletes at the provider too (Telegram), a job does it after commit.
        revisions.schedule_provider_delete(conversation, message)
    return entry


def push_to_contact(conversation: Conversation, url: str, *, actor: Actor) -> TimelineEntry:
    """A push macro: send the contact's messenger page to ``url``. Only while the contact is
    online (R-MACRO-2), only by the assigned operator."""
    from messagecenter.contacts.services import is_online

    _require_operator(actor)
    _check_account(actor.account.pk, conversation.account_id)
    if conversation.connection.kind != TransportKind.WEBCHAT or not is_online(conversation.contact):
        raise InvalidTransition(_("Push macros need the contact online in the website messenger."))
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        _require_assigned(conversation, actor)
        entry = timeline.stage(conversation, EntryKind.PUSH, actor, data={"url": url})
        persist_and_announce(conversation, [entry])
        send_on_commit(
            {"type": "messenger.push", "conversation": conversation.public_id, "url": url},
            [contact_group(conversation.contact.public_id)],
        )
    return entry


# --- status ----------------------------------------------------------------------------------


def set_status(conversation: Conversation, status: str, *, actor: Actor) -> Conversation:
    """Manual OPEN or WAITING (R-INBOX-3); ENDED goes through ``end_conversation``."""
    _require_operator_or_token(actor)
    _check_account(actor.account.pk, conversation.account_id)
    if status == Status.ENDED:
        return end_conversation(conversation, actor=actor)
    if status not in MANUAL_STATUSES:
        raise InvalidTransition(_("Only OPEN and WAITING can be set by hand."))
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        persist_and_announce(conversation, _change_status(conversation, status, actor))
    return conversation


def end_conversation(conversation: Conversation, *, actor: Actor) -> Conversation:
    """End it (by an operator, or by the system for auto-end); LIVE and the slot are released
    and the freed slot drains the backlog."""
    if actor.kind not in ("operator", "system", "token"):
        raise PermissionDenied(_("Only the team can end a conversation."))
    _check_account(actor.account.pk, conversation.account_id)
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        permissions.require_reassign(actor, conversation)
        if conversation.status == Status.ENDED:
            raise InvalidTransition(_("This conversation has already ended."), code="already_ended")
        freed = conversation.assigned_operator if conversation.is_live else None
        entries = live.end_live(conversation, actor, live.END_ENDED)
        entries += _change_status(conversation, Status.ENDED, actor)
        persist_and_announce(conversation, entries)
        transcripts.schedule_pending(conversation)
    if freed is not None:
        drain_backlog(freed)
    return conversation


# --- assignment ------------------------------------------------------------------------------


def assign_operator(
    conversation: Conversation, operator: Operator, *, actor: Actor
) -> Conversation:
    """Assign (or forward) to an operator; "Assign to me" is this with the actor as target.
    The status stays (a NEW conversation stays NEW until the first operator message)."""
    _require_operator_or_token(actor)
    _check_account(actor.account.pk, conversation.account_id)
    _check_account(operator.account_id, conversation.account_id)
    if not operator.is_active:
        raise ValidationFailed(_("This operator is deactivated."))
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        permissions.require_reassign(actor, conversation)
        if conversation.assigned_operator_id == operator.pk:
            return conversation
        freed = conversation.assigned_operator if conversation.is_live else None
        entries = live.end_live(conversation, actor, live.END_REASSIGNED)
        entries += _assign(conversation, operator, actor)
        persist_and_announce(conversation, entries)
    if freed is not None:
        drain_backlog(freed, exclude_pk=conversation.pk)
    return conversation


def assign_group(conversation: Conversation, group: OperatorGroup, *, actor: Actor) -> Conversation:
    """Hand the conversation to a group: it leaves its operator and is routed to an available
    member with a free slot, or waits in the group's Unassigned queue."""
    _require_operator_or_token(actor)
    _check_account(actor.account.pk, conversation.account_id)
    _check_account(group.account_id, conversation.account_id)
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        permissions.require_reassign(actor, conversation)
        freed = conversation.assigned_operator if conversation.is_live else None
        entries = live.end_live(conversation, actor, live.END_REASSIGNED)
        entries += _assign(conversation, None, actor, group=group)
        if conversation.status != Status.ENDED:
            entries += route(conversation, actor=Actor.system(conversation.account))
        persist_and_announce(conversation, entries)
    if freed is not None:
        drain_backlog(freed, exclude_pk=conversation.pk)
    return conversation


def unassign(conversation: Conversation, *, actor: Actor) -> Conversation:
    _require_operator_or_token(actor)
    _check_account(actor.account.pk, conversation.account_id)
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        if conversation.assigned_operator is None:
            return conversation
        permissions.require_reassign(actor, conversation)
        freed = conversation.assigned_operator if conversation.is_live else None
        entries = live.end_live(conversation, actor, live.END_REASSIGNED)
        entries += _assign(conversation, None, actor, group=conversation.assigned_group)
        persist_and_announce(conversation, entries)
    if freed is not None:
        drain_backlog(freed, exclude_pk=conversation.pk)
    return conversation


def route(
    conversation: Conversation, *, actor: Actor, new_chat: bool = False
) -> list[TimelineEntry]:
    """Route an unassigned conversation (caller holds its lock). The decision is stored on the
    timeline whether or not someone was found. Routed conversations are OPEN; LIVE when the
    contact is online, since the winner is available and has a free slot. ``new_chat``: the
    contact starts or resumes chatting (the widget's queue limit applies)."""
    closed = routing.out_of_office(conversation.widget)
    candidates = [] if closed else routing.locked_candidates(conversation)
    decision = routing.decide(conversation, candidates, closed, new_chat=new_chat)
    entries = [
        timeline.stage(conversation, EntryKind.ROUTING_DECISION, actor, data=decision.as_data())
    ]
    if closed is not None and closed.behaviour == "message" and closed.message:
        # Out of office: the contact reads the widget's message at once (a system message).
        entries.append(_append_message(conversation, actor, closed.message, AuthorKind.SYSTEM))
    if decision.winner is None:
        return entries
    live.note_available(conversation, decision.winner)
    entries += _assign(conversation, decision.winner, actor)
    entries += _change_status(conversation, Status.OPEN, actor)
    if live.both_online(conversation):
        entries.append(live.set_live(conversation, True, actor, "routed"))
    return entries


def _queued_reason(routed: list[TimelineEntry]) -> str:
    reasons = {
        routing.RULE_QUEUE_FULL: live.QUEUED_QUEUE_FULL,
        routing.RULE_OUT_OF_OFFICE: live.QUEUED_OUT_OF_OFFICE,
    }
    return reasons.get(routed[0].data.get("rule"), live.QUEUED_NO_OPERATOR)


def drain_backlog(operator: Operator, *, exclude_pk: int | None = None) -> list[Conversation]:
    """A slot freed or the operator became available: give them the oldest unassigned
    conversations of their groups whose contact is online, one per free slot."""
    from messagecenter.accounts.services import is_available

    drained: list[Conversation] = []
    if not is_available(operator):
        return drained
    for conversation in routing.backlog_for(operator, exclude_pk=exclude_pk)[: operator.max_slots]:
        if routing.free_slots(operator) <= 0:
            break
        with transaction.atomic():
            conversation = timeline.lock(conversation)
            if conversation.assigned_operator_id is not None:
                continue  # someone else took it meanwhile
            if not routing.drainable(conversation):
                continue  # its widget is closed now (business hours)
            system = Actor.system(conversation.account)
            entries = _drain_to(conversation, operator, system)
            persist_and_announce(conversation, entries)
        drained.append(conversation)
    return drained


# --- details ---------------------------------------------------------------------------------


def set_subject(conversation: Conversation, subject: str, *, actor: Actor) -> Conversation:
    return _update_field(conversation, "subject", subject.strip()[:200], actor)


def set_topic(conversation: Conversation, topic: Topic | None, *, actor: Actor) -> Conversation:
    _check_account(actor.account.pk, conversation.account_id)
    if topic is not None:
        _check_account(topic.account_id, conversation.account_id)
    return _update_field(conversation, "topic", topic, actor)


def set_locale(conversation: Conversation, locale: str, *, actor: Actor) -> Conversation:
    """Change the conversation language; it also becomes the contact's profile language
    (R-CONV-4), which e-mails and transcript system texts follow."""
    from django.conf import settings

    _check_account(actor.account.pk, conversation.account_id)
    if locale not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unsupported language."))
    conversation = _update_field(conversation, "locale", locale, actor)
    Contact.objects.filter(pk=conversation.contact_id).update(locale=locale)
    return conversation


def create_topic(account: Account, name: str, *, actor: Actor) -> Topic:
    _require_admin(actor, account)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("A topic needs a name."))
    try:
        with transaction.atomic():
            topic = Topic.objects.create(account=account, name=name[:100])
            audit.record(actor, "topic.created", "topic", topic.public_id)
    except IntegrityError:
        raise ValidationFailed(_("A topic with this name already exists.")) from None
    return topic


def rename_topic(topic: Topic, name: str, *, actor: Actor) -> Topic:
    _require_admin(actor, topic.account)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("A topic needs a name."))
    try:
        with transaction.atomic():
            topic.name = name[:100]
            topic.save(update_fields=["name"])
            audit.record(actor, "topic.renamed", "topic", topic.public_id)
    except IntegrityError:
        raise ValidationFailed(_("A topic with this name already exists.")) from None
    return topic


def delete_topic(topic: Topic, *, actor: Actor) -> None:
    """Conversations keep their history; their topic becomes empty."""
    _require_admin(actor, topic.account)
    with transaction.atomic():
        audit.record(actor, "topic.deleted", "topic", topic.public_id)
        topic.delete()


# --- internals -------------------------------------------------------------------------------


def _create(widget, contact, connection, *, subject: str) -> Conversation:
    now = clock.now()
    conversation = Conversation.objects.create(
        account=widget.account,
        contact=contact,
        widget=widget,
        connection=connection,
        subject=subject.strip()[:200],
        status=Status.NEW,
        status_changed_at=now,
        assigned_group=widget.operator_group,
        locale=contact.locale or widget.language,
        created_at=now,
        last_activity_at=now,
    )
    return timeline.begin_new(conversation)


def _append_message(
    conversation: Conversation,
    actor: Actor,
    body: str,
    author_kind: str,
    *,
    markdown: bool = False,
    client_info: dict | None = None,
    client_msg_id: str | None = None,
    provider_message_id: str | None = None,
    thread_key: str = "",
    connection: ChannelConnection | None = None,
    html: str = "",
    sent_elsewhere: bool = False,
) -> TimelineEntry:
    entry = timeline.append(conversation, EntryKind.MESSAGE, actor, activity=True)
    message = Message.objects.create(
        entry=entry,
        account_id=conversation.account_id,
        conversation=conversation,
        author_kind=author_kind,
        author_operator=actor.operator if author_kind == AuthorKind.OPERATOR else None,
        body=body,
        html=html or (render_markdown(body) if markdown else render_plain(body)),
        format="markdown" if markdown else "plain",
        connection=connection or conversation.connection,
        client_info=client_info or {},
        # Sent elsewhere (the provider echoed it): nothing to deliver.
        delivery_state=DeliveryState.SENT
        if sent_elsewhere
        else _initial_delivery(conversation, author_kind),
        client_msg_id=client_msg_id or None,
        provider_message_id=provider_message_id or None,
        thread_key=thread_key[:200],
    )
    search_index.index_message(message)
    # A new message has no files until its writer attaches some (outgoing_files.attach,
    # attachments.link): its push reads that from the instance, without a query.
    message.__dict__["_mc_files"] = []
    queued = author_kind != AuthorKind.CONTACT and not sent_elsewhere
    if queued and delivery.delivers_by_request(conversation):
        delivery.queue(conversation, message)
    if live.both_online(conversation):
        timeline.mark_session_live(conversation)
    return entry


def _operator_message(
    conversation: Conversation, actor: Actor, body: str, client_msg_id: str | None = None
) -> TimelineEntry:
    entry = _append_message(
        conversation, actor, body, AuthorKind.OPERATOR, markdown=True, client_msg_id=client_msg_id
    )
    now = clock.now()
    conversation.last_operator_message_at = now
    conversation.first_operator_response_at = conversation.first_operator_response_at or now
    conversation.waiting_since = None
    conversation.last_operator = actor.operator
    return entry


def _initial_delivery(conversation: Conversation, author_kind: str) -> str:
    if author_kind == AuthorKind.CONTACT:
        return DeliveryState.NONE
    # The messenger receives over WebSockets at once; other transports queue a delivery row.
    if delivery.delivers_by_request(conversation):
        return DeliveryState.QUEUED
    return DeliveryState.SENT


def _note_contact_activity(conversation: Conversation) -> None:
    now = clock.now()
    conversation.last_contact_activity_at = now
    conversation.contact_message_count += 1
    if conversation.waiting_since is None:
        conversation.waiting_since = now


def _change_status(conversation: Conversation, new: str, actor: Actor) -> list[TimelineEntry]:
    old = conversation.status
    if old == new:
        return []
    conversation.status = new
    conversation.status_changed_at = clock.now()
    conversation.ended_at = conversation.status_changed_at if new == Status.ENDED else None
    if new == Status.ENDED:
        conversation.waiting_since = None
    entry = timeline.stage(
        conversation, EntryKind.STATUS_CHANGED, actor, data={"from": old, "to": new}
    )
    timeline.stage_audit(actor, conversation, "conversation.status_changed", old=old, new=new)
    return [entry]


def _assign(
    conversation: Conversation,
    operator: Operator | None,
    actor: Actor,
    *,
    group: OperatorGroup | None = None,
) -> list[TimelineEntry]:
    previous = conversation.assigned_operator
    conversation.assigned_operator = operator
    if group is not None or operator is None:
        conversation.assigned_group = group
    if operator is not None:
        operator.last_assigned_at = clock.now()
        Operator.objects.filter(pk=operator.pk).update(last_assigned_at=operator.last_assigned_at)
    data = {
        "operator": operator.public_id if operator else None,
        "group": conversation.assigned_group.public_id if conversation.assigned_group else None,
        "previous": previous.public_id if previous else None,
    }
    entry = timeline.stage(conversation, EntryKind.ASSIGNED, actor, data=data)
    timeline.stage_audit(actor, conversation, "conversation.assigned", **data)
    announce_assignment_to_contact(conversation)
    return [entry]


def _drain_to(conversation: Conversation, operator: Operator, actor: Actor) -> list[TimelineEntry]:
    decision = routing.Decision(
        operator, "backlog_drain", [routing.Candidate(operator, routing.free_slots(operator))]
    )
    entries = [
        timeline.stage(conversation, EntryKind.ROUTING_DECISION, actor, data=decision.as_data())
    ]
    live.note_available(conversation, operator)
    entries += _assign(conversation, operator, actor)
    entries += _change_status(conversation, Status.OPEN, actor)
    entries.append(live.set_live(conversation, True, actor, "backlog_drain"))
    return entries


def _update_field(conversation: Conversation, field: str, value: Any, actor: Actor) -> Conversation:
    _require_operator_or_token(actor)
    _check_account(actor.account.pk, conversation.account_id)
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        if getattr(conversation, field) == value:
            return conversation
        setattr(conversation, field, value)
        shown = value.public_id if hasattr(value, "public_id") else value
        entry = timeline.stage(
            conversation, EntryKind.UPDATED, actor, data={"field": field, "value": shown}
        )
        persist_and_announce(conversation, [entry])
    return conversation


def persist_and_announce(conversation: Conversation, entries: list[TimelineEntry]) -> None:
    """End a write: save the conversation row once with what the unit staged (entries, audit
    rows, session), and announce the new entries after commit."""
    timeline.flush(conversation)
    announce_entries(conversation, entries)


def _existing_message(conversation, client_msg_id, provider_message_id) -> TimelineEntry | None:
    if client_msg_id:
        found = _BY_CLIENT_MSG_ID.first(conversation.pk, client_msg_id)
    elif provider_message_id:
        found = _BY_PROVIDER_ID.first(conversation.pk, provider_message_id)
    else:
        return None
    return found.entry if found else None


def _message_by(field: str) -> Prepared[Message]:
    """The retry check runs for every message: compiled once (``core.prepared``)."""
    return Prepared(
        lambda conversation, value: (
            Message.objects.filter(conversation_id=conversation, **{field: value})
            .select_related("entry")
            .order_by()[:1]
        ),
        placeholders=(Placeholder.INT, Placeholder.TEXT),
    )


_BY_CLIENT_MSG_ID = _message_by("client_msg_id")
_BY_PROVIDER_ID = _message_by("provider_message_id")


def _message_at(conversation: Conversation, seq: int) -> Message:
    query = Message.objects.filter(conversation=conversation, entry__seq=seq)
    message = query.select_related("entry").first()
    if message is None:
        raise NotFound(_("There is no message with this number."))
    return message


def _clean_body(body: str) -> str:
    # PostgreSQL text cannot hold NUL; no person types one.
    body = (body or "").replace("\x00", "").strip()
    if not body:
        raise ValidationFailed(_("A message cannot be empty."), field="body")
    if len(body) > MAX_BODY:
        raise ValidationFailed(
            _("A message can have at most %(max)d characters.") % {"max": MAX_BODY}, field="body"
        )
    return body


def _webchat_of(widget: Widget) -> ChannelConnection:
    return ChannelConnection.objects.get(widget=widget, kind=TransportKind.WEBCHAT)


def _check_account(a: int, b: int) -> None:
    """Both ids name the same account (ids, so no account row is loaded to compare)."""
    if a != b:
        # Never say "forbidden" across accounts: the object does not exist for this caller.
        raise NotFound(_("Not found."))


def _check_same_account(widget, contact, connection) -> None:
    # By id: comparing the related objects would load two accounts per new conversation.
    if not widget.account_id == contact.account_id == connection.account_id:
        raise NotFound(_("Not found."))
    if connection.widget_id != widget.pk:
        raise ValidationFailed(_("This channel belongs to another widget."))


def _require_contact(actor: Actor, contact: Contact) -> None:
    if actor.kind != "contact" or actor.contact is None or actor.contact.pk != contact.pk:
        raise PermissionDenied(_("Only the contact can write as the contact."))


def _require_operator(actor: Actor) -> Operator:
    if actor.operator is None:
        raise PermissionDenied(_("Only an operator can do this."))
    return actor.operator


def _require_operator_or_token(actor: Actor) -> None:
    if actor.operator is None and actor.kind != "token":
        raise PermissionDenied(_("Only an operator or an integration can do this."))


def _require_admin(actor: Actor, account: Account) -> None:
    _check_account(actor.account.pk, account.pk)
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can do this."))


def _require_assigned(conversation: Conversation, actor: Actor) -> None:
    _check_account(actor.account.pk, conversation.account_id)
    if conversation.assigned_operator_id != actor.operator.pk:  # type: ignore[union-attr]
        raise PermissionDenied(
            _("Only the assigned operator can reply. Assign the conversation to yourself first."),
            code="not_assigned",
        )


def _require_assigned_or_admin(conversation: Conversation, actor: Actor) -> None:
    if actor.operator is not None and actor.operator.is_admin:
        return
    _require_assigned(conversation, actor)
