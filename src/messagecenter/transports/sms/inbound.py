"""An SMS connection's two webhooks and what becomes of each request.

``accept`` (the view's work, quick): find the connection by the public id in the URL (one
URL per connection, so every number of a Messaging Service arrives at the same door and no
``To`` number has to match), check ``X-Twilio-Signature`` with Twilio's ``RequestValidator``
against the PUBLIC URL (``MC_PUBLIC_URL`` + the path + the query Twilio called: behind a TLS
proxy the request's own scheme and host are the proxy's, never trusted) and the connection's
auth token, then commit the request's parameters (``SmsEvent``, unique per MessageSid and,
for a status, per status: a redelivery is the same row). Fail closed: no stored auth token
refuses every request. In log-only mode (for the roll-out) a missing or wrong signature is
logged and the request taken all the same. The job is asked for after commit.

``process`` (the job), by kind:

- an incoming message: ``transport.parse`` (MMS images downloaded) and
  ``conversations.inbound.receive``, idempotent on the MessageSid as well; an opt-out or
  opt-in keyword (the whole text, as Twilio matches it: STOP, STOPALL, UNSUBSCRIBE, CANCEL,
  END, QUIT; START, YES, UNSTOP; or Twilio's ``OptOutType``) is stored as a message and
  recorded as the contact's SMS consent (``contacts.consent``, source ``sms_keyword``);
- a status callback: ``conversations.delivery.record_status`` (queued/sending say nothing
  new; sent, delivered, read move forward; undelivered and failed fail with Twilio's error).
  A status that arrives before our own record of the send (Twilio answered the send, the
  callback overtook our commit) stays pending and is tried again by the sweep.

A failure worth retrying (the database, a media download) leaves the event pending; the
minute's ``sweep`` enqueues pending events again, ``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from twilio.request_validator import RequestValidator

from messagecenter.contacts import consent
from messagecenter.contacts.models import ConsentChannel
from messagecenter.conversations import delivery, inbound
from messagecenter.conversations.models import OutboundDelivery, OutboundState
from messagecenter.core import clock
from messagecenter.core.errors import DomainError, NotFound
from messagecenter.jobs.names import enqueue_on_commit
from messagecenter.transports import registry
from messagecenter.transports.sms import api, config
from messagecenter.transports.sms.models import EventKind, EventOutcome, SmsEvent
from messagecenter.transports.sms.transport import KEYWORD_SOURCE, withdraw
from messagecenter.widgets.models import ChannelConnection, TransportKind

log = logging.getLogger(__name__)

JOB = "transports.sms_event"
HEADER = "X-Twilio-Signature"
MAX_BODY_BYTES = 256 * 1024
MAX_ATTEMPTS = 5
SWEEP_AFTER = timedelta(minutes=1)
# A processed request (it holds the contact's number and text) is kept this long for
# debugging and redelivery checks, then deleted: the message itself is the record, and an
# erased contact must not live on here. Twilio redelivers within minutes, and a redelivery
# after this is still stored once (``receive`` dedupes on the MessageSid; statuses only move
# forward).
KEEP_PROCESSED = timedelta(days=7)
# Twilio's default opt-out and opt-in keywords (matched on the whole, trimmed message).
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
# Twilio's MessageStatus → our delivery state (None: nothing new to say).
STATUSES: dict[str, str | None] = {
    "accepted": None,
    "scheduled": None,
    "queued": None,
    "sending": None,
    "sent": OutboundState.SENT,
    "delivered": OutboundState.DELIVERED,
    "read": OutboundState.READ,
    "undelivered": OutboundState.FAILED,
    "failed": OutboundState.FAILED,
    "canceled": OutboundState.FAILED,
}
# The delivery errors (ErrorCode) an operator meets, in words (Twilio's error dictionary).
DELIVERY_ERRORS = {
    "30003": "Unreachable destination handset",
    "30004": "Message blocked",
    "30005": "Unknown destination handset",
    "30006": "Landline or unreachable carrier",
    "30007": "Message filtered as spam by the carrier",
    "30008": "Unknown error",
    "21610": "The recipient unsubscribed (STOP)",
}


class SignatureRefused(DomainError):
    """HTTP 403: the signature is missing or wrong, or the connection has no auth token."""

    code = "invalid_signature"
    http_status = 403


class TooLarge(DomainError):
    code = "too_large"
    http_status = 413


def accept(public_id: str, kind: str, request) -> SmsEvent | None:
    """Verify and store one webhook request; None for a signed request that is no message
    or status of ours (nothing stored)."""
    connection = _connection(public_id)
    if len(request.body) > MAX_BODY_BYTES:
        raise TooLarge(_("The request is too large."))
    _verify(connection, request)
    params = _params(request)
    sid = str(params.get("MessageSid") or "")[:64]
    status = str(params.get("MessageStatus") or "")[:16] if kind == EventKind.STATUS else ""
    if not sid or (kind == EventKind.STATUS and not status):
        log.info("sms %s: a %s request without MessageSid left", public_id, kind)
        return None
    return _store(connection, kind, sid, status.lower(), params)


def public_url(request) -> str:
    """The URL Twilio called, as it knows it: our public address, never the Host header or
    the scheme the (TLS-terminating) proxy forwarded."""
    query = request.META.get("QUERY_STRING", "")
    return f"{settings.PUBLIC_URL}{request.path_info}" + (f"?{query}" if query else "")


def _verify(connection, request) -> None:
    token = config.auth_token(connection)
    if not token:  # fail closed: nothing to check against
        log.warning("sms %s: request refused (no auth token stored)", connection.public_id)
        raise SignatureRefused(_("The signature did not match."))
    signature = request.headers.get(HEADER) or ""
    body: Any = request.POST
    if (request.content_type or "").startswith("application/json"):
        body = request.body.decode("utf-8", "replace")  # signed by its bodySHA256
    if signature and RequestValidator(token).validate(public_url(request), body, signature):
        return
    problem = "missing" if not signature else "wrong"
    if config.log_only(connection):
        log.warning("sms %s: signature %s, taken in log-only mode", connection.public_id, problem)
        return
    log.info("sms %s: request refused (signature %s)", connection.public_id, problem)
    raise SignatureRefused(_("The signature did not match."))


def _params(request) -> dict[str, str]:
    if (request.content_type or "").startswith("application/json"):
        return {}  # no message or status of ours comes as JSON
    return {key: request.POST.get(key, "") for key in request.POST}


def _store(connection, kind: str, sid: str, status: str, params: dict) -> SmsEvent:
    try:
        with transaction.atomic():
            row = SmsEvent.objects.create(
                connection=connection, kind=kind, message_sid=sid, status=status,
                params=params, received_at=clock.now(),
            )  # fmt: skip
            enqueue_on_commit(JOB, row.pk)
            return row
    except IntegrityError:
        # Twilio delivered it again (or twice at once): the first one's row decides.
        return SmsEvent.objects.get(
            connection=connection, kind=kind, message_sid=sid, status=status
        )


def _connection(public_id: str) -> ChannelConnection:
    connection = (
        ChannelConnection.objects.select_related("widget__account", "account")
        .filter(public_id=public_id, kind=TransportKind.SMS, is_active=True)
        .first()
    )
    if connection is None:
        raise NotFound(_("There is no such channel."))
    return connection


# --- the job ---------------------------------------------------------------------------------


class _Again(Exception):
    """Not yet: keep the event pending for another try."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def process(event_pk: int) -> str | None:
    """Handle one stored event (see the module docstring); its outcome, or None when it
    was done already."""
    row = (
        SmsEvent.objects.select_related("connection__account", "connection__widget")
        .filter(pk=event_pk, processed_at__isnull=True)
        .first()
    )
    if row is None:
        return None
    SmsEvent.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
    try:
        outcome, reason = _handle(row)
    except (api.ApiError, _Again) as error:
        reason = error.reason
        if row.attempts + 1 < MAX_ATTEMPTS:
            SmsEvent.objects.filter(pk=row.pk).update(reason=reason[:300])
            log.info("sms %s: event %s kept for another try (%s)", row.connection.public_id,
                     row.pk, reason[:200])  # fmt: skip
            return EventOutcome.PENDING
        outcome = EventOutcome.FAILED
    SmsEvent.objects.filter(pk=row.pk).update(
        outcome=outcome, reason=reason[:300], processed_at=clock.now()
    )
    return outcome


def _handle(row: SmsEvent) -> tuple[str, str]:
    if row.kind == EventKind.STATUS:
        return _status(row.connection, row.message_sid, row.status, row.params)
    return _message(row.connection, row.params)


def _message(connection, params: dict) -> tuple[str, str]:
    transport = registry.require(TransportKind.SMS)
    decision = keyword(params)
    try:
        received = inbound.receive(connection, transport.parse(connection, params))
    except DomainError as error:  # a blocked contact, a text the domain refuses
        log.info("sms %s: message refused (%s)", connection.public_id, error.message)
        if decision is False:  # a STOP holds even when its message is not taken
            withdraw(connection, str(params.get("From") or ""), source=KEYWORD_SOURCE)
        return EventOutcome.REFUSED, str(error.message)
    if decision is not None:
        _record_consent(received.contact, granted=decision)
        return (EventOutcome.OPTED_IN if decision else EventOutcome.OPTED_OUT), ""
    return (EventOutcome.DUPLICATE if received.duplicate else EventOutcome.MESSAGE), ""


def keyword(params: Mapping[str, Any]) -> bool | None:
    """True for an opt-in, False for an opt-out, None for any other message. Twilio's
    ``OptOutType`` (Advanced Opt-Out, with the service's own keywords) decides first."""
    kind = str(params.get("OptOutType") or "").strip().upper()
    if kind in ("STOP", "START"):
        return kind == "START"
    word = str(params.get("Body") or "").strip().upper()
    if word in OPT_OUT:
        return False
    if word in OPT_IN:
        return True
    return None


def _record_consent(contact, *, granted: bool) -> None:
    # Only a change is recorded (a STOP sent twice is one decision; a replayed event none).
    if consent.allows(contact, ConsentChannel.SMS) != granted:
        consent.record(contact, ConsentChannel.SMS, granted=granted, source=KEYWORD_SOURCE)


def _status(connection, sid: str, status: str, params: dict) -> tuple[str, str]:
    if status not in STATUSES:
        return EventOutcome.IGNORED, f"status {status}"[:300]
    code = str(params.get("ErrorCode") or "")
    if code == str(api.UNSUBSCRIBED):
        withdraw(connection, str(params.get("To") or ""), source="sms_provider")
    state = STATUSES[status]
    if state is None:
        return EventOutcome.IGNORED, f"status {status}"
    if not OutboundDelivery.objects.filter(connection=connection, provider_message_id=sid).exists():
        raise _Again(f"no delivery with {sid} yet")  # our record of the send is on its way
    reason = _failure(status, code) if state == OutboundState.FAILED else ""
    moved = delivery.record_status(connection, sid, state, reason)
    return (EventOutcome.STATUS if moved else EventOutcome.STALE), ""


def _failure(status: str, code: str) -> str:
    if not code:
        return f"Twilio: {status}"
    words = DELIVERY_ERRORS.get(code, "")
    return f"Twilio {code}: {words}" if words else f"Twilio {status} ({code})"


def sweep() -> list[int]:
    """Every minute: events still pending after their job should have run (a lost job, a
    download that failed, a status that overtook our send), again; processed events past
    ``KEEP_PROCESSED`` deleted."""
    old = SmsEvent.objects.filter(processed_at__lt=clock.now() - KEEP_PROCESSED)
    SmsEvent.objects.filter(pk__in=list(old.values_list("pk", flat=True)[:1000])).delete()
    due = SmsEvent.objects.filter(
        processed_at__isnull=True,
        received_at__lt=clock.now() - SWEEP_AFTER,
        attempts__lt=MAX_ATTEMPTS,
    ).values_list("pk", flat=True)[:500]
    pks = list(due)
    for pk in pks:
        enqueue_on_commit(JOB, pk)
    return pks
