"""The pages around templates: Settings › Channels › WhatsApp syncs them (last sync, count,
Meta's reason) and sets the reminder; the composer's picker lists the approved templates of
the conversation's number with the contact's values and sends one; the contact profile
starts a WhatsApp conversation only with a recorded consent, records one (source and time),
and opens the conversation it started with a template. Other accounts get 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from messagecenter.contacts import consent
from messagecenter.contacts.models import ContactConsent
from messagecenter.contacts.services import add_identity
from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation, Message, Status
from messagecenter.core.actors import Actor
from messagecenter.transports.whatsapp import templates
from messagecenter.transports.whatsapp.models import WhatsAppTemplate
from tests.conftest import capture_events
from tests.transports.whatsapp.conftest import post
from tests.transports.whatsapp.payloads import text

pytestmark = pytest.mark.django_db


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def with_templates(whatsapp, whatsapp_api):
    whatsapp_api.add_template("order_update", "Hallo {{1}}, Bestellung {{2}} ist unterwegs.")
    whatsapp_api.add_template("spring_sale", "Frühling!", category="MARKETING")
    whatsapp_api.add_template("draft", "Entwurf", status="REJECTED")
    templates.sync(whatsapp)
    return {t.name: t for t in WhatsAppTemplate.objects.all()}


@pytest.fixture
def conversation(provider, whatsapp, alice, clock):
    post(provider, whatsapp, text("wamid.IN1", "Hallo"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


# --- settings ------------------------------------------------------------------------------------


def test_the_settings_page_syncs_and_lists_the_templates(alice, whatsapp, whatsapp_api):
    whatsapp_api.add_template("welcome", "Willkommen {{1}}")
    admin = signed_in(alice)
    page = reverse("settings_whatsapp", args=[whatsapp.public_id])
    sync = reverse("whatsapp_channel:sync_templates", args=[whatsapp.public_id])

    with capture_events():
        response = admin.post(sync)
    assert response.status_code == 302

    html = admin.get(page).content.decode()
    assert "Last synced" in html and "1 template." in html
    assert 'data-template="welcome"' in html and "Approved" in html


def test_a_failed_sync_is_shown_with_metas_reason(alice, whatsapp, whatsapp_api):
    whatsapp_api.fail("message_templates", 100, message="Tried accessing nonexisting field")
    admin = signed_in(alice)
    with capture_events():
        admin.post(reverse("whatsapp_channel:sync_templates", args=[whatsapp.public_id]))

    html = admin.get(reverse("settings_whatsapp", args=[whatsapp.public_id])).content.decode()
    assert "data-sync-error" in html and "Tried accessing nonexisting field" in html


def test_the_reminder_is_saved_from_the_page(alice, whatsapp, with_templates):
    admin = signed_in(alice)
    order = with_templates["order_update"]
    url = reverse("whatsapp_channel:reminder", args=[whatsapp.public_id])

    response = admin.post(url, {"template": order.public_id, "minutes": "45"})

    assert response.status_code == 302
    options = templates.options(whatsapp)
    assert options.reminder_template == order and options.reminder_minutes == 45
    refused = admin.post(url, {"template": with_templates["draft"].public_id, "minutes": "45"})
    assert refused.status_code == 400  # not a choice: only approved templates are offered


def test_teammates_and_other_accounts_cannot_sync(bob, charlie, whatsapp, whatsapp_api):
    url = reverse("whatsapp_channel:sync_templates", args=[whatsapp.public_id])
    before = len(whatsapp_api.calls)
    with capture_events():
        assert signed_in(bob).post(url).status_code == 403
        assert signed_in(charlie).post(url).status_code == 404
    assert not [p for _m, p in whatsapp_api.calls[before:] if p.endswith("message_templates")]


# --- the composer --------------------------------------------------------------------------------


def test_the_picker_gets_the_approved_templates_with_the_contacts_values(
    alice, conversation, with_templates
):
    url = reverse("whatsapp_channel:templates", args=[conversation.public_id])

    data = signed_in(alice).get(url).json()

    assert data["window_open"] is True
    names = [t["name"] for t in data["templates"]]
    assert names == ["order_update", "spring_sale"]  # not the rejected one
    order = data["templates"][0]
    assert order["values"] == {"body.1": "Kim Berg", "body.2": ""}
    assert [v["key"] for v in order["variables"]] == ["body.1", "body.2"]
    assert "does not charge" in order["costs"]
    assert "costs money" in data["templates"][1]["costs"]


def test_the_composer_sends_a_template(alice, conversation, with_templates, whatsapp_api):
    order = with_templates["order_update"]
    url = reverse("whatsapp_channel:send_template", args=[conversation.public_id, order.public_id])

    with capture_events():
        response = signed_in(alice).post(
            url, {"var.body.1": "Kim", "var.body.2": "4711"}, headers={"Accept": "application/json"}
        )

    assert response.status_code == 200 and response.json()["ok"] is True
    assert response.json()["entry"]["message"]["template"]["name"] == "order_update"
    assert whatsapp_api.templates_sent()[0]["name"] == "order_update"


def test_a_missing_variable_is_refused_with_its_name(alice, conversation, with_templates):
    order = with_templates["order_update"]
    url = reverse("whatsapp_channel:send_template", args=[conversation.public_id, order.public_id])

    response = signed_in(alice).post(
        url, {"var.body.1": "Kim"}, headers={"Accept": "application/json"}
    )

    assert response.status_code == 422 and "{{2}}" in response.json()["error"]


def test_other_accounts_get_404(charlie, conversation, with_templates):
    order = with_templates["order_update"]
    client = signed_in(charlie)
    assert (
        client.get(reverse("whatsapp_channel:templates", args=[conversation.public_id])).status_code
        == 404
    )
    send = reverse("whatsapp_channel:send_template", args=[conversation.public_id, order.public_id])
    assert client.post(send, {"var.body.1": "x"}).status_code == 404


def test_the_composer_of_a_whatsapp_conversation_offers_templates(alice, conversation):
    html = signed_in(alice).get(reverse("conversation", args=[conversation.public_id])).content
    assert b"data-templates-url=" in html and b'id="wa-template-dialog"' in html


# --- the contact profile -------------------------------------------------------------------------


@pytest.fixture
def reachable(contact):
    add_identity(contact, "phone", "+4915123456789")
    return contact


def profile(client, contact) -> str:
    return client.get(reverse("contact_profile", args=[contact.public_id])).content.decode()


def test_without_consent_the_dialog_says_why_and_offers_to_record_one(
    alice, reachable, with_templates
):
    html = profile(signed_in(alice), reachable)

    assert "data-whatsapp-start" in html and "data-whatsapp-refused" in html
    assert "Record the contact&#x27;s consent" in html or "Record the contact's consent" in html
    assert "data-whatsapp-start-form" not in html


def test_recording_consent_keeps_source_time_and_who(alice, reachable, with_templates, clock):
    client = signed_in(alice)
    url = reverse("whatsapp_channel:contact_consent", args=[reachable.public_id])

    response = client.post(url, {"wa-source": "in_person", "wa-at": "2026-03-01T15:30",
                                 "wa-note": "Messe Berlin"})  # fmt: skip

    assert response.status_code == 302 and response.url.endswith("?whatsapp=1")
    decision = ContactConsent.objects.get()
    assert (decision.channel, decision.granted, decision.source) == ("whatsapp", True, "in_person")
    assert decision.note == "Messe Berlin" and decision.recorded_by == alice
    assert decision.at.isoformat().startswith("2026-03-01")
    assert "data-whatsapp-start-form" in profile(client, reachable)


def test_another_account_cannot_record_a_consent(charlie, reachable):
    url = reverse("whatsapp_channel:contact_consent", args=[reachable.public_id])
    response = signed_in(charlie).post(url, {"wa-source": "email", "wa-at": "2026-03-01T10:00"})
    assert response.status_code == 404 and not ContactConsent.objects.exists()
    start = reverse("whatsapp_channel:contact_start", args=[reachable.public_id])
    assert signed_in(charlie).post(start, {"template": "wt_x"}).status_code == 404


def test_a_consent_in_the_future_is_refused(alice, reachable, clock):
    url = reverse("whatsapp_channel:contact_consent", args=[reachable.public_id])
    signed_in(alice).post(url, {"wa-source": "email", "wa-at": "2027-01-01T10:00"})
    assert not ContactConsent.objects.exists()


def test_starting_without_consent_is_refused(alice, reachable, with_templates, whatsapp_api):
    url = reverse("whatsapp_channel:contact_start", args=[reachable.public_id])
    order = with_templates["order_update"]

    response = signed_in(alice).post(url, {"template": order.public_id, "var.body.1": "Clara",
                                           "var.body.2": "1"})  # fmt: skip

    assert response.status_code == 302 and "?whatsapp=1" in response.url
    assert not Conversation.objects.exists() and whatsapp_api.sent == []


def test_with_consent_the_conversation_starts_with_the_template(
    alice, reachable, with_templates, whatsapp_api, clock
):
    consent.record(reachable, "whatsapp", granted=True, source="website_form")
    url = reverse("whatsapp_channel:contact_start", args=[reachable.public_id])
    order = with_templates["order_update"]

    with capture_events():
        data = {"template": order.public_id, "var.body.1": "Clara", "var.body.2": "4711"}
        response = signed_in(alice).post(url, data)

    conversation = Conversation.objects.get()
    assert response.url == reverse("conversation", args=[conversation.public_id])
    assert conversation.status == Status.WAITING and conversation.assigned_operator == alice
    assert conversation.connection.kind == "whatsapp"
    sent = whatsapp_api.sent[0]
    assert sent["type"] == "template" and sent["to"] == "4915123456789"
    first = conversation.messages.get()
    assert "Hallo Clara, Bestellung 4711 ist unterwegs." in first.body


def test_a_withdrawn_consent_refuses_again(alice, reachable, with_templates):
    consent.record(reachable, "whatsapp", granted=True, source="website_form")
    consent.record(reachable, "whatsapp", granted=False, source="operator")

    html = profile(signed_in(alice), reachable)

    assert "withdrew their consent" in html and "data-whatsapp-start-form" not in html


def test_free_text_cannot_start_a_whatsapp_conversation(alice, reachable, whatsapp):
    """The first message of a conversation the team starts on WhatsApp must be a template."""
    from messagecenter.transports.base import CapabilityRefused

    consent.record(reachable, "whatsapp", granted=True, source="website_form")
    with pytest.raises(CapabilityRefused):
        services.start_conversation_by_operator(
            reachable, whatsapp.widget, "Hallo!", actor=Actor.for_operator(alice),
            connection=whatsapp,
        )  # fmt: skip
