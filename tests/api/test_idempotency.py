"""``Idempotency-Key``: a replayed POST returns the stored result and does the work once."""

from __future__ import annotations

import pytest

from messagecenter.accounts.models import IdempotencyRecord
from messagecenter.api import idempotency
from messagecenter.api.api import api
from messagecenter.conversations.models import Message, Status
from tests.api.conftest import assert_problem
from tests.conftest import capture_events
from tests.helpers import conversation_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(widget, contact, alice):
    return conversation_in(Status.WAITING, widget, contact, alice)


def messages_of(conversation) -> int:
    return Message.objects.filter(conversation=conversation).count()


def test_replay_returns_the_stored_result_and_creates_one_message(alice_api, waiting):
    path = f"/conversations/{waiting.public_id}/messages"
    before = messages_of(waiting)

    first = alice_api.post(path, {"body": "Einmal"}, key="send-1")
    second = alice_api.post(path, {"body": "Einmal"}, key="send-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert messages_of(waiting) == before + 1


def test_replay_sends_no_second_event(alice_api, waiting):
    path = f"/conversations/{waiting.public_id}/messages"
    alice_api.post(path, {"body": "Einmal"}, key="send-1")

    with capture_events() as sent:
        alice_api.post(path, {"body": "Einmal"}, key="send-1")

    assert sent == []


def test_key_order_and_spacing_of_the_body_do_not_matter(alice_api, waiting):
    path = f"/api/v1/conversations/{waiting.public_id}/messages"
    client, headers = alice_api.client, {**alice_api.headers, "HTTP_IDEMPOTENCY_KEY": "k"}
    client.post(
        path, '{"body": "A", "author": "operator"}', content_type="application/json", **headers
    )

    again = client.post(
        path, '{ "author":"operator","body":"A" }', content_type="application/json", **headers
    )

    assert again["Idempotent-Replayed"] == "true"


def test_same_key_with_a_different_body_is_422(alice_api, waiting):
    path = f"/conversations/{waiting.public_id}/messages"
    alice_api.post(path, {"body": "Eins"}, key="send-1")

    response = alice_api.post(path, {"body": "Zwei"}, key="send-1")

    assert_problem(response, 422, "idempotency_key_reused")
    assert not Message.objects.filter(body="Zwei").exists()


def test_same_key_on_another_endpoint_is_422(alice_api, waiting):
    alice_api.post(f"/conversations/{waiting.public_id}/notes", {"body": "Eins"}, key="k")

    response = alice_api.post(
        f"/conversations/{waiting.public_id}/messages", {"body": "Eins"}, key="k"
    )

    assert_problem(response, 422, "idempotency_key_reused")


def test_keys_belong_to_their_caller(alice_api, bob_api, waiting):
    path = f"/conversations/{waiting.public_id}/notes"

    first = alice_api.post(path, {"body": "Notiz"}, key="same")
    second = bob_api.post(path, {"body": "Notiz"}, key="same")

    assert first.json()["seq"] != second.json()["seq"]
    assert not second.has_header("Idempotent-Replayed")


def test_failed_request_is_not_stored_so_a_fixed_retry_runs(alice_api, bob_api, waiting, bob):
    """GIVEN bob is refused (not assigned) WHEN Alice hands him the conversation and he
    retries with the same key THEN the retry runs instead of replaying the refusal."""
    path = f"/conversations/{waiting.public_id}/messages"
    assert_problem(bob_api.post(path, {"body": "Hallo"}, key="k"), 403, "not_assigned")
    alice_api.post(f"/conversations/{waiting.public_id}/assign", {"operator": bob.public_id})

    retry = bob_api.post(path, {"body": "Hallo"}, key="k")

    assert retry.status_code == 201
    assert not retry.has_header("Idempotent-Replayed")


def test_expired_record_is_ignored_and_replaced(alice_api, waiting, clock, settings):
    path = f"/conversations/{waiting.public_id}/messages"
    before = messages_of(waiting)
    alice_api.post(path, {"body": "Alt"}, key="k")
    clock.shift(settings.IDEMPOTENCY_TTL_HOURS * 3600 + 1)

    again = alice_api.post(path, {"body": "Alt"}, key="k")

    assert not again.has_header("Idempotent-Replayed")
    assert messages_of(waiting) == before + 2
    assert IdempotencyRecord.objects.filter(key="k").count() == 1


def test_purge_expired_deletes_only_old_records(alice_api, waiting, clock, settings):
    path = f"/conversations/{waiting.public_id}/notes"
    alice_api.post(path, {"body": "alt"}, key="old")
    clock.shift(settings.IDEMPOTENCY_TTL_HOURS * 3600 + 1)
    alice_api.post(path, {"body": "neu"}, key="new")

    assert idempotency.purge_expired() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_concurrent_duplicate_loses_to_the_unique_constraint_and_replays(
    alice_api, waiting, monkeypatch
):
    """GIVEN a request with key k that found no record, WHEN a concurrent request with k has
    committed meanwhile THEN its insert fails, its message rolls back, and it answers with the
    winner's stored result."""
    path = f"/conversations/{waiting.public_id}/messages"
    winner = alice_api.post(path, {"body": "Einmal"}, key="k")
    before = messages_of(waiting)
    real_lookup = idempotency._lookup
    misses = iter([None])
    monkeypatch.setattr(idempotency, "_lookup", lambda scope: next(misses, real_lookup(scope)))

    loser = alice_api.post(path, {"body": "Einmal"}, key="k")

    assert loser.status_code == 201
    assert loser.json() == winner.json()
    assert loser["Idempotent-Replayed"] == "true"
    assert messages_of(waiting) == before


@pytest.mark.parametrize("key", ["", "x" * 201, "schlüssel"])
def test_invalid_keys_are_refused(alice_api, waiting, key):
    response = alice_api.post(f"/conversations/{waiting.public_id}/notes", {"body": "x"}, key=key)

    assert_problem(response, 422, "invalid_idempotency_key")


def test_every_post_endpoint_is_idempotent():
    posts = [
        operation.view_func
        for _prefix, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
        if "POST" in operation.methods
    ]
    assert posts
    # A channel's inbound endpoint is idempotent on the message's own id instead (its replay
    # is tested in tests/transports/custom/test_inbound.py).
    assert all(
        getattr(view, "idempotent", False) or getattr(view, "idempotent_by_message_id", False)
        for view in posts
    )
