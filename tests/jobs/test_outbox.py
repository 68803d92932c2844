"""The durable outbox: events written with the write, consumed by jobs enqueued by name, and
picked up again when a crash lost their job."""

from __future__ import annotations

import threading

import pytest
from django.test import TestCase

from messagecenter.contacts.services import create_contact
from messagecenter.conversations import services
from messagecenter.core.actors import Actor
from messagecenter.jobs import names, outbox
from messagecenter.jobs.models import OutboxEvent
from messagecenter.notifications.models import Kind, Notification
from messagecenter.notifications.services import notify_from_event
from tests.conftest import capture_events
from tests.helpers import start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _notifications_alone(monkeypatch):
    """These tests follow the notifications job alone: the other consumers (analytics,
    translation, webhooks), subscribed to the same entries, would add their own rows."""
    kept = {
        topic: [s for s in subscriptions if s.job == "notifications.notify"]
        for topic, subscriptions in outbox._subscriptions.items()
    }
    monkeypatch.setattr(outbox, "_subscriptions", kept)


@pytest.fixture
def mine(widget, contact, alice):
    conversation = start(widget, contact)
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    OutboxEvent.objects.all().delete()  # the set-up's own events (never consumed here)
    return conversation


def contact_writes(conversation, body="Hallo?"):
    return services.post_contact_message(
        conversation, body, actor=Actor.for_contact(conversation.contact)
    )


def notified(operator) -> list[str]:
    return list(Notification.objects.filter(operator=operator).values_list("kind", flat=True))


def test_a_write_leaves_its_event_and_the_job_processes_it(mine, alice):
    with capture_events():
        entry = contact_writes(mine)

    event = OutboxEvent.objects.get(topic="timeline.entry", payload__seq=entry.seq)
    assert event.job == "notifications.notify"
    assert event.payload == {
        "type": "timeline.entry",
        "conversation": mine.public_id,
        "seq": entry.seq,
        "kind": "message",
        "actor_kind": "contact",
    }
    assert event.processed_at is not None and event.attempts == 1
    assert notified(alice) == [Kind.NEW_MESSAGE]


def test_entries_no_consumer_wants_leave_no_event(mine, alice):
    with capture_events():
        services.post_operator_message(mine, "Gern", actor=Actor.for_operator(alice))

    assert not OutboxEvent.objects.exists()


def test_an_event_whose_job_was_lost_is_picked_up_after_a_lease(clock, settings, mine, alice):
    """GIVEN a write whose job never ran (the worker died before it took it) WHEN the sweep
    runs a lease later THEN the notification is made, once."""
    with TestCase.captureOnCommitCallbacks(execute=False):
        contact_writes(mine)
    assert notified(alice) == []

    with capture_events():
        assert outbox.sweep() == []  # younger than a lease: its job may still be queued
    clock.shift(settings.JOB_LEASE_SECONDS + 1)
    with capture_events():
        picked = outbox.sweep()
        outbox.sweep()

    assert len(picked) == 1
    assert notified(alice) == [Kind.NEW_MESSAGE]
    assert OutboxEvent.objects.get(pk=picked[0]).processed_at is not None


def test_an_event_claimed_by_a_dead_worker_waits_for_its_lease(clock, settings, mine, alice):
    with TestCase.captureOnCommitCallbacks(execute=False):
        contact_writes(mine)
    event = OutboxEvent.objects.get()

    def dies(payload):
        raise SystemExit  # the worker is killed while it holds the claim

    with pytest.raises(SystemExit):
        outbox.consume(event.pk, dies)
    clock.shift(settings.JOB_LEASE_SECONDS - 1)
    with capture_events():
        assert outbox.sweep() == []  # the claim still holds
    assert notified(alice) == []

    clock.shift(2)
    with capture_events():
        outbox.sweep()

    assert notified(alice) == [Kind.NEW_MESSAGE]


def test_a_failing_consumer_is_retried_and_never_notifies_twice(clock, settings, mine, alice):
    calls = []

    def flaky(payload):
        calls.append(payload["seq"])
        if len(calls) == 1:
            raise ConnectionError("database went away")
        from messagecenter.notifications.services import notify_from_event

        notify_from_event(payload)

    with TestCase.captureOnCommitCallbacks(execute=False):
        contact_writes(mine)
    event = OutboxEvent.objects.get()

    assert outbox.consume(event.pk, flaky) is False
    event.refresh_from_db()
    assert (event.processed_at, event.last_error) == (None, "ConnectionError")
    clock.shift(settings.JOB_LEASE_SECONDS + 1)
    assert outbox.consume(event.pk, flaky) is True
    assert outbox.consume(event.pk, flaky) is False  # processed: never again
    assert len(calls) == 2 and notified(alice) == [Kind.NEW_MESSAGE]


def test_a_handler_that_fails_halfway_leaves_nothing_of_its_work(mine, alice):
    """The handler's writes and the processed mark commit together, or neither does."""

    def half(payload):
        notify_from_event(payload)  # written…
        raise ConnectionError("…then the connection broke")

    with TestCase.captureOnCommitCallbacks(execute=False):
        contact_writes(mine)
    event = OutboxEvent.objects.get()
    with capture_events() as sent:
        assert outbox.consume(event.pk, half) is False
    assert notified(alice) == []
    assert [e for e, _ in sent if e["type"] == "notification.created"] == []
    event.refresh_from_db()
    assert event.processed_at is None and event.last_error == "ConnectionError"
    assert outbox.consume(event.pk, notify_from_event) is True  # the retry does it whole
    assert notified(alice) == [Kind.NEW_MESSAGE]


def test_jobs_are_enqueued_by_name_and_a_wrong_name_fails_in_the_writer():
    from messagecenter.notifications.tasks import notify

    assert names.resolve("notifications.notify") is notify
    with pytest.raises(LookupError):
        names.enqueue_on_commit("notifications.no_such_job", 1)


# --- waking: one drain per burst --------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """The drains writers enqueue, recorded instead of run (as if the workers were busy)."""
    jobs: list[tuple] = []
    monkeypatch.setattr(outbox, "enqueue", lambda job, *args: jobs.append((job, *args)))
    return jobs


def test_a_burst_of_writes_queues_one_drain_that_handles_them_all(mine, alice, queued):
    """GIVEN three contact messages committed while no drain has started WHEN the drain runs
    THEN it was queued once and handles all three events (one unread notification for the
    chat, see notifications.services); the next write queues again."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        contact_writes(mine, "eins")
    for body in ("zwei", "drei"):
        with TestCase.captureOnCommitCallbacks(execute=True):
            contact_writes(mine, body)
    assert queued == [("notifications.notify",)]

    with capture_events():
        assert outbox.drain("notifications.notify", notify_from_event) == 3
    assert notified(alice) == [Kind.NEW_MESSAGE]
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()

    with TestCase.captureOnCommitCallbacks(execute=True):
        contact_writes(mine, "vier")  # after the drain lowered the flag: a new drain
    assert queued == [("notifications.notify",)] * 2


def test_a_drain_leaves_failed_events_to_the_sweep(clock, settings, mine, alice, queued):
    with TestCase.captureOnCommitCallbacks(execute=True):
        contact_writes(mine)

    def fails(payload):
        raise ConnectionError("database went away")

    assert outbox.drain("notifications.notify", fails) == 0
    assert outbox.drain("notifications.notify", notify_from_event) == 0  # not a hot retry loop
    assert notified(alice) == []
    clock.shift(settings.JOB_LEASE_SECONDS + 1)
    with capture_events():
        [picked] = outbox.sweep()
    assert queued[-1] == ("notifications.notify", picked)  # the sweep names the event


def test_a_drain_consumes_events_together_and_one_failure_costs_only_its_own(
    widget, account, alice, queued
):
    """GIVEN contact messages in three chats, the middle one's handler failing after it wrote
    WHEN one drain handles them (in one transaction, see ``_consume_together``) THEN the two
    others are notified and marked, the failed one left nothing and waits for the sweep."""
    chats = []
    for name in ("Anna", "Bert", "Cem"):
        chat = start(widget, create_contact(account, name=name))
        services.assign_operator(chat, alice, actor=Actor.for_operator(alice))
        chats.append(chat)
    OutboxEvent.objects.all().delete()
    for chat in chats:
        with TestCase.captureOnCommitCallbacks(execute=True):
            contact_writes(chat)

    def middle_fails(payload):
        notify_from_event(payload)
        if payload["conversation"] == chats[1].public_id:
            raise ConnectionError("…then the connection broke")

    with capture_events():
        assert outbox.drain("notifications.notify", middle_fails) == 2
    notified_chats = Notification.objects.filter(operator=alice).values_list(
        "conversation__public_id", flat=True
    )
    assert sorted(notified_chats) == sorted([chats[0].public_id, chats[2].public_id])
    failed = OutboxEvent.objects.get(payload__conversation=chats[1].public_id)
    assert (failed.processed_at, failed.attempts, failed.last_error) == (None, 1, "ConnectionError")
    assert OutboxEvent.objects.filter(processed_at__isnull=False).count() == 2


def test_a_drain_gives_the_write_lock_back_between_short_transactions(mine, alice, monkeypatch):
    """A drain of many events commits every few milliseconds, not once at the end, so message
    writes waiting for SQLite's write lock wait one short transaction at most."""
    monkeypatch.setattr(outbox, "TOGETHER_SECONDS", 0)  # every handler over the budget
    for body in ("eins", "zwei", "drei"):
        with TestCase.captureOnCommitCallbacks(execute=False):
            contact_writes(mine, body)
    commits = []
    real = outbox._consume_together
    monkeypatch.setattr(
        outbox, "_consume_together", lambda pks, h: commits.append(pks) or real(pks, h)
    )
    with capture_events():
        assert outbox.drain("notifications.notify", notify_from_event) == 3
    assert [len(pks) for pks in commits] == [3, 2, 1]  # one event per transaction


def test_without_a_shared_wake_flag_every_event_is_queued(mine, settings, queued, monkeypatch):
    """A ``worker`` beside an embedded server shares no memory with it: no coalescing."""
    settings.HUEY = {**settings.HUEY, "immediate": False}
    settings.REDIS_URL = ""
    monkeypatch.setattr(outbox, "_drains_here", False)
    for body in ("eins", "zwei"):
        with TestCase.captureOnCommitCallbacks(execute=True):
            contact_writes(mine, body)
    assert queued == [("notifications.notify",)] * 2


def test_a_drain_woken_while_another_runs_leaves_the_rows_to_it(mine, alice, queued):
    """GIVEN a drain at work WHEN a write commits and a second worker starts its drain THEN the
    second returns at once (no competing claims) and the running drain handles the new row
    before it stops: nothing waits for the sweep."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        contact_writes(mine, "eins")
    second_drain: list[int] = []

    def handler(payload):
        notify_from_event(payload)
        if not second_drain:
            with TestCase.captureOnCommitCallbacks(execute=True):
                contact_writes(mine, "zwei")  # committed after the running drain's read
            second_drain.append(outbox.drain("notifications.notify", notify_from_event))

    with capture_events():
        assert outbox.drain("notifications.notify", handler) == 2
    assert second_drain == [0]
    assert notified(alice) == [Kind.NEW_MESSAGE]
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()


# --- the embedded server's drainer thread ------------------------------------------------------


class RecordingJob:
    """Stands in for a job's task: records each local call and lets the test wait for it."""

    def __init__(self, fails: bool = False):
        self.calls = 0
        self.fails = fails
        self.called = threading.Event()

    def call_local(self):
        self.calls += 1
        self.called.set()
        if self.fails:
            raise ConnectionError("database went away")


@pytest.fixture
def drainer(monkeypatch):
    """A drainer thread of its own, with a long gathering window so a test's wakes in a row
    land in one drain whatever the machine's load."""
    jobs = {"notifications.notify": RecordingJob()}
    monkeypatch.setattr(outbox, "resolve", lambda name: jobs[name])
    thread = outbox._Drainer()
    thread.GATHER_SECONDS = 0.3
    monkeypatch.setattr(outbox, "_drainer", thread)
    thread.start()
    yield thread, jobs
    thread.stop()


def test_with_the_drainer_running_a_wake_queues_no_job_and_one_drain_serves_a_burst(
    drainer, queued
):
    thread, jobs = drainer
    for _ in range(5):
        outbox.wake("notifications.notify")
    assert jobs["notifications.notify"].called.wait(5)
    thread.stop()
    assert queued == []  # no Huey enqueue at all
    assert jobs["notifications.notify"].calls == 1


def test_a_failing_drain_does_not_stop_the_drainer(drainer, queued):
    thread, jobs = drainer
    jobs["notifications.notify"] = RecordingJob(fails=True)
    outbox.wake("notifications.notify")
    assert jobs["notifications.notify"].called.wait(5)
    jobs["notifications.notify"].called.clear()
    outbox.wake("notifications.notify")
    assert jobs["notifications.notify"].called.wait(5)
    assert thread.running and queued == []


def test_stopping_the_drainer_drains_what_was_woken_then_wakes_queue_jobs_again(drainer, queued):
    thread, jobs = drainer
    thread.GATHER_SECONDS = 30  # the wake below is still gathering when the server stops
    outbox.wake("notifications.notify")
    thread.stop()
    assert jobs["notifications.notify"].calls == 1
    outbox.wake("notifications.notify")  # no drainer any more: the queued job does it
    assert queued == [("notifications.notify",)]
