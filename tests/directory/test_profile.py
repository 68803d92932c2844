"""R-CONTACT-4/5/6: the profile — edit every field, custom fields by type, conversations,
block, export, erase with confirmation, start a conversation."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from messagecenter.accounts.models import AuditEntry
from messagecenter.contacts.fields import define_field
from messagecenter.contacts.models import Contact
from messagecenter.contacts.services import create_contact
from messagecenter.conversations.models import Conversation, Status
from messagecenter.core.actors import Actor
from tests.directory.conftest import contact_with_history
from tests.helpers import conversation_in

pytestmark = pytest.mark.django_db


def profile_url(contact) -> str:
    return reverse("contact_profile", args=[contact.public_id])


@pytest.fixture
def fields(account, alice):
    me = Actor.for_operator(alice)
    define_field(
        account, actor=me, key="tier", label="Tier", type="select", options=["Gold", "Silber"]
    )
    define_field(account, actor=me, key="birthday", label="Birthday", type="date")
    define_field(account, actor=me, key="orders", label="Orders", type="number")
    define_field(account, actor=me, key="note", label="Delivery note", type="text")


def form_data(contact, **changes) -> dict:
    data = {
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "company": contact.company,
        "customer_id": contact.customer_id,
        "country": contact.country,
        "postcode": contact.postcode,
        "locale": contact.locale,
    }
    return data | changes


def test_profile_shows_details_identities_conversations_and_custom_data(
    bob_client, account, widget, alice
):
    contact = contact_with_history(account, widget, alice, 7, name="Clara Kundin")
    Contact.objects.filter(pk=contact.pk).update(custom_data={"cart": {"total": 49.9}})
    conversation = contact.conversations.get()

    response = bob_client.get(profile_url(contact))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Clara Kundin" in html and "kundin7@example.com" in html
    assert reverse("conversation", args=[conversation.public_id]) in html
    assert "Continue" in html and "status--open" in html
    assert "cart" in html and "49.9" in html
    assert "Not verified" in html


def test_outsider_gets_404_on_every_profile_action(charlie_client, contact):
    for name in (
        "contact_profile",
        "contact_block",
        "contact_export",
        "contact_erase",
        "contact_start",
    ):
        url = reverse(name, args=[contact.public_id])
        response = charlie_client.post(url, {"confirm": "ERASE", "blocked": "yes", "body": "x"})
        assert response.status_code == 404, name
    assert charlie_client.get(profile_url(contact)).status_code == 404
    contact.refresh_from_db()
    assert contact.blocked is False


def test_edit_saves_every_field_normalised(bob_client, contact, fields):
    data = form_data(
        contact,
        name="Clara K.",
        email="CLARA.NEU@example.com",
        phone="0151 2345 6789",
        company="Kundin AG",
        customer_id="C-1",
        country="de",
        postcode="10115",
        locale="de",
        cf_tier="Gold",
        cf_birthday="1990-04-01",
        cf_orders="12",
        cf_note="Hinterhof",
    )

    response = bob_client.post(profile_url(contact), data)

    assert response.status_code == 302
    contact = Contact.objects.get(pk=contact.pk)
    assert (contact.name, contact.email, contact.phone) == (
        "Clara K.",
        "clara.neu@example.com",
        "+4915123456789",
    )
    assert (contact.company, contact.customer_id, contact.postcode, contact.locale) == (
        "Kundin AG",
        "C-1",
        "10115",
        "de",
    )
    assert contact.custom_fields == {
        "tier": "Gold",
        "birthday": "1990-04-01",
        "orders": 12,
        "note": "Hinterhof",
    }
    audit = AuditEntry.objects.filter(action="contact.updated").latest("pk")
    assert "name" in audit.data["fields"] and "company" in audit.data["fields"]


def test_edit_names_only_changed_fields_in_the_audit(bob_client, contact):
    bob_client.post(profile_url(contact), form_data(contact, company="Neu GmbH"))
    audit = AuditEntry.objects.filter(action="contact.updated").latest("pk")
    assert audit.data["fields"] == ["company"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "kein-at"}, "email", "Enter a valid e-mail address."),
        ({"phone": "123"}, "phone", "Enter a valid phone number."),
        ({"cf_orders": "zwölf"}, "cf_orders", "Orders must be a number."),
        ({"cf_birthday": "morgen"}, "cf_birthday", "Birthday must be a date like 2026-03-31."),
        ({"cf_tier": "Platin"}, "cf_tier", "Select a valid choice."),
    ],
)
def test_invalid_edit_shows_the_message_and_changes_nothing(
    bob_client, contact, fields, changes, field, message
):
    data = form_data(contact, name="Darf nicht bleiben", **changes)

    response = bob_client.post(profile_url(contact), data)

    assert response.status_code == 422
    assert any(message in e for e in response.context["form"].errors[field])
    assert message in response.content.decode()
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.custom_fields) == (
        "Clara Kundin",
        "clara@example.com",
        {},
    )


def test_emptied_custom_field_is_removed(bob_client, contact, fields, alice):
    bob_client.post(profile_url(contact), form_data(contact, cf_orders="3"))
    bob_client.post(profile_url(contact), form_data(contact, cf_orders=""))
    contact.refresh_from_db()
    assert contact.custom_fields == {}


def test_values_of_deleted_fields_are_shown_not_lost(bob_client, contact):
    Contact.objects.filter(pk=contact.pk).update(custom_fields={"legacy": "Altwert"})
    response = bob_client.get(profile_url(contact))
    assert "legacy" in response.content.decode() and "Altwert" in response.content.decode()
    bob_client.post(profile_url(contact), form_data(contact, name="Neu"))
    contact.refresh_from_db()
    assert contact.custom_fields == {"legacy": "Altwert"}


def test_block_and_unblock(bob_client, contact):
    response = bob_client.post(
        reverse("contact_block", args=[contact.public_id]), {"blocked": "yes"}, follow=True
    )
    contact.refresh_from_db()
    assert contact.blocked is True
    assert "is blocked" in response.content.decode()

    bob_client.post(reverse("contact_block", args=[contact.public_id]), {"blocked": "no"})
    contact.refresh_from_db()
    assert contact.blocked is False
    actions = list(AuditEntry.objects.values_list("action", flat=True).order_by("pk"))
    assert actions[-2:] == ["contact.blocked", "contact.unblocked"]


def test_download_data_is_a_zip_with_the_contacts_json(bob_client, contact):
    response = bob_client.post(reverse("contact_export", args=[contact.public_id]))
    assert response["Content-Type"] == "application/zip"
    assert f"contact-{contact.public_id}.zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("contact.json"))
    assert data["contact"]["name"] == "Clara Kundin"


def test_download_needs_a_post(bob_client, contact):
    assert bob_client.get(reverse("contact_export", args=[contact.public_id])).status_code == 405


# --- erasure ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["", "Clara", "erase please", "Someone Else"])
def test_erasure_without_the_right_confirmation_erases_nothing(
    bob_client, contact, typed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_client.post(
            reverse("contact_erase", args=[contact.public_id]), {"confirm": typed}, follow=True
        )
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert "Nothing was erased" in response.content.decode()


@pytest.mark.parametrize("typed", ["ERASE", "erase", "  clara   KUNDIN "])
def test_erasure_confirmed_by_name_or_word_erases_and_returns_to_the_list(
    bob_client, account, widget, bob, contact, typed, django_capture_on_commit_callbacks
):
    conversation_in(Status.OPEN, widget, contact, bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_client.post(
            reverse("contact_erase", args=[contact.public_id]), {"confirm": typed}, follow=True
        )
    assert response.redirect_chain[-1][0] == reverse("contact_list")
    assert "is being erased" in response.content.decode()
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not Conversation.objects.filter(account=account).exists()
    audit = AuditEntry.objects.get(action="contact.erased")
    assert audit.target_id == "" and audit.data["conversations"] == 1


# --- starting a conversation -------------------------------------------------------------------


def test_start_dialog_explains_email_link_and_disables_other_channels(bob_client, contact, widget):
    html = bob_client.get(profile_url(contact)).content.decode()
    assert "gets an e-mail at clara@example.com with a signed link" in html
    assert "No WhatsApp channel connected." in html
    assert "No e-mail channel connected." in html
    assert 'value="whatsapp" disabled' in html and 'value="email" disabled' in html


def test_start_dialog_without_email_explains_the_next_visit(bob_client, account, widget):
    contact = create_contact(account, name="Ohne Mail")
    html = bob_client.get(profile_url(contact)).content.decode()
    assert "has no e-mail address, so they see your message the next time" in html


def test_start_conversation_creates_it_assigned_and_opens_it(bob_client, bob, contact, widget):
    response = bob_client.post(
        reverse("contact_start", args=[contact.public_id]),
        {
            "channel": "webchat",
            "widget": widget.public_id,
            "subject": "Ihre Bestellung",
            "body": "Hallo Clara!",
        },
    )
    conversation = Conversation.objects.get(contact=contact)
    assert response.status_code == 302
    assert response["Location"] == reverse("conversation", args=[conversation.public_id])
    assert (conversation.status, conversation.assigned_operator, conversation.subject) == (
        Status.WAITING,
        bob,
        "Ihre Bestellung",
    )


def test_start_conversation_without_a_message_shows_the_error(bob_client, contact, widget):
    response = bob_client.post(
        reverse("contact_start", args=[contact.public_id]),
        {"channel": "webchat", "widget": widget.public_id, "body": "  "},
    )
    assert response.status_code == 422
    assert "A message cannot be empty." in response.content.decode()
    assert response.context["start_open"] is True
    assert not Conversation.objects.filter(contact=contact).exists()


def test_start_conversation_in_another_accounts_widget_is_refused(
    bob_client, contact, other_account
):
    from messagecenter.widgets.services import create_widget

    foreign = create_widget(other_account, "Globex")
    response = bob_client.post(
        reverse("contact_start", args=[contact.public_id]),
        {"channel": "webchat", "widget": foreign.public_id, "body": "Hallo"},
    )
    assert response.status_code == 422
    assert not Conversation.objects.filter(contact=contact).exists()
