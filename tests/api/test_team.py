"""Operators, presence, groups and topics over the API: reads for every team token, changes
through the accounts and conversations services (presence: the operator themselves; groups,
topics and roles: administrators)."""

from __future__ import annotations

import pytest

from messagecenter.accounts.models import OperatorGroup, Presence, Role
from messagecenter.conversations.models import Topic
from messagecenter.conversations.services import create_topic
from tests.api.conftest import assert_problem, personal
from tests.conftest import as_actor
from tests.helpers import go_online

pytestmark = pytest.mark.django_db


def test_operators_list_shows_presence_and_availability(bob_api, alice, bob):
    go_online(alice)

    body = bob_api.get("/operators").json()

    by_id = {row["id"]: row for row in body["items"]}
    assert set(by_id) == {alice.public_id, bob.public_id}
    assert by_id[alice.public_id]["presence"] == "online"
    assert by_id[alice.public_id]["available"] is True
    assert by_id[bob.public_id]["available"] is False
    assert body["next_cursor"] is None


def test_operators_page_by_cursor(bob_api, alice, bob):
    first = bob_api.get("/operators", {"limit": 1}).json()
    second = bob_api.get("/operators", {"limit": 1, "cursor": first["next_cursor"]}).json()

    seen = [first["items"][0]["id"], second["items"][0]["id"]]
    assert sorted(seen) == sorted([alice.public_id, bob.public_id])
    assert second["next_cursor"] is None


def test_operator_sets_own_presence(bob_api, bob):
    response = bob_api.post(f"/operators/{bob.public_id}/presence", {"presence": "online"})

    assert response.status_code == 200
    assert response.json()["presence"] == "online"
    bob.refresh_from_db()
    assert bob.presence == Presence.ONLINE


def test_nobody_sets_someone_elses_presence(alice_api, bob):
    body = assert_problem(
        alice_api.post(f"/operators/{bob.public_id}/presence", {"presence": "online"}),
        403,
        "permission_denied",
    )
    assert "own presence" in body["detail"]
    bob.refresh_from_db()
    assert bob.presence == Presence.AWAY


def test_presence_replay_returns_the_first_answer(bob_api, bob):
    path = f"/operators/{bob.public_id}/presence"
    first = bob_api.post(path, {"presence": "online"}, key="p-1")
    again = bob_api.post(path, {"presence": "online"}, key="p-1")

    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"


def test_admin_changes_a_teammates_role_and_slots(alice_api, bob):
    response = alice_api.patch(f"/operators/{bob.public_id}", {"role": "admin", "max_slots": 5})

    assert response.status_code == 200
    bob.refresh_from_db()
    assert (bob.role, bob.max_slots) == (Role.ADMIN, 5)


def test_admin_cannot_remove_own_admin_role(alice_api, alice):
    body = assert_problem(
        alice_api.patch(f"/operators/{alice.public_id}", {"role": "operator"}),
        422,
        "validation_failed",
    )
    assert body["field"] == "role"


def test_operator_cannot_change_the_team(bob_api, alice):
    assert_problem(
        bob_api.patch(f"/operators/{alice.public_id}", {"max_slots": 9}), 403, "permission_denied"
    )


def test_team_scope_is_needed(bob, alice):
    no_team = personal(bob, ["conversations:read"])
    read_only = personal(bob, ["team:read"])

    assert_problem(no_team.get("/operators"), 403, "insufficient_scope")
    assert_problem(
        read_only.post(f"/operators/{bob.public_id}/presence", {"presence": "online"}),
        403,
        "insufficient_scope",
    )


# --- groups -------------------------------------------------------------------------------


def test_admin_creates_renames_and_deletes_a_group(alice_api, account):
    created = alice_api.post("/groups", {"name": "Sales"})
    group_id = created.json()["id"]
    renamed = alice_api.patch(f"/groups/{group_id}", {"name": "Vertrieb"})
    deleted = alice_api.delete(f"/groups/{group_id}")

    assert created.status_code == 201 and created.json()["members"] == []
    assert renamed.json()["name"] == "Vertrieb"
    assert deleted.status_code == 204
    assert not OperatorGroup.objects.filter(public_id=group_id).exists()


def test_group_lists_its_members(bob_api, support_group, alice, bob):
    body = bob_api.get(f"/groups/{support_group.public_id}").json()

    assert body["name"] == "Support"
    assert sorted(body["members"]) == sorted([alice.public_id, bob.public_id])


def test_a_group_name_is_unique(alice_api, support_group):
    body = assert_problem(alice_api.post("/groups", {"name": "Support"}), 422, "validation_failed")
    assert "already exists" in body["detail"]


def test_group_create_is_idempotent(alice_api):
    alice_api.post("/groups", {"name": "Once"}, key="g-1")
    again = alice_api.post("/groups", {"name": "Once"}, key="g-1")

    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert OperatorGroup.objects.filter(name="Once").count() == 1


def test_operators_and_integrations_cannot_create_groups(bob_api, bot_api):
    assert_problem(bob_api.post("/groups", {"name": "X"}), 403, "permission_denied")
    assert_problem(bot_api.post("/groups", {"name": "X"}), 403, "permission_denied")


# --- topics -------------------------------------------------------------------------------


def test_topics_crud(alice_api):
    created = alice_api.post("/topics", {"name": "Billing"})
    topic_id = created.json()["id"]
    renamed = alice_api.patch(f"/topics/{topic_id}", {"name": "Rechnung"})
    listed = alice_api.get("/topics").json()["items"]
    deleted = alice_api.delete(f"/topics/{topic_id}")

    assert created.status_code == 201
    assert renamed.json() == {"id": topic_id, "name": "Rechnung"}
    assert listed == [{"id": topic_id, "name": "Rechnung"}]
    assert deleted.status_code == 204 and not Topic.objects.exists()


def test_a_topic_needs_a_name(alice_api):
    body = assert_problem(alice_api.post("/topics", {"name": "  "}), 422, "validation_failed")
    assert body["errors"][0]["loc"] == ["body", "payload", "name"]
    assert not Topic.objects.exists()


def test_operators_read_topics_but_cannot_change_them(bob_api, account, alice):
    topic = create_topic(account, "Billing", actor=as_actor(alice))

    assert bob_api.get("/topics").json()["items"][0]["id"] == topic.public_id
    assert_problem(bob_api.delete(f"/topics/{topic.public_id}"), 403, "permission_denied")
    assert Topic.objects.filter(pk=topic.pk).exists()


def test_an_operator_sets_own_slots_when_the_account_allows(bob_api, bob, account):
    path = f"/operators/{bob.public_id}"
    assert_problem(bob_api.patch(path, {"max_slots": 5}), 403, "permission_denied")

    account.operators_set_own_slots = True
    account.save()
    response = bob_api.patch(path, {"max_slots": 5})

    assert response.status_code == 200 and response.json()["max_slots"] == 5
    bob.refresh_from_db()
    assert bob.max_slots == 5


def test_an_operator_reads_and_changes_their_own_profile(bob_api, bob):
    assert bob_api.get("/me/profile").json()["name"] == bob.name

    answer = bob_api.patch("/me/profile", {"language": "de", "time_zone": "Europe/Berlin"})

    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "name": bob.name,
        "language": "de",
        "time_zone": "Europe/Berlin",
        "mute_all": bob.mute_all,
    }
    bob.refresh_from_db()
    assert (bob.language, bob.time_zone) == ("de", "Europe/Berlin")


def test_an_unknown_time_zone_changes_nothing(bob_api, bob):
    before = (bob.name, bob.time_zone)
    answer = bob_api.patch("/me/profile", {"name": "Bob Neu", "time_zone": "Mars/Olympus"})

    body = assert_problem(answer, 422, "validation_failed")
    assert "time zone" in body["detail"].lower()
    bob.refresh_from_db()
    assert (bob.name, bob.time_zone) == before


def test_an_integration_token_has_no_profile(account, alice):
    from messagecenter.accounts import tokens
    from tests.api.conftest import ALL_SCOPES, ApiClient

    made = tokens.create_integration_token(account, "crm", ALL_SCOPES, actor=as_actor(alice))
    answer = ApiClient(made.secret).get("/me/profile")

    assert_problem(answer, 403, "permission_denied")
