"""German and English: the contacts pages follow the operator's language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.contacts.services import create_contact

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url_name", "english", "german"),
    [
        ("contact_list", "Add contact", "Kontakt hinzufügen"),
        ("contact_import", "Choose a CSV file", "CSV-Datei auswählen"),
        ("contact_fields", "Contact fields", "Kontaktfelder"),
    ],
)
def test_pages_speak_the_operators_language(alice_client, alice, url_name, english, german):
    assert english in alice_client.get(reverse(url_name)).content.decode()
    alice.language = "de"
    alice.save(update_fields=["language"])
    html = alice_client.get(reverse(url_name)).content.decode()
    assert german in html and english not in html


def test_profile_in_german(alice_client, german, contact, widget):
    html = alice_client.get(reverse("contact_profile", args=[contact.public_id])).content.decode()
    for text in (
        "Unterhaltung beginnen",
        "Kein WhatsApp-Kanal verbunden.",
        "erhält eine E-Mail an clara@example.com",
        "Daten herunterladen",
        "LÖSCHEN",
    ):
        assert text in html


def test_german_erase_word_confirms(
    alice_client, german, contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("contact_erase", args=[contact.public_id]), {"confirm": "löschen"}, follow=True
        )
    assert (
        "wird mit allen Unterhaltungen, Nachrichten, Notizen und Dateien gelöscht."
        in response.content.decode()
    )


def test_german_list_counts_and_messages(alice_client, german, account):
    create_contact(account, name="Anna")
    create_contact(account, name="Bert")
    html = alice_client.get(reverse("contact_list")).content.decode()
    assert "2 Kontakte" in html and "{n} Kontakte löschen?" in html
    response = alice_client.post(reverse("contact_add"), {"name": "X", "email": "kaputt"})
    assert response.status_code == 422
