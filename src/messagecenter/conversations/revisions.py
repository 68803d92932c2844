"""Two follow-ups of a message at its channel, kept beside the timeline:

- **a contact's edit** (Telegram's ``edited_message``): ``record_contact_edit`` is the only
  writer. The message shows the new text and ``edited_at``; the version it replaces is kept as
  a ``MessageRevision``, so the operator sees "edited" with every earlier version. Open views
  update through the ``message.updated`` push (no timeline entry: nothing new was said). An
  edit repeated (Telegram redelivers) or older than the current text changes nothing.
- **an operator's deletion at the provider**: after ``services.delete_message`` commits, a job
  (``JOB``) asks the transport to delete the message there too (``Transport.deletes_at_provider``,
  ``delete_at_provider``). A transient failure is retried a few times; a final one is kept
  on the message (``provider_delete_error``) and shown, so nobody believes it is gone from the
  contact's phone when it is not.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from messagecenter.conversations import timeline
from messagecenter.conversations.events import announce_message_updated
from messagecenter.conversations.models import (
    AuthorKind,
    Message,
    MessageRevision,
    OutboundDelivery,
)
from messagecenter.core import clock
from messagecenter.core.rendering import render_plain
from messagecenter.jobs.names import enqueue_on_commit
from messagecenter.search import indexing as search_index
from messagecenter.transports import registry
from messagecenter.transports.base import TransportError

log = logging.getLogger(__name__)

JOB = "conversations.delete_at_provider"
DELETE_ATTEMPTS = 4
DELETE_RETRY_SECONDS = 60
# Shown with the transport's reason (stored alone, in the provider's words).
DELETE_FAILED = gettext_noop("Not deleted at the channel: %(reason)s")


# --- contacts' edits -------------------------------------------------------------------------


def record_contact_edit(
    connection,
    provider_message_id: str,
    body: str,
    *,
    html: str = "",
    edited_at: datetime | None = None,
) -> Message | None:
    """The contact changed their message ``provider_message_id`` of ``connection`` to
    ``body``. None when we do not have that message (it was never stored, or is gone)."""
    edited_at = edited_at or clock.now()
    message = (
        Message.objects.filter(
            account_id=connection.account_id,
            connection=connection,
            provider_message_id=provider_message_id,
            author_kind=AuthorKind.CONTACT,
        )
        .select_related("conversation")
        .first()
    )
    if message is None:
        return None
    with transaction.atomic():
        conversation = timeline.lock(message.conversation)
        message = Message.objects.select_related("entry", "connection").get(pk=message.pk)
        if message.body == body or (message.edited_at and message.edited_at >= edited_at):
            return message  # the same edit again, or one older than what is shown
        MessageRevision.objects.create(
            message=message,
            body=message.body,
            html=message.html,
            written_at=message.edited_at or message.entry.at,
            replaced_at=edited_at,
        )
        message.body, message.html = body, html or render_plain(body)
        message.edited_at = edited_at
        message.save(update_fields=["body", "html", "edited_at"])
        # Findable by what it says now.
        search_index.forget_entry(message.entry_id)
        search_index.index_message(message)
        announce_message_updated(conversation, message.entry)
    return message


def revisions_of(message: Message) -> list[dict]:
    """The earlier versions, oldest first, for the operator's view."""
    if message.edited_at is None:
        return []
    return [
        {
            "body": revision.body,
            "html": revision.html,
            "written_at": revision.written_at.isoformat(),
            "replaced_at": revision.replaced_at.isoformat(),
        }
        for revision in message.revisions.all()
    ]


# --- deletion at the provider ----------------------------------------------------------------


def schedule_provider_delete(conversation, message: Message) -> None:
    """In ``delete_message``'s transaction: the job that deletes it at the channel too."""
    transport = registry.get(conversation.connection.kind)
    if transport is not None and getattr(transport, "deletes_at_provider", False):
        enqueue_on_commit(JOB, message.pk, 1)


def delete_at_provider(message_pk: int, attempt: int = 1) -> str:
    """The job: ``"deleted"``, ``"nothing"`` (never sent, so nothing to delete), ``"retry"``
    or ``"failed"``."""
    delivery = (
        OutboundDelivery.objects.select_related(
            "connection", "message__entry", "message__conversation__account"
        )
        .filter(message_id=message_pk)
        .first()
    )
    if delivery is None or not delivery.provider_message_id:
        return "nothing"
    transport = registry.require(delivery.connection.kind)
    try:
        transport.delete_at_provider(delivery.connection, delivery.provider_message_id)
    except TransportError as error:
        if not error.permanent and attempt < DELETE_ATTEMPTS:
            wait = max(error.retry_after or 0, DELETE_RETRY_SECONDS * attempt)
            with transaction.atomic():
                enqueue_on_commit(JOB, message_pk, attempt + 1, delay=wait)
            return "retry"
        log.info("message %s: deletion at the channel failed (%s)", message_pk, error.reason)
        _keep_error(delivery.message, error.reason or "?")
        return "failed"
    if delivery.message.provider_delete_error:
        _keep_error(delivery.message, "")
    return "deleted"


def delete_error(message: Message) -> str:
    """The failure shown on the message, translated ("" when none)."""
    if not message.provider_delete_error:
        return ""
    return _(DELETE_FAILED) % {"reason": message.provider_delete_error}


def _keep_error(message: Message, reason: str) -> None:
    stored = reason[:500]
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(provider_delete_error=stored)
        message.provider_delete_error = stored
        announce_message_updated(message.conversation, message.entry)
