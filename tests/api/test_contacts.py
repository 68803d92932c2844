"""Contacts over the API: the directory's list and profile, changes, custom data pushed by
integrations, block, export and erasure — each through the contacts services, so their rules
and messages reach the API client unchanged."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from messagecenter.accounts.models import AuditEntry
from messagecenter.contacts import fields
from messagecenter.contacts.models import Contact
from messagecenter.contacts.services import create_contact
from messagecenter.jobs.models import Job
from tests.api.conftest import assert_problem, personal
from tests.conftest import as_actor

pytestmark = pytest.mark.django_db


def test_list_pages_newest_first_with_every_contact_once(alice_api, account, clock):
    made = []
    for n in range(5):
        made.append(create_contact(account, name=f"Kunde {n}"))
        clock.shift(60)

    first = alice_api.get("/contacts", {"limit": 2}).json()
    second = alice_api.get("/contacts", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = alice_api.get("/contacts", {"limit": 2, "cursor": second["next_cursor"]}).json()

    names = [c["name"] for page in (first, second, third) for c in page["items"]]
    assert names == ["Kunde 4", "Kunde 3", "Kunde 2", "Kunde 1", "Kunde 0"]
    assert third["next_cursor"] is None


def test_list_searches_and_filters_blocked(alice_api, account, contact, alice):
    other = create_contact(account, name="Otto Ohneblock")
    alice_api.post(f"/contacts/{other.public_id}/block", {"blocked": True})

    found = alice_api.get("/contacts", {"q": "clara@"}).json()["items"]
    blocked = alice_api.get("/contacts", {"blocked": "yes"}).json()["items"]

    assert [c["id"] for c in found] == [contact.public_id]
    assert [c["id"] for c in blocked] == [other.public_id]


def test_bad_cursor_is_a_problem(alice_api):
    body = assert_problem(
        alice_api.get("/contacts", {"cursor": "nonsense"}), 422, "validation_failed"
    )
    assert body["errors"][0]["loc"] == ["query", "cursor"]


def test_get_contact_shows_profile_identities_and_data(alice_api, contact):
    body = alice_api.get(f"/contacts/{contact.public_id}").json()

    assert body["name"] == "Clara Kundin"
    assert body["email"] == "clara@example.com"
    assert body["identities"] == [
        {"kind": "email", "value": "clara@example.com", "verified": False}
    ]
    assert body["custom_data"] == {} and body["blocked"] is False


def test_create_contact(alice_api, account):
    response = alice_api.post(
        "/contacts", {"name": "Neu Kunde", "email": "Neu@Example.com", "company": "Shop"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "neu@example.com"  # normalised by the service
    assert Contact.objects.get(public_id=body["id"]).company == "Shop"
    assert AuditEntry.objects.filter(action="contact.created", target_id=body["id"]).exists()


def test_an_email_another_contact_has_is_409(alice_api, contact):
    body = assert_problem(
        alice_api.post("/contacts", {"name": "Doppelt", "email": "clara@example.com"}),
        409,
        "conflict",
    )
    assert body["field"] == "email"
    assert Contact.objects.count() == 1


def test_create_contact_is_idempotent(alice_api):
    first = alice_api.post("/contacts", {"name": "Once"}, key="k-contact")
    again = alice_api.post("/contacts", {"name": "Once"}, key="k-contact")

    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Contact.objects.filter(name="Once").count() == 1


def test_patch_changes_only_what_is_sent(alice_api, account, contact, alice):
    fields.define_field(account, actor=as_actor(alice), key="plan", label="Plan")

    response = alice_api.patch(
        f"/contacts/{contact.public_id}",
        {"company": "Kunde GmbH", "phone": "+49 30 1234567", "custom_fields": {"plan": "Pro"}},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "Clara Kundin"
    assert body["company"] == "Kunde GmbH"
    assert body["phone"] == "+49301234567"
    assert body["custom_fields"] == {"plan": "Pro"}


def test_patch_with_an_unknown_custom_field_changes_nothing(alice_api, contact):
    response = alice_api.patch(
        f"/contacts/{contact.public_id}", {"company": "X", "custom_fields": {"nope": "1"}}
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    contact.refresh_from_db()
    assert contact.company == "" and contact.custom_fields == {}


def test_integration_pushes_custom_data_merged_and_removed_by_null(bot_api, contact):
    path = f"/contacts/{contact.public_id}/custom-data"
    bot_api.patch(path, {"data": {"order": "A-17", "plan": {"name": "Pro", "seats": 3}}})

    body = bot_api.patch(path, {"data": {"order": None, "vip": True}}).json()

    assert body["custom_data"] == {"plan": {"name": "Pro", "seats": 3}, "vip": True}
    contact.refresh_from_db()
    assert contact.custom_data == body["custom_data"]
    assert AuditEntry.objects.filter(action="contact.custom_data_updated").count() == 2


def test_custom_data_keys_and_size_are_bounded(alice_api, contact):
    path = f"/contacts/{contact.public_id}/custom-data"
    bad_key = alice_api.patch(path, {"data": {"no spaces": 1}})
    too_big = alice_api.patch(path, {"data": {"blob": "x" * 17_000}})

    assert assert_problem(bad_key, 422, "validation_failed")["errors"][0]["loc"][:3] == [
        "body",
        "payload",
        "data",
    ]
    assert "16 KB" in assert_problem(too_big, 422, "validation_failed")["detail"]
    contact.refresh_from_db()
    assert contact.custom_data == {}


def test_block_and_unblock(alice_api, contact):
    blocked = alice_api.post(f"/contacts/{contact.public_id}/block", {"blocked": True})
    assert blocked.json()["blocked"] is True
    contact.refresh_from_db()
    assert contact.blocked

    alice_api.post(f"/contacts/{contact.public_id}/block", {"blocked": False})
    contact.refresh_from_db()
    assert not contact.blocked


def test_export_is_a_zip_with_the_contacts_data_and_is_audited(alice_api, contact):
    response = alice_api.get(f"/contacts/{contact.public_id}/export")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("contact.json"))
    assert data["contact"]["name"] == "Clara Kundin"
    assert AuditEntry.objects.filter(action="contact.exported").count() == 1


def test_erasure_is_queued_as_a_job(alice_api, contact):
    response = alice_api.post(f"/contacts/{contact.public_id}/erasure")

    assert response.status_code == 202
    assert response.json() == {"contact": contact.public_id, "state": "erasing"}
    assert Job.objects.filter(kind="contacts.erase").count() == 1


def test_erasure_replay_queues_it_once(alice_api, contact):
    alice_api.post(f"/contacts/{contact.public_id}/erasure", key="erase-1")
    again = alice_api.post(f"/contacts/{contact.public_id}/erasure", key="erase-1")

    assert again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert Job.objects.filter(kind="contacts.erase").count() == 1


def test_contact_scopes(bob, contact):
    reader = personal(bob, ["conversations:read", "conversations:write"])

    assert_problem(reader.get("/contacts"), 403, "insufficient_scope")
    read_only = personal(bob, ["contacts:read"])
    assert read_only.get("/contacts").status_code == 200
    assert_problem(
        read_only.post(f"/contacts/{contact.public_id}/block", {"blocked": True}),
        403,
        "insufficient_scope",
    )


# --- custom fields ------------------------------------------------------------------------


def test_admin_defines_lists_and_deletes_a_custom_field(alice_api):
    created = alice_api.post("/custom-fields", {"key": "plan", "label": "Plan"})
    listed = alice_api.get("/custom-fields").json()
    deleted = alice_api.delete("/custom-fields/plan")

    assert created.status_code == 201
    assert listed["items"] == [{"key": "plan", "label": "Plan", "type": "text", "options": []}]
    assert deleted.status_code == 204
    assert alice_api.get("/custom-fields").json()["items"] == []


def test_a_choice_field_needs_options(alice_api):
    body = assert_problem(
        alice_api.post("/custom-fields", {"key": "tier", "label": "Tier", "type": "select"}),
        422,
        "validation_failed",
    )
    assert body["field"] == "options"


def test_only_admins_define_custom_fields(bob_api):
    assert_problem(
        bob_api.post("/custom-fields", {"key": "plan", "label": "Plan"}), 403, "permission_denied"
    )


def test_unknown_custom_field_is_404(alice_api):
    assert_problem(alice_api.delete("/custom-fields/nope"), 404, "not_found")


# --- profile notes ------------------------------------------------------------------------


def test_profile_notes_are_written_listed_edited_and_deleted(bob_api, contact, bob):
    path = f"/contacts/{contact.public_id}/notes"
    created = bob_api.post(path, {"body": "Ruft lieber an"})
    note_id = created.json()["id"]
    edited = bob_api.patch(f"{path}/{note_id}", {"body": "Ruft lieber nachmittags an"})
    listed = bob_api.get(path).json()
    deleted = bob_api.delete(f"{path}/{note_id}")

    assert created.status_code == 201 and created.json()["author"] == bob.public_id
    assert edited.json()["edited_at"] is not None
    assert [n["body"] for n in listed["items"]] == ["Ruft lieber nachmittags an"]
    assert deleted.status_code == 204
    assert not contact.notes.exists()


def test_only_the_author_or_an_admin_changes_a_note(alice_api, bob_api, contact, bob):
    path = f"/contacts/{contact.public_id}/notes"
    note_id = alice_api.post(path, {"body": "Von Alice"}).json()["id"]

    assert_problem(bob_api.patch(f"{path}/{note_id}", {"body": "x"}), 403, "permission_denied")
    assert contact.notes.get().body == "Von Alice"


def test_integrations_write_no_profile_notes(bot_api, contact):
    response = bot_api.post(f"/contacts/{contact.public_id}/notes", {"body": "Bot"})

    assert_problem(response, 403, "permission_denied")
    assert not contact.notes.exists()


def test_a_blank_note_is_refused(bob_api, contact):
    response = bob_api.post(f"/contacts/{contact.public_id}/notes", {"body": "   "})

    assert_problem(response, 422, "validation_failed")
    assert not contact.notes.exists()


def test_a_note_of_another_contact_is_404(bob_api, account, contact):
    other = create_contact(account, name="Andere")
    note_id = bob_api.post(f"/contacts/{other.public_id}/notes", {"body": "x"}).json()["id"]

    response = bob_api.delete(f"/contacts/{contact.public_id}/notes/{note_id}")

    assert_problem(response, 404, "not_found")
    assert other.notes.count() == 1
