"""R-CONTACT-4: profile notes — any operator adds; the author or an admin edits and deletes;
every write is audited without the note's text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.accounts.models import AuditEntry
from messagecenter.contacts.models import ContactNote
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from messagecenter.directory import notes

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobs_note(contact, bob):
    return notes.add_note(contact, "Ruft lieber vormittags an.", actor=Actor.for_operator(bob))


def add_url(contact):
    return reverse("contact_note_add", args=[contact.public_id])


def note_url(name, note):
    return reverse(name, args=[note.contact.public_id, note.pk])


def test_operator_adds_a_note_shown_on_the_profile(bob_client, bob, contact):
    response = bob_client.post(add_url(contact), {"body": "  Bevorzugt Deutsch.  "}, follow=True)
    note = ContactNote.objects.get(contact=contact)
    assert (note.body, note.author) == ("Bevorzugt Deutsch.", bob)
    assert "Bevorzugt Deutsch." in response.content.decode()
    audit = AuditEntry.objects.get(action="contact.note_added")
    assert audit.target_id == contact.public_id and "Deutsch" not in str(audit.data)


def test_empty_note_shows_the_message_and_adds_nothing(bob_client, contact):
    response = bob_client.post(add_url(contact), {"body": "   "})
    assert response.status_code == 422
    assert "Write something first." in response.content.decode()
    assert not ContactNote.objects.exists()


def test_author_edits_their_note(bob_client, bobs_note):
    bob_client.post(note_url("contact_note_edit", bobs_note), {"body": "Nachmittags besser."})
    bobs_note.refresh_from_db()
    assert bobs_note.body == "Nachmittags besser." and bobs_note.edited_at is not None


def test_admin_edits_and_deletes_a_teammates_note(alice_client, bobs_note):
    alice_client.post(note_url("contact_note_edit", bobs_note), {"body": "Von Alice korrigiert"})
    bobs_note.refresh_from_db()
    assert bobs_note.body == "Von Alice korrigiert"
    alice_client.post(note_url("contact_note_delete", bobs_note))
    assert not ContactNote.objects.exists()
    assert AuditEntry.objects.filter(action="contact.note_deleted").count() == 1


def test_teammate_cannot_change_someone_elses_note(bob_client, contact, alice):
    alices = notes.add_note(contact, "Von Alice", actor=Actor.for_operator(alice))
    edit = bob_client.post(note_url("contact_note_edit", alices), {"body": "Von Bob"})
    delete = bob_client.post(note_url("contact_note_delete", alices))
    assert (edit.status_code, delete.status_code) == (403, 403)
    alices.refresh_from_db()
    assert alices.body == "Von Alice"


def test_edit_tools_are_shown_only_to_who_may_use_them(bob_client, contact, alice, bobs_note):
    notes.add_note(contact, "Von Alice", actor=Actor.for_operator(alice))
    html = bob_client.get(reverse("contact_profile", args=[contact.public_id])).content.decode()
    assert note_url("contact_note_edit", bobs_note) in html
    assert html.count("/edit/") == 1


def test_emptying_a_note_is_refused(bob_client, bobs_note):
    response = bob_client.post(note_url("contact_note_edit", bobs_note), {"body": ""}, follow=True)
    assert "Write something first." in response.content.decode()
    bobs_note.refresh_from_db()
    assert bobs_note.body == "Ruft lieber vormittags an."


def test_outsider_gets_404_for_notes(charlie_client, bobs_note, contact):
    assert charlie_client.post(add_url(contact), {"body": "x"}).status_code == 404
    assert (
        charlie_client.post(note_url("contact_note_edit", bobs_note), {"body": "x"}).status_code
        == 404
    )
    assert charlie_client.post(note_url("contact_note_delete", bobs_note)).status_code == 404
    assert ContactNote.objects.get().body == "Ruft lieber vormittags an."


def test_note_of_another_contact_is_not_found(bob_client, account, bobs_note):
    from messagecenter.contacts.services import create_contact

    other = create_contact(account, name="Andere")
    url = reverse("contact_note_delete", args=[other.public_id, bobs_note.pk])
    assert bob_client.post(url).status_code == 404
    assert ContactNote.objects.exists()


def test_services_refuse_outsiders_and_long_notes(contact, charlie, bob):
    with pytest.raises(Exception) as outsider:
        notes.add_note(contact, "x", actor=Actor.for_operator(charlie))
    assert outsider.value.code == "not_found"
    with pytest.raises(ValidationFailed):
        notes.add_note(contact, "x" * (notes.MAX_NOTE + 1), actor=Actor.for_operator(bob))
    note = notes.add_note(contact, "ok", actor=Actor.for_operator(bob))
    with pytest.raises(PermissionDenied):
        notes.delete_note(note, actor=Actor.system(contact.account))
