"""Retries, the three-day schedule, a flaky receiver, crashes, replay and automatic
disabling, driven by the controllable clock (never a sleep)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Role
from messagecenter.core import clock as now
from messagecenter.core.actors import Actor
from messagecenter.core.errors import InvalidTransition
from messagecenter.webhooks import delivery, services
from messagecenter.webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery
from tests.helpers import start
from tests.webhooks.conftest import after_commit, make_endpoint, run_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def started_only(account, alice, receiver):
    return make_endpoint(account, alice, receiver, types=["conversation.started"])


def the_delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.get()


def test_the_schedule_spans_about_three_days():
    total = sum(delivery.SCHEDULE, timedelta())
    assert delivery.MAX_ATTEMPTS == 10
    assert timedelta(days=3) <= total <= timedelta(days=3, hours=6)
    assert list(delivery.SCHEDULE) == sorted(delivery.SCHEDULE)


def test_a_failing_receiver_is_retried_on_schedule_until_it_gives_up(
    clock, started_only, receiver, widget, contact, monkeypatch
):
    monkeypatch.setattr(delivery, "DISABLE_AFTER", timedelta(days=30))  # the schedule alone
    receiver.script = [500] * 20
    with after_commit():
        start(widget, contact)
    row = the_delivery()
    assert (row.state, row.attempts, row.last_status) == (DeliveryState.PENDING, 1, 500)

    for number, wait in enumerate(delivery.SCHEDULE, start=2):
        row = the_delivery()
        assert row.next_attempt_at == now.now() + wait
        clock.shift(wait - timedelta(seconds=1))
        assert run_due() == 0  # not due a second early
        clock.shift(timedelta(seconds=1))
        assert run_due() == 1
        assert the_delivery().attempts == number

    row = the_delivery()
    assert row.state == DeliveryState.FAILED and row.attempts == delivery.MAX_ATTEMPTS
    clock.shift(timedelta(days=30))
    assert run_due() == 0
    ids = {headers["webhook-id"] for headers, _body, _status in receiver.requests}
    assert len(ids) == 1  # the same webhook-id on every attempt
    assert list(WebhookAttempt.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "retry"
    ] * 9 + ["failed"]


def test_a_receiver_that_recovers_gets_it_on_the_next_attempt(
    clock, started_only, receiver, widget, contact
):
    receiver.script = [503, 502]
    with after_commit():
        start(widget, contact)
    clock.shift(delivery.SCHEDULE[0])
    run_due()
    clock.shift(delivery.SCHEDULE[1])
    run_due()
    row = the_delivery()
    assert (row.state, row.attempts) == (DeliveryState.SUCCEEDED, 3)
    assert receiver.accepted_types() == ["conversation.started"]


def test_retry_after_is_honoured_up_to_a_day(clock, started_only, receiver, widget, account):
    from messagecenter.contacts.services import create_contact

    receiver.script = [(429, {"Retry-After": "600"}), (503, {"Retry-After": "999999"})]
    with after_commit():
        start(widget, create_contact(account, name="Eins"))
        start(widget, create_contact(account, name="Zwei"))
    first, second = WebhookDelivery.objects.order_by("pk")
    assert first.next_attempt_at == now.now() + timedelta(seconds=600)  # not the 5 s
    assert second.next_attempt_at == now.now() + delivery.MAX_RETRY_AFTER


def test_a_flaky_receiver_gets_every_event_exactly_once_per_id(
    clock, endpoint, receiver, widget, account, alice
):
    """GIVEN a receiver that fails half of all requests at random, WHEN forty conversations
    start and the schedule runs its course, THEN each event arrived, and a receiver that
    dedupes by webhook-id holds each exactly once."""
    from messagecenter.contacts.services import create_contact

    receiver.fail_rate = 0.5
    with after_commit():
        for number in range(40):
            start(widget, create_contact(account, name=f"Kunde {number}"))
    for wait in delivery.SCHEDULE:
        clock.shift(wait)
        run_due()

    rows = WebhookDelivery.objects.select_related("event")
    assert rows.count() == 120  # contact.created, conversation.started, message.created
    assert set(rows.values_list("state", flat=True)) == {DeliveryState.SUCCEEDED}
    assert sorted(receiver.by_id) == sorted(r.event.public_id for r in rows)
    assert sum(1 for _h, _b, status in receiver.requests if status == 503) > 30
    assert receiver.forged == 0


def test_a_worker_that_died_mid_request_is_replaced_with_the_same_id(
    clock, started_only, receiver, widget, contact
):
    """GIVEN a delivery claimed by a worker that died before it recorded the answer, WHEN its
    lease runs out, THEN the sweep sends it again with the same webhook-id and the log says
    the first attempt was interrupted."""
    with after_commit():
        start(widget, contact)
    row = the_delivery()
    # Simulate the crash: the row claimed (sending), an attempt opened, no answer recorded.
    WebhookDelivery.objects.filter(pk=row.pk).update(
        state=DeliveryState.SENDING, lease_until=now.now() + delivery.LEASE
    )
    WebhookAttempt.objects.create(delivery=row, number=2, started_at=now.now())
    assert run_due() == 0  # still held
    clock.shift(delivery.LEASE + timedelta(seconds=1))
    assert run_due() == 1
    row = the_delivery()
    assert row.state == DeliveryState.SUCCEEDED
    ids = [headers["webhook-id"] for headers, _body, _status in receiver.requests]
    assert len(ids) == 2 and len(set(ids)) == 1
    outcomes = list(WebhookAttempt.objects.order_by("number").values_list("outcome", flat=True))
    assert outcomes == ["succeeded", "interrupted", "succeeded"]


def test_lost_jobs_are_found_by_the_sweep(clock, started_only, receiver, widget, contact):
    """GIVEN a write whose after-commit work was lost (no drain queued), and a drain whose
    queued sends were lost too, THEN the rows are there and the sweep sends them."""
    from messagecenter.jobs import outbox

    start(widget, contact)  # no after-commit work runs here: the wake is lost
    outbox.drain("webhooks.fanout", delivery.fan_out)  # and the sends it queues are lost
    assert receiver.requests == []
    assert the_delivery().state == DeliveryState.PENDING and the_delivery().attempts == 0
    assert run_due() == 1
    assert receiver.accepted_types() == ["conversation.started"]


def test_a_blocked_address_fails_at_once(
    clock, account, alice, receiver, widget, contact, settings
):
    endpoint = make_endpoint(account, alice, receiver, types=["conversation.started"])
    settings.OUTBOUND_ALLOWED_HOSTS = []  # the receiver's loopback address is refused now
    with after_commit():
        start(widget, contact)
    row = the_delivery()
    assert row.state == DeliveryState.FAILED and row.attempts == 1
    assert "loopback" in row.last_error.lower() and receiver.requests == []
    assert endpoint.pk


# --- replay ---------------------------------------------------------------------------------


def test_replay_sends_it_again_with_the_same_id(started_only, receiver, widget, contact, alice):
    with after_commit():
        start(widget, contact)
    row = the_delivery()
    with after_commit():
        assert delivery.replay(row, actor=Actor.for_operator(alice)) == DeliveryState.SUCCEEDED
    ids = [headers["webhook-id"] for headers, _body, _status in receiver.requests]
    assert len(ids) == 2 and len(set(ids)) == 1
    assert receiver.duplicates == 1  # the receiver dropped it by its id
    attempts = list(WebhookAttempt.objects.order_by("number"))
    assert [(a.number, a.manual) for a in attempts] == [(1, False), (2, True)]


def test_a_failed_replay_is_final_and_logged(started_only, receiver, widget, contact, alice):
    receiver.script = [200, 500]
    with after_commit():
        start(widget, contact)
    with after_commit():
        state = delivery.replay(the_delivery(), actor=Actor.for_operator(alice))
    assert state == DeliveryState.FAILED
    assert the_delivery().state == DeliveryState.FAILED


def test_replay_needs_an_enabled_endpoint_and_an_admin(
    started_only, receiver, widget, contact, alice, bob
):
    with after_commit():
        start(widget, contact)
    from messagecenter.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        delivery.replay(the_delivery(), actor=Actor.for_operator(bob))
    services.set_enabled(started_only, False, actor=Actor.for_operator(alice))
    with pytest.raises(InvalidTransition):
        delivery.replay(the_delivery(), actor=Actor.for_operator(alice))


# --- health and automatic disabling ------------------------------------------------------------


def test_a_day_of_failures_disables_the_endpoint_and_mails_the_admins(
    clock, started_only, receiver, widget, contact, account, alice
):
    second_admin = accounts.create_operator(
        account, name="Dora Admin", email="dora@acme.test", role=Role.ADMIN, language="de"
    )
    receiver.script = [500] * 50
    with after_commit():
        start(widget, contact)
    elapsed = timedelta()
    for wait in delivery.SCHEDULE:
        clock.shift(wait)
        elapsed += wait
        run_due()
        started_only.refresh_from_db()
        if not started_only.enabled:
            break
        assert mail.outbox == []
    assert not started_only.enabled and started_only.disabled_reason == "failing"
    assert elapsed >= delivery.DISABLE_AFTER
    assert delivery.health(started_only) == "disabled"
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@acme.test", second_admin.email]
    german = next(m for m in mail.outbox if m.to == [second_admin.email])
    assert "deaktiviert" in german.subject and receiver.url in german.body
    assert f"/settings/webhooks/{started_only.public_id}/" in german.body

    # Nothing more is sent while it is off, and no attempt is spent…
    requests, attempts = len(receiver.requests), the_delivery().attempts
    clock.shift(timedelta(days=1))
    assert run_due() == 0
    assert len(receiver.requests) == requests and the_delivery().attempts == attempts
    # …enabled again (the receiver works now), what is due goes out.
    receiver.script = []
    services.set_enabled(started_only, True, actor=Actor.for_operator(alice))
    run_due()
    assert the_delivery().state == DeliveryState.SUCCEEDED


def test_a_success_resets_the_failure_record(clock, started_only, receiver, widget, contact):
    receiver.script = [500, 500]
    with after_commit():
        start(widget, contact)
    started_only.refresh_from_db()
    assert started_only.consecutive_failures == 1 and delivery.health(started_only) == "failing"
    for wait in delivery.SCHEDULE[:2]:
        clock.shift(wait)
        run_due()
    started_only.refresh_from_db()
    assert started_only.consecutive_failures == 0 and started_only.failing_since is None
    assert delivery.health(started_only) == "healthy"


def test_short_failures_of_a_busy_endpoint_do_not_disable_it(
    clock, started_only, receiver, widget, account
):
    from messagecenter.contacts.services import create_contact

    receiver.script = [500] * 30
    with after_commit():
        for number in range(30):
            start(widget, create_contact(account, name=f"K{number}"))
    started_only.refresh_from_db()
    assert started_only.consecutive_failures == 30 and started_only.enabled


def test_enabling_again_gives_a_fresh_day(started_only, alice, clock):
    me = Actor.for_operator(alice)
    services.set_enabled(started_only, False, actor=me)
    started_only.consecutive_failures, started_only.failing_since = 9, now.now()
    started_only.save()
    services.set_enabled(started_only, True, actor=me)
    started_only.refresh_from_db()
    assert started_only.enabled and started_only.consecutive_failures == 0
    assert started_only.failing_since is None and started_only.disabled_reason == ""


def test_old_events_are_forgotten_unless_still_waiting(
    clock, started_only, receiver, widget, account
):
    from messagecenter.contacts.services import create_contact
    from messagecenter.webhooks.models import WebhookEvent

    with after_commit():
        start(widget, create_contact(account, name="Alt"))  # delivered
    receiver.script = [500] * 50
    with after_commit():
        start(widget, create_contact(account, name="Wartet"))  # still retrying
    clock.shift(delivery.RETENTION + timedelta(days=1))
    assert delivery.prune() > 0
    remaining = WebhookDelivery.objects.select_related("event").get()
    assert remaining.state == DeliveryState.PENDING
    assert WebhookEvent.objects.count() == 1 and WebhookAttempt.objects.count() == 1
