"""Delivering webhook events: the outbox handler that writes the delivery rows, the job that
sends one, the retry schedule, endpoint health and automatic disabling, and replay.

At least once, across crashes:

1. ``fan_out`` (the outbox job's handler) writes the event and one delivery row per
   subscribed endpoint in ONE transaction, and only after it commits is a send queued. The
   handler is idempotent (the event is unique on its source, a delivery on (endpoint,
   event)), so an outbox event handled twice after a crash makes nothing twice;
2. ``attempt`` claims a due row with a compare-and-set (``pending`` and due, or ``sending``
   whose lease ran out: its worker died) and records the attempt before it sends;
3. ``sweep`` (every minute) queues every claimable row, so a lost job or a dead worker only
   delays a delivery. The ``webhook-id`` is the event's id on every attempt and replay, so
   a receiver drops what it already has.

A disabled endpoint (by hand, or after a day of failures) holds its deliveries: nothing is
sent and no attempt is spent while it is off; enabled again, what is due goes out.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from messagecenter.core import clock, webhooks
from messagecenter.core.actors import Actor
from messagecenter.core.errors import InvalidTransition, NotFound, PermissionDenied
from messagecenter.jobs.names import enqueue, enqueue_on_commit
from messagecenter.webhooks import payloads, services
from messagecenter.webhooks.events import DELIVER_JOB
from messagecenter.webhooks.models import (
    AttemptOutcome,
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

log = logging.getLogger(__name__)

# The waits between attempts: ten attempts over about three days (75.6 hours), close to
# the Standard Webhooks reference schedule, stretched so a receiver down for a weekend
# still gets its events.
SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(SCHEDULE) + 1
# A receiver's Retry-After is honoured up to this.
MAX_RETRY_AFTER = timedelta(hours=24)
# Disabled when every attempt failed for this long (and at least this many did), so a short
# outage of a busy receiver never switches it off.
DISABLE_AFTER = timedelta(hours=24)
DISABLE_MIN_FAILURES = 5
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10.0
SWEEP_BATCH = 500
# Sent (or given up) events and their log are kept this long, then forgotten: the log is for
# finding out what went wrong, not an archive of personal data.
RETENTION = timedelta(days=30)
MAIL_JOB = "webhooks.mail_disabled"


# --- from the outbox to delivery rows ---------------------------------------------------------


def fan_out(payload: dict[str, Any]) -> int:
    """The outbox handler: the deliveries this event needs; how many rows were new."""
    if payload.get("type") == "contact.erased":
        return _erased(payload)
    return sum(_write(planned) for planned in payloads.plan(payload))


def _erased(payload: dict[str, Any]) -> int:
    """Forget the erased contact's stored bodies (names, messages), then tell the endpoints."""
    contact_id, account_id = str(payload.get("contact") or ""), payload.get("account_id")
    if not contact_id or not isinstance(account_id, int):
        return 0
    # Cascades: their deliveries and attempts.
    WebhookEvent.objects.filter(account_id=account_id, contact=contact_id).delete()
    return _write(payloads.erased(account_id, payload))


def _write(planned: payloads.Planned) -> int:
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            account_id=planned.account_id, enabled=True
        ).order_by("pk")
        if planned.type in endpoint.event_types
    ]
    if not endpoints:
        return 0
    now = clock.now()
    with transaction.atomic():
        event, _created = WebhookEvent.objects.get_or_create(
            account_id=planned.account_id,
            source=planned.source[:200],
            defaults={"type": planned.type, "contact": planned.contact, "created_at": now},
        )
        if not event.body:
            event.body = body(event, planned)
            WebhookEvent.objects.filter(pk=event.pk).update(body=event.body)
        rows = [
            WebhookDelivery(endpoint=e, event=event, next_attempt_at=now, created_at=now)
            for e in endpoints
        ]
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        fresh = list(
            WebhookDelivery.objects.filter(
                event=event, attempts=0, state=DeliveryState.PENDING
            ).values_list("pk", flat=True)
        )
        for pk in fresh:
            enqueue_on_commit(DELIVER_JOB, pk)
    return len(fresh)


def body(event: WebhookEvent, planned: payloads.Planned) -> str:
    """The JSON every attempt posts (Standard Webhooks' recommended shape)."""
    return json.dumps(
        {
            "id": event.public_id,
            "type": planned.type,
            "timestamp": planned.at.isoformat(),
            "data": planned.data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


# --- one attempt --------------------------------------------------------------------------


def attempt(delivery_pk: int) -> str | None:
    """Send one due delivery; its new state, or None when it was not ours to send (done,
    not due yet, or held by another worker)."""
    now = clock.now()
    due = Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, lease_until__lt=now
    )
    won = WebhookDelivery.objects.filter(due, pk=delivery_pk, endpoint__enabled=True).update(
        state=DeliveryState.SENDING, lease_until=now + LEASE, attempts=F("attempts") + 1
    )
    return _send(delivery_pk, manual=False) if won else None


def replay(delivery: WebhookDelivery, *, actor: Actor) -> str:
    """An administrator sends a delivery again now, whatever its state: one attempt, logged
    as manual, with the same ``webhook-id`` (a receiver that has it drops it)."""
    endpoint = delivery.endpoint
    services._require_admin(actor, endpoint.account)
    if not endpoint.enabled:
        raise InvalidTransition(_disabled_text())
    now = clock.now()
    won = (
        WebhookDelivery.objects.filter(pk=delivery.pk)
        .exclude(state=DeliveryState.SENDING, lease_until__gte=now)
        .update(state=DeliveryState.SENDING, lease_until=now + LEASE, attempts=F("attempts") + 1)
    )
    if not won:
        raise InvalidTransition(_sending_text())
    return _send(delivery.pk, manual=True)


def _send(delivery_pk: int, *, manual: bool) -> str:
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_pk)
    endpoint = delivery.endpoint
    _close_interrupted(delivery)
    if not endpoint.enabled:  # disabled since the claim: it waits, this try does not count
        WebhookDelivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(
            state=DeliveryState.PENDING, lease_until=None, attempts=F("attempts") - 1
        )
        return DeliveryState.PENDING
    record = WebhookAttempt.objects.create(
        delivery=delivery, number=delivery.attempts, manual=manual, started_at=clock.now()
    )
    result = webhooks.post_signed(
        endpoint.url,
        services.signing_secrets(endpoint),
        event_id=delivery.event.public_id,
        body=delivery.event.body.encode(),
        timeout=TIMEOUT_SECONDS,
    )
    return _record(delivery, record, result, manual=manual)


def _close_interrupted(delivery: WebhookDelivery) -> None:
    """An attempt left open was cut off by a dead worker: say so in the log."""
    WebhookAttempt.objects.filter(delivery=delivery, outcome="").update(
        outcome=AttemptOutcome.INTERRUPTED
    )


def _record(delivery, record: WebhookAttempt, result: webhooks.DeliveryResult, *, manual) -> str:
    # Only a request that can never work (a blocked or invalid URL, a secret that cannot
    # sign) fails at once; every answer that is not 2xx is retried, as the spec asks.
    final = manual or delivery.attempts >= MAX_ATTEMPTS or (result.permanent and not result.status)
    if result.ok:
        state, outcome = DeliveryState.SUCCEEDED, AttemptOutcome.SUCCEEDED
    elif final:
        state, outcome = DeliveryState.FAILED, AttemptOutcome.FAILED
    else:
        state, outcome = DeliveryState.PENDING, AttemptOutcome.RETRY
    with transaction.atomic():
        WebhookAttempt.objects.filter(pk=record.pk).update(
            outcome=outcome,
            duration_ms=result.duration_ms,
            response_status=result.status,
            response_excerpt=result.response_excerpt,
            error=result.error[:500],
        )
        wait = None if state != DeliveryState.PENDING else _wait(delivery.attempts, result)
        _finish(delivery, result.status, state, error=result.error, wait=wait)
        _health(delivery.endpoint, ok=result.ok)
    return state


def _wait(attempts: int, result: webhooks.DeliveryResult) -> timedelta:
    wait = SCHEDULE[min(attempts, len(SCHEDULE)) - 1]
    if result.retry_after:
        wait = max(wait, min(timedelta(seconds=result.retry_after), MAX_RETRY_AFTER))
    return wait


def next_wait(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (for the page and the docs)."""
    return SCHEDULE[min(attempts, len(SCHEDULE)) - 1]


def _finish(delivery, status, state: str, *, error: str = "", wait=None) -> str:
    now = clock.now()
    changes: dict[str, Any] = {
        "state": state,
        "lease_until": None,
        "last_status": status,
        "last_error": (error or "")[:500],
    }
    if wait is not None:
        changes["next_attempt_at"] = now + wait
    else:
        changes["finished_at"] = now
    # Still our claim? (The sweep may have handed a slow attempt's row to another worker.)
    WebhookDelivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(**changes)
    if wait is not None:
        enqueue_on_commit(DELIVER_JOB, delivery.pk, delay=wait.total_seconds())
    return state


# --- endpoint health ------------------------------------------------------------------------


def _health(endpoint: WebhookEndpoint, *, ok: bool) -> None:
    now = clock.now()
    rows = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    if ok:
        rows.update(consecutive_failures=0, failing_since=None, last_success_at=now)
        return
    rows.update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce(F("failing_since"), now),
        last_failure_at=now,
    )
    failing = rows.filter(
        enabled=True,
        failing_since__lte=now - DISABLE_AFTER,
        consecutive_failures__gte=DISABLE_MIN_FAILURES,
    )
    if failing.update(enabled=False, disabled_at=now, disabled_reason=services.DISABLED_FAILING):
        log.warning("webhook endpoint %s disabled after failing since a day", endpoint.public_id)
        transaction.on_commit(services.endpoints_changed)
        enqueue_on_commit(MAIL_JOB, endpoint.pk)


def health(endpoint: WebhookEndpoint) -> str:
    """``disabled``, ``failing`` (the last attempt failed) or ``healthy`` (for the page)."""
    if not endpoint.enabled:
        return "disabled"
    return "failing" if endpoint.failing_since else "healthy"


# --- the sweep ------------------------------------------------------------------------------


def sweep() -> list[int]:
    """Queue every delivery that is due and not held: its job was lost, scheduled past a
    restart, or its worker died mid-request. Safe anywhere and often: ``attempt`` claims."""
    now = clock.now()
    due = WebhookDelivery.objects.filter(
        Q(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        | Q(state=DeliveryState.SENDING, lease_until__lt=now),
        endpoint__enabled=True,
    ).order_by("next_attempt_at", "pk")
    picked = list(due.values_list("pk", flat=True)[:SWEEP_BATCH])
    for pk in picked:
        enqueue(DELIVER_JOB, pk)
    return picked


def prune() -> int:
    """Forget events older than ``RETENTION`` that nothing waits to send (their deliveries
    and attempts go with them); how many."""
    waiting = [DeliveryState.PENDING, DeliveryState.SENDING]
    old = WebhookEvent.objects.filter(created_at__lt=clock.now() - RETENTION).exclude(
        deliveries__state__in=waiting
    )
    deleted, _counts = WebhookEvent.objects.filter(
        pk__in=list(old.values_list("pk", flat=True)[:5000])
    ).delete()
    return deleted


def get_delivery(actor: Actor, endpoint_id: str, delivery_pk: int) -> WebhookDelivery:
    """A delivery of the actor's account's endpoint, or ``NotFound``."""
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can manage webhooks."))
    found = (
        WebhookDelivery.objects.select_related("endpoint__account", "event")
        .filter(
            pk=delivery_pk,
            endpoint__public_id=endpoint_id,
            endpoint__account_id=actor.account.pk,
        )
        .first()
    )
    if found is None:
        raise NotFound(_("Not found."))
    return found


def _disabled_text() -> str:
    return _("The endpoint is disabled: enable it first.")


def _sending_text() -> str:
    return _("This delivery is being sent right now.")
