"""Writing over the API goes through the domain services, so their rules and messages reach
API clients unchanged: only the assigned operator replies, integrations post as bots and never
as operators, notes are for operators."""

from __future__ import annotations

import pytest

from messagecenter.accounts.models import AuditEntry
from messagecenter.conversations.models import AuthorKind, Message, Note, Status
from tests.api.conftest import assert_problem
from tests.helpers import conversation_in, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(widget, contact, alice):
    """Acme's conversation, assigned to alice, WAITING."""
    return conversation_in(Status.WAITING, widget, contact, alice)


def path(conversation, rest: str = "") -> str:
    return f"/conversations/{conversation.public_id}{rest}"


# --- messages -------------------------------------------------------------------------------


def test_assigned_operator_replies_with_personal_token(alice_api, waiting, alice):
    response = alice_api.post(path(waiting, "/messages"), {"body": "Ist erledigt"})

    assert response.status_code == 201
    entry = response.json()
    assert entry["kind"] == "message"
    assert entry["actor"] == {"kind": "operator", "id": alice.public_id, "name": alice.name}
    assert entry["message"]["author_kind"] == "operator"
    assert entry["message"]["body"] == "Ist erledigt"
    message = Message.objects.get(conversation=waiting, entry__seq=entry["seq"])
    assert message.author_operator == alice


def test_unassigned_operator_gets_the_services_refusal(bob_api, waiting):
    response = bob_api.post(path(waiting, "/messages"), {"body": "Ich auch"})

    body = assert_problem(response, 403, "not_assigned")
    assert "Only the assigned operator can reply" in body["detail"]
    assert not Message.objects.filter(conversation=waiting, body="Ich auch").exists()


def test_integration_token_posts_a_bot_message_without_changing_status(bot_api, waiting):
    response = bot_api.post(path(waiting, "/messages"), {"body": "Your parcel ships today."})

    assert response.status_code == 201
    entry = response.json()
    assert entry["message"]["author_kind"] == "bot"
    assert entry["actor"]["kind"] == "bot"
    assert entry["actor"]["name"] == "Shop bot"
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITING
    assert waiting.had_bot


def test_integration_cannot_write_as_an_operator(bot_api, waiting):
    response = bot_api.post(path(waiting, "/messages"), {"body": "Hi", "author": "operator"})

    assert_problem(response, 403, "cannot_impersonate_operator")
    assert not Message.objects.filter(
        conversation=waiting, author_kind=AuthorKind.OPERATOR, body="Hi"
    ).exists()


def test_operator_cannot_post_a_bot_message(alice_api, waiting):
    response = alice_api.post(path(waiting, "/messages"), {"body": "Beep", "author": "bot"})

    assert_problem(response, 403, "permission_denied")


def test_empty_message_is_refused_by_the_service(alice_api, waiting):
    body = assert_problem(
        alice_api.post(path(waiting, "/messages"), {"body": "   "}), 422, "validation_failed"
    )
    assert body["field"] == "body"


def test_missing_body_field_lists_the_field_error(alice_api, waiting):
    response = alice_api.post(path(waiting, "/messages"), {"body": 5})
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["loc"] == ["body", "payload", "body"]


def test_delete_message(alice_api, waiting):
    seq = alice_api.post(path(waiting, "/messages"), {"body": "Falsch"}).json()["seq"]

    response = alice_api.delete(path(waiting, f"/messages/{seq}"))

    assert response.status_code == 200
    assert response.json()["kind"] == "message_deleted"
    assert response.json()["data"] == {"message_seq": seq}
    assert Message.objects.get(conversation=waiting, entry__seq=seq).deleted_at is not None


def test_deleting_a_contact_message_is_a_conflict(alice_api, waiting):
    assert_problem(alice_api.delete(path(waiting, "/messages/1")), 409, "invalid_transition")


# --- notes ----------------------------------------------------------------------------------


def test_any_operator_adds_a_note_also_when_not_assigned(bob_api, waiting, bob):
    response = bob_api.post(path(waiting, "/notes"), {"body": "Kunde ist VIP"})

    assert response.status_code == 201
    entry = response.json()
    assert entry["kind"] == "note"
    assert entry["note"]["body"] == "Kunde ist VIP"
    assert Note.objects.get(conversation=waiting).author == bob


def test_integration_cannot_write_notes(bot_api, waiting):
    body = assert_problem(
        bot_api.post(path(waiting, "/notes"), {"body": "x"}), 403, "permission_denied"
    )
    assert "operators" in body["detail"]


def test_edit_and_delete_own_note(bob_api, waiting):
    seq = bob_api.post(path(waiting, "/notes"), {"body": "Erster Entwurf"}).json()["seq"]

    edited = bob_api.patch(path(waiting, f"/notes/{seq}"), {"body": "Zweiter Entwurf"})
    deleted = bob_api.delete(path(waiting, f"/notes/{seq}"))

    assert (edited.status_code, edited.json()["kind"]) == (200, "note_edited")
    assert (deleted.status_code, deleted.json()["kind"]) == (200, "note_deleted")
    note = Note.objects.get(conversation=waiting)
    assert note.deleted_at is not None and note.body == ""


def test_only_the_author_or_an_admin_edits_a_note(alice_api, bob_api, bob, waiting):
    seq = alice_api.post(path(waiting, "/notes"), {"body": "Von Alice"}).json()["seq"]

    assert_problem(
        bob_api.patch(path(waiting, f"/notes/{seq}"), {"body": "Bob war hier"}),
        403,
        "permission_denied",
    )


# --- status, assignment, end ----------------------------------------------------------------


def test_set_status(alice_api, waiting, alice):
    response = alice_api.post(path(waiting, "/status"), {"status": "open"})

    assert response.status_code == 200
    assert response.json()["status"] == "open"
    waiting.refresh_from_db()
    assert waiting.status == Status.OPEN
    assert AuditEntry.objects.filter(
        action="conversation.status_changed", actor_id=alice.public_id
    ).exists()


def test_status_ended_ends_the_conversation(alice_api, waiting):
    response = alice_api.post(path(waiting, "/status"), {"status": "ended"})

    assert response.json()["status"] == "ended"
    assert response.json()["ended_at"] is not None


def test_unknown_status_is_a_validation_problem(alice_api, waiting):
    assert_problem(
        alice_api.post(path(waiting, "/status"), {"status": "new"}), 422, "validation_failed"
    )


def test_end_conversation_and_ending_twice_is_a_conflict(alice_api, waiting):
    first = alice_api.post(path(waiting, "/end"))
    second = alice_api.post(path(waiting, "/end"))

    assert (first.status_code, first.json()["status"]) == (200, "ended")
    assert_problem(second, 409, "already_ended")


def test_integration_may_end_a_conversation(bot_api, waiting, bot_token):
    response = bot_api.post(path(waiting, "/end"))

    assert response.status_code == 200
    assert AuditEntry.objects.filter(
        action="conversation.status_changed", actor_kind="token", actor_id=bot_token.token.public_id
    ).exists()


def test_assign_to_operator_group_and_unassign(alice_api, widget, contact, bob, support_group):
    conversation = start(widget, contact)

    to_bob = alice_api.post(path(conversation, "/assign"), {"operator": bob.public_id})
    unassigned = alice_api.post(path(conversation, "/assign"), {"unassign": True})
    to_group = alice_api.post(path(conversation, "/assign"), {"group": support_group.public_id})

    assert to_bob.json()["assigned_operator"] == bob.public_id
    assert unassigned.json()["assigned_operator"] is None
    assert to_group.json()["assigned_group"] == support_group.public_id


def test_integration_may_assign(bot_api, widget, contact, bob):
    conversation = start(widget, contact)

    response = bot_api.post(path(conversation, "/assign"), {"operator": bob.public_id})

    assert response.json()["assigned_operator"] == bob.public_id


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"operator": "op_x", "unassign": True},
        {"unassign": False},
        {"group": "g", "operator": "o"},
    ],
)
def test_assign_needs_exactly_one_target(alice_api, waiting, body):
    assert_problem(alice_api.post(path(waiting, "/assign"), body), 422, "validation_failed")


def test_assign_to_another_accounts_operator_is_404(alice_api, waiting, charlie):
    response = alice_api.post(path(waiting, "/assign"), {"operator": charlie.public_id})

    assert_problem(response, 404, "not_found")
    waiting.refresh_from_db()
    assert waiting.assigned_operator_id != charlie.pk


def test_commands_run_through_the_same_engine(alice_api, widget, contact, alice):
    from messagecenter.conversations.models import Conversation, Status
    from tests.helpers import conversation_in

    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    url = f"/conversations/{conversation.public_id}/commands"
    ok = alice_api.post(url, {"text": "$status waiting"})
    assert ok.status_code == 200
    assert ok.json() == {"command": "status", "message": "Status set to Waiting."}
    assert Conversation.objects.get(pk=conversation.pk).status == Status.WAITING
    refused = alice_api.post(url, {"text": "$rating"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == "The contact is not online, so they cannot rate now."
    names = {c["name"] for c in alice_api.get("/commands").json()}
    assert {"forward", "verify", "webtransfer"} <= names
