"""Outbound delivery: a message to the contact is a row before it is a request.

On channels whose transport delivers by request (``Capabilities.queued_delivery``: e-mail,
custom, WhatsApp…) the writer that appends an operator or bot message also writes its
``OutboundDelivery`` (``queue``, same transaction) and asks for the job by name after commit.
The webchat writes no row: it delivers over the contact's socket the moment the message
commits, and the messenger resumes by seq, so its messages are ``sent`` at once.

The job (``deliver``) claims the row with a compare-and-set (``queued`` → ``sending`` with a
lease), calls ``transport.deliver`` outside any transaction and records the attempt:
``TransportError(permanent=True)`` fails at once, every other error retries with exponential
backoff until ``MC_DELIVERY_MAX_ATTEMPTS``. A worker that dies between the claim and the record
leaves a ``sending`` row whose lease runs out: ``sweep`` re-queues it ONCE (the provider may
already have it, so the re-send carries the same idempotency key) and fails it the second time
with a reason, for an operator to decide. The message's ``delivery_state`` follows every step
and each change is pushed as ``message.updated``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from messagecenter.accounts import audit
from messagecenter.conversations import outgoing_files
from messagecenter.conversations.events import announce_message_updated, publish_delivery_state
from messagecenter.conversations.models import (
    AttemptOutcome,
    AuthorKind,
    Conversation,
    DeliveryAttempt,
    DeliveryState,
    Message,
    OutboundDelivery,
    OutboundState,
    TimelineEntry,
)
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import InvalidTransition, NotFound, PermissionDenied
from messagecenter.jobs.names import enqueue_on_commit
from messagecenter.transports import registry
from messagecenter.transports.base import Outbound, Receipt, TransportError

log = logging.getLogger(__name__)

JOB = "conversations.deliver"
MAX_BACKOFF = timedelta(hours=1)
# Stored untranslated (rows outlive a request's language) and shown translated.
INTERRUPTED_TWICE = gettext_noop(
    "The delivery was interrupted twice and may have reached the contact. Check before retrying."
)
# What a message's state becomes with its delivery's (``sending`` still shows ``queued``).
_MESSAGE_STATE: dict[str, str] = {
    OutboundState.QUEUED: DeliveryState.QUEUED,
    OutboundState.SENDING: DeliveryState.QUEUED,
    OutboundState.SENT: DeliveryState.SENT,
    OutboundState.DELIVERED: DeliveryState.DELIVERED,
    OutboundState.READ: DeliveryState.READ,
    OutboundState.FAILED: DeliveryState.FAILED,
}
# What announcing a delivery's message needs, read with the row.
_MESSAGE_WITH = (
    "message__entry",
    "message__connection",
    "message__conversation__contact",
    "message__conversation__account",
)
_ORDER: list[str] = [OutboundState.SENT, OutboundState.DELIVERED, OutboundState.READ]


def delivers_by_request(conversation: Conversation) -> bool:
    return conversation.connection.capabilities.queued_delivery


def queue(conversation: Conversation, message: Message) -> OutboundDelivery:
    """In the message's transaction: the row the delivery job will claim (one INSERT)."""
    delivery = OutboundDelivery.objects.create(
        account_id=conversation.account_id,
        message=message,
        connection_id=conversation.connection_id,
        next_attempt_at=clock.now(),
        idempotency_key=f"mc-{conversation.public_id}-{message.entry.seq}",
        created_at=clock.now(),
    )
    enqueue_on_commit(JOB, delivery.pk)
    return delivery


def backoff(attempts: int) -> timedelta:
    """Delay after the ``attempts``-th failed attempt: base, 2×base, 4×base… at most 1 h."""
    delay = timedelta(seconds=settings.DELIVERY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


# --- the job ---------------------------------------------------------------------------------


def deliver(delivery_pk: int) -> OutboundDelivery | None:
    """Claim the delivery, send it, record the outcome. None when there was nothing to do
    (another worker has it, it is not due, or its channel has no transport yet)."""
    claimed = _claim(delivery_pk)
    if claimed is None:
        return None
    delivery, attempt = claimed
    transport = registry.get(delivery.connection.kind)
    try:
        if transport is None:
            raise TransportError(f"No transport for {delivery.connection.kind}.")
        receipt = transport.deliver(_outbound(delivery, attempt.number))
    except TransportError as error:
        return _failed(
            delivery, attempt, error.reason, permanent=error.permanent, wait=error.retry_after
        )
    except Exception as error:  # a bug or an unexpected network error: retry, never lose it
        log.exception("delivery %s: transport %s raised", delivery.pk, delivery.connection.kind)
        return _failed(delivery, attempt, type(error).__name__, permanent=False)
    return _sent(delivery, attempt, receipt)


def _claim(delivery_pk: int) -> tuple[OutboundDelivery, DeliveryAttempt] | None:
    now = clock.now()
    with transaction.atomic():
        won = OutboundDelivery.objects.filter(
            pk=delivery_pk, state=OutboundState.QUEUED, next_attempt_at__lte=now
        ).update(
            state=OutboundState.SENDING,
            attempts=F("attempts") + 1,
            lease_expires_at=now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS),
        )
        if not won:
            return None
        delivery = OutboundDelivery.objects.select_related(
            "connection__account", *_MESSAGE_WITH
        ).get(pk=delivery_pk)
        # Logged before the send: a crash leaves this attempt visible as cut short.
        attempt = DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempts, started_at=now
        )
    return delivery, attempt


def _outbound(delivery: OutboundDelivery, attempt: int) -> Outbound:
    message = delivery.message
    conversation = message.conversation
    body, metadata = _with_files(delivery, message)
    return Outbound(
        connection=delivery.connection,
        delivery_id=delivery.pk,
        idempotency_key=delivery.idempotency_key,
        conversation=conversation.public_id,
        seq=message.entry.seq,
        body=body,
        metadata=metadata,
        html=message.html,
        author_name=message.entry.actor_name,
        subject=conversation.subject,
        recipient=_recipient(conversation, delivery.connection),
        thread_key=_thread_key(conversation, delivery.connection),
        attempt=attempt,
    )


def _with_files(delivery: OutboundDelivery, message: Message) -> tuple[str, dict[str, Any]]:
    """The files the message carries: as attachments where the transport sends them itself
    (``metadata["files"]``, within the channel's size limit), else as lasting download links
    in the text (``metadata["file_links"]`` too, for a transport that shows them its way)."""
    if not message.attachments.exists():
        return message.body, {}
    transport = registry.get(delivery.connection.kind)
    attached, linked = outgoing_files.delivery_parts(
        message, attaches=transport.attaches if transport else (lambda stored: False)
    )
    body = outgoing_files.text_with_links(_text_without_names(message, attached, linked), linked)
    return body, {"files": attached, "file_links": linked}


def _text_without_names(message: Message, attached: list[str], linked: list) -> str:
    """A message of only files has their names as its text (for lists and search): the
    contact gets the files, not the names again."""
    names = ", ".join(row.filename for row in message.attachments.all())
    return "" if message.body == names else message.body


def _recipient(conversation: Conversation, connection) -> str:
    """The contact's address on this channel: their identity of a kind the channel uses
    (a verified one first)."""
    kinds = connection.capabilities.identity_kinds
    identity = (
        conversation.contact.identities.filter(kind__in=kinds)
        .order_by(F("verified_at").desc(nulls_last=True), "created_at")
        .first()
    )
    return identity.value if identity is not None else ""


def _thread_key(conversation: Conversation, connection) -> str:
    """The provider thread of the contact's latest message here (e-mail: the thread to
    reply into)."""
    latest = (
        Message.objects.filter(conversation=conversation, connection=connection)
        .exclude(thread_key="")
        .order_by("-entry_id")
        .values_list("thread_key", flat=True)
        .first()
    )
    return latest or ""


def _sent(delivery, attempt, receipt: Receipt | None) -> OutboundDelivery:
    now = clock.now()
    provider_id = (receipt.provider_message_id if receipt else "")[:200]
    with transaction.atomic():
        # A re-queued row (the sweep thought this worker dead) is sent all the same.
        OutboundDelivery.objects.filter(
            pk=delivery.pk, state__in=[OutboundState.SENDING, OutboundState.QUEUED]
        ).update(
            state=OutboundState.SENT,
            sent_at=now,
            lease_expires_at=None,
            last_error="",
            provider_message_id=provider_id,
        )
        _finish(attempt, AttemptOutcome.SENT)
        _follow(delivery, OutboundState.SENT)
    delivery.state, delivery.provider_message_id = OutboundState.SENT, provider_id
    return delivery


def _failed(
    delivery, attempt, reason: str, *, permanent: bool, wait: int | None = None
) -> OutboundDelivery:
    reason = (reason or _("The channel refused the message."))[:500]
    attempts = delivery.attempts - delivery.retried_at_attempt
    final = permanent or attempts >= settings.DELIVERY_MAX_ATTEMPTS
    state = OutboundState.FAILED if final else OutboundState.QUEUED
    delay = backoff(attempts)
    if wait:  # the provider's Retry-After, never beyond the backoff's cap
        delay = min(max(delay, timedelta(seconds=wait)), MAX_BACKOFF)
    with transaction.atomic():
        changes: dict[str, Any] = {"state": state, "lease_expires_at": None, "last_error": reason}
        if not final:
            changes["next_attempt_at"] = clock.now() + delay
        # Still this attempt's claim? (The sweep may have taken the row back from a worker it
        # thought dead; then the row is another attempt's to end.)
        mine = OutboundDelivery.objects.filter(
            pk=delivery.pk, state=OutboundState.SENDING, attempts=attempt.number
        )
        held = mine.update(**changes)
        _finish(attempt, AttemptOutcome.FAILED if final else AttemptOutcome.RETRY, reason)
        if held and final:
            _follow(delivery, OutboundState.FAILED, reason)
        elif held:
            enqueue_on_commit(JOB, delivery.pk, delay=delay.total_seconds())
    delivery.state, delivery.last_error = state, reason
    return delivery


def _finish(attempt: DeliveryAttempt, outcome: str, error: str = "") -> None:
    DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        outcome=outcome, error=error, finished_at=clock.now()
    )


def _follow(delivery: OutboundDelivery, state: str, reason: str = "") -> None:
    """The message shows its delivery's state (and why it failed), live."""
    message = delivery.message
    message.delivery_state = _MESSAGE_STATE[state]
    message.delivery_error = reason if state == OutboundState.FAILED else ""
    Message.objects.filter(pk=message.pk).update(
        delivery_state=message.delivery_state, delivery_error=message.delivery_error
    )
    announce_message_updated(message.conversation, message.entry)
    publish_delivery_state(message.conversation, message.entry, message.delivery_state)


# --- provider receipts -----------------------------------------------------------------------


def record_status(connection, provider_message_id: str, state: str, reason: str = "") -> bool:
    """A provider's later word on a sent message (a delivery or read receipt, a bounce):
    states only move forward (sent → delivered → read), and ``failed`` (a bounce) ends it."""
    with transaction.atomic():
        delivery = (
            OutboundDelivery.objects.select_for_update()
            .select_related(*_MESSAGE_WITH)
            .filter(connection=connection, provider_message_id=provider_message_id)
            .first()
        )
        if delivery is None or not _moves_forward(delivery.state, state):
            return False
        delivery.state = state
        delivery.last_error = reason[:500]
        delivery.save(update_fields=["state", "last_error"])
        _follow(delivery, state, reason[:500])
    return True


def _moves_forward(current: str, new: str) -> bool:
    if new == OutboundState.FAILED:
        return current != OutboundState.FAILED
    if current not in _ORDER or new not in _ORDER:
        return False
    return _ORDER.index(new) > _ORDER.index(current)


# --- the operator's retry --------------------------------------------------------------------


def retry(conversation: Conversation, seq: int, *, actor: Actor) -> TimelineEntry:
    """A failed message goes out again (the Retry action): the same row and idempotency key,
    with a fresh budget of attempts. Only by the assigned operator or an admin."""
    operator = actor.operator
    if operator is None:
        raise PermissionDenied(_("Only an operator can do this."))
    if actor.account.pk != conversation.account_id:
        raise NotFound(_("Not found."))
    if not operator.is_admin and conversation.assigned_operator_id != operator.pk:
        raise PermissionDenied(
            _("Only the assigned operator can reply. Assign the conversation to yourself first."),
            code="not_assigned",
        )
    with transaction.atomic():
        delivery = (
            OutboundDelivery.objects.select_for_update()
            .select_related(*_MESSAGE_WITH)
            .filter(message__conversation=conversation, message__entry__seq=seq)
            .first()
        )
        if delivery is None or delivery.message.author_kind == AuthorKind.CONTACT:
            raise NotFound(_("There is no message with this number."))
        if delivery.state != OutboundState.FAILED:
            raise InvalidTransition(_("Only a failed message can be sent again."))
        delivery.state, delivery.interruptions = OutboundState.QUEUED, 0
        delivery.retried_at_attempt = delivery.attempts
        delivery.next_attempt_at, delivery.last_error = clock.now(), ""
        delivery.save(
            update_fields=[
                "state",
                "retried_at_attempt",
                "interruptions",
                "next_attempt_at",
                "last_error",
            ]
        )
        audit.record(
            actor, "message.delivery_retried", "conversation", conversation.public_id, seq=seq
        )
        _follow(delivery, OutboundState.QUEUED)
        enqueue_on_commit(JOB, delivery.pk)
    return delivery.message.entry


# --- the sweep -------------------------------------------------------------------------------


def sweep() -> list[int]:
    """Every minute and at start-up: sends cut short by a crash are re-queued once (then
    failed with a reason); due rows whose job was lost are enqueued again. Safe anywhere and
    often: the claim decides who sends."""
    now = clock.now()
    stale = OutboundDelivery.objects.filter(state=OutboundState.SENDING, lease_expires_at__lt=now)
    for delivery in stale.select_related(*_MESSAGE_WITH):
        _recover(delivery)
    due = OutboundDelivery.objects.filter(state=OutboundState.QUEUED, next_attempt_at__lte=now)
    pks = list(due.values_list("pk", flat=True)[:1000])
    for pk in pks:
        enqueue_on_commit(JOB, pk)
    return pks


def _recover(delivery: OutboundDelivery) -> None:
    """A send claimed but never recorded: maybe sent, maybe not. Once it is sent again with
    the same idempotency key (the provider or the recipient drops a duplicate); a second
    time it fails, so a person decides instead of a loop."""
    twice = delivery.interruptions >= 1
    with transaction.atomic():
        changes: dict[str, Any] = {
            "lease_expires_at": None,
            "interruptions": F("interruptions") + 1,
        }
        if twice:
            changes |= {"state": OutboundState.FAILED, "last_error": INTERRUPTED_TWICE}
        else:
            changes |= {"state": OutboundState.QUEUED, "next_attempt_at": clock.now()}
        mine = OutboundDelivery.objects.filter(
            pk=delivery.pk, state=OutboundState.SENDING, attempts=delivery.attempts
        )
        if not mine.update(**changes):
            return  # it finished meanwhile
        DeliveryAttempt.objects.filter(
            delivery=delivery, number=delivery.attempts, outcome=AttemptOutcome.SENDING
        ).update(outcome=AttemptOutcome.INTERRUPTED, finished_at=clock.now())
        if twice:
            _follow(delivery, OutboundState.FAILED, INTERRUPTED_TWICE)
        log.warning("delivery %s was interrupted (attempt %s)", delivery.pk, delivery.attempts)
