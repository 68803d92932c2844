"""Connecting WhatsApp in a real browser against a real server and the fake Graph API: a
wrong token is said plainly, Test names the number, Connect shows the webhook set-up (URL and
verify token, never the token or the secret), Disconnect ends it; an operator sees a
contact's WhatsApp message live, the line for a new user id and the contact's reaction; the
composer says how long the 24-hour window is open."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from messagecenter.conversations.models import Message
from messagecenter.core.actors import Actor
from messagecenter.transports.whatsapp import inbound, setup
from messagecenter.widgets.models import ChannelConnection
from tests.browser_fixtures import ARTIFACTS
from tests.realtime.conftest import session_cookie
from tests.transports.whatsapp.fake_api import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    WABA_ID,
    sign,
)
from tests.transports.whatsapp.payloads import contact, message, text, value, webhook
from tests.web.app.conftest import App

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_test_and_disconnect_a_number(page, asgi_server, widget, alice, whatsapp_api):
    app = f"http://127.0.0.1:{asgi_server.port}"
    cookie = session_cookie(alice).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    page.goto(app + "/settings/channels/")

    page.locator("a[href*='/settings/channels/whatsapp/new/']").first.click()
    page.get_by_label("Phone number ID").fill(PHONE_NUMBER_ID)
    page.get_by_label("WhatsApp Business Account ID").fill(WABA_ID)
    page.get_by_label("Access token").fill("EAAG-a-token-whatsapp-does-not-know")
    page.get_by_label("App secret").fill(APP_SECRET)
    page.get_by_role("button", name="Test").click()
    expect(page.get_by_text("WhatsApp does not accept this access token")).to_be_visible()
    assert page.get_by_label("Access token").input_value() == ""  # never sent back
    assert page.get_by_label("App secret").input_value() == ""

    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_label("App secret").fill(APP_SECRET)
    page.get_by_role("button", name="Test").click()
    expect(page.get_by_text("it may send from +49 30 1234567 (Acme Support)")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "settings-whatsapp-test.png", full_page=True)

    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_label("App secret").fill(APP_SECRET)
    page.get_by_role("button", name="Connect channel").click()
    connection = ChannelConnection.objects.get(kind="whatsapp")
    expect(page.locator("[data-webhook-url]")).to_contain_text(
        f"/channels/whatsapp/{connection.public_id}/webhook"
    )
    expect(page.locator("[data-verify-token]")).to_have_text(connection.credentials["verify_token"])
    assert whatsapp_api.subscribed == {WABA_ID}
    assert TOKEN not in page.content() and APP_SECRET not in page.content()
    page.screenshot(path=ARTIFACTS / "settings-whatsapp-connected.png", full_page=True)

    page.get_by_role("link", name="All channels").click()
    row = page.locator("tr[data-kind=whatsapp]")
    expect(row).to_contain_text("+49 30 1234567")
    row.get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Disconnect").click()
    expect(page.locator("tr[data-kind=whatsapp]")).to_contain_text("Disconnected")
    assert whatsapp_api.subscribed == set()


def receive(connection, payload) -> None:
    """What the webhook and its job do with one POST."""
    body = json.dumps(payload).encode()
    row = inbound.accept(connection.public_id, {inbound.HEADER: sign(body)}, body)
    inbound.process(row.pk)


def test_a_message_and_a_new_user_id_show_live(page, asgi_server, widget, alice, whatsapp_api):
    connection = setup.connect(
        widget, phone_number_id=PHONE_NUMBER_ID, waba_id=WABA_ID, access_token=TOKEN,
        app_secret=APP_SECRET, actor=Actor.for_operator(alice),
    )  # fmt: skip
    receive(connection, text("wamid.B1", "Ist mein Paket unterwegs?"))
    conversation = Message.objects.get().conversation

    shown = App(page, asgi_server, alice).open(f"/inbox/{conversation.public_id}/")
    expect(shown.locator(".msg[data-seq='1']")).to_contain_text("Ist mein Paket unterwegs?")

    change = message("wamid.B2", None, type="system",
                     system={"type": "user_changed_user_id", "body": "changed",
                             "user_id": "DE.777"})  # fmt: skip
    receive(connection, webhook(("messages", value(messages=[change], contacts=[contact()]))))

    line = shown.locator(".event[data-kind=updated]")
    expect(line).to_contain_text("WhatsApp")
    expect(line).to_contain_text("DE.777")

    liked = message("wamid.B3", None, type="reaction", user_id="DE.777",
                    reaction={"message_id": "wamid.B1", "emoji": "👍"})  # fmt: skip
    reacted = value(messages=[liked], contacts=[contact(user_id="DE.777")])
    receive(connection, webhook(("messages", reacted)))
    expect(shown.locator(".msg[data-seq='1'] [data-reactions]")).to_contain_text("👍")
    assert Message.objects.count() == 1
    page.screenshot(path=ARTIFACTS / "whatsapp-identity-changed.png", full_page=True)


def test_the_composer_says_how_long_the_reply_window_is_open(
    page, asgi_server, widget, alice, whatsapp_api
):
    """GIVEN a WhatsApp conversation THEN the composer shows the time left of the 24-hour
    window; once the contact last wrote more than 24 hours ago it says the window has closed
    and a reply is refused with the reason."""
    from datetime import timedelta

    from messagecenter.conversations import services
    from messagecenter.conversations.models import Conversation
    from messagecenter.core import clock

    connection = setup.connect(
        widget, phone_number_id=PHONE_NUMBER_ID, waba_id=WABA_ID, access_token=TOKEN,
        app_secret=APP_SECRET, actor=Actor.for_operator(alice),
    )  # fmt: skip
    receive(connection, text("wamid.W1", "Hallo"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))

    shown = App(page, asgi_server, alice).open(f"/inbox/{conversation.public_id}/")
    window = shown.locator("[data-reply-window]")
    expect(window).to_contain_text("WhatsApp reply window: 23 h 59 min left")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "whatsapp-reply-window-open.png", full_page=True)

    Conversation.objects.filter(pk=conversation.pk).update(
        last_contact_activity_at=clock.now() - timedelta(hours=25)
    )
    page.reload()
    expect(window).to_have_attribute("data-open", "no")
    expect(window).to_contain_text("The WhatsApp reply window has closed")
    page.locator("[data-input]").fill("Sind Sie noch da?")
    page.locator("[data-send]").click()
    expect(page.get_by_text("The reply window of WhatsApp has closed")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "whatsapp-reply-window-closed.png", full_page=True)
    assert whatsapp_api.sent == []


def test_a_template_from_the_picker_with_preview_after_the_window_closed(
    page, asgi_server, widget, alice, whatsapp_api
):
    """GIVEN a WhatsApp conversation whose window has closed THEN the composer says to type
    !, the picker lists the approved template first, its form comes pre-filled from the
    contact with a live preview and the cost, and sending it shows the message marked as a
    template; the contact's number got a template message, no text."""
    from datetime import timedelta

    from messagecenter.conversations import services
    from messagecenter.conversations.models import Conversation
    from messagecenter.core import clock
    from messagecenter.transports.whatsapp import templates

    whatsapp_api.add_template("order_update", "Hallo {{1}}, Ihre Bestellung {{2}} ist unterwegs.",
                              footer="Acme Support")  # fmt: skip
    whatsapp_api.add_template("spring_sale", "Neu im Shop", category="MARKETING", status="PAUSED")
    connection = setup.connect(
        widget, phone_number_id=PHONE_NUMBER_ID, waba_id=WABA_ID, access_token=TOKEN,
        app_secret=APP_SECRET, actor=Actor.for_operator(alice),
    )  # fmt: skip
    templates.sync(connection)
    receive(connection, text("wamid.T1", "Wo bleibt meine Bestellung?"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    Conversation.objects.filter(pk=conversation.pk).update(
        last_contact_activity_at=clock.now() - timedelta(hours=25)
    )

    shown = App(page, asgi_server, alice).open(f"/inbox/{conversation.public_id}/")
    expect(shown.locator("[data-reply-window]")).to_contain_text("type ! to send an approved")
    page.locator("[data-input]").fill("!order")
    picker = page.locator("[data-picker]")
    expect(picker).to_contain_text("WhatsApp templates")
    expect(picker).to_contain_text("order_update · de")
    expect(picker).not_to_contain_text("spring_sale")  # paused: not offered
    page.keyboard.press("Enter")

    dialog = page.locator("#wa-template-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-template-costs]")).to_contain_text("costs money")
    first = dialog.locator("[data-variable='body.1']")
    expect(first).to_have_value("Kim Berg")
    preview = dialog.locator("[data-template-preview]")
    expect(preview).to_contain_text("Hallo Kim Berg, Ihre Bestellung {{2}} ist unterwegs.")
    expect(preview).to_contain_text("Acme Support")
    dialog.get_by_role("button", name="Send template").click()
    expect(dialog.locator("[data-template-error]")).to_contain_text("Fill in every variable")
    dialog.locator("[data-variable='body.2']").fill("4711")
    expect(preview).to_contain_text("Ihre Bestellung 4711 ist unterwegs.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "whatsapp-template-form.png", full_page=True)
    dialog.get_by_role("button", name="Send template").click()

    expect(dialog).to_be_hidden()
    sent = shown.locator(".msg[data-seq] [data-template]")
    expect(sent).to_contain_text("Template")
    expect(shown.locator(".msg--operator").last).to_contain_text("Ihre Bestellung 4711")
    page.screenshot(path=ARTIFACTS / "whatsapp-template-sent.png", full_page=True)
    assert [m["type"] for m in whatsapp_api.sent] == ["template"]
    assert whatsapp_api.sent[0]["template"]["components"][0]["parameters"][1]["text"] == "4711"


def test_starting_from_the_profile_needs_a_consent_then_a_template(
    page, asgi_server, widget, alice, contact, whatsapp_api
):
    """GIVEN a contact with a phone number and no consent THEN the profile's WhatsApp dialog
    says why it cannot start and records a consent (source, time); then it offers the
    approved template with its preview, and Send and open lands in the new conversation."""
    from messagecenter.contacts.models import ContactConsent
    from messagecenter.contacts.services import add_identity
    from messagecenter.transports.whatsapp import templates

    add_identity(contact, "phone", "+4915123456789")
    whatsapp_api.add_template("appointment", "Hallo {{1}}, Ihr Termin ist am {{2}}.")
    connection = setup.connect(
        widget, phone_number_id=PHONE_NUMBER_ID, waba_id=WABA_ID, access_token=TOKEN,
        app_secret=APP_SECRET, actor=Actor.for_operator(alice),
    )  # fmt: skip
    templates.sync(connection)

    shown = App(page, asgi_server, alice).open(f"/contacts/{contact.public_id}/")
    shown.locator("[data-whatsapp-start]").click()
    dialog = shown.locator("#whatsapp-dialog")
    expect(dialog.locator("[data-whatsapp-refused]")).to_contain_text("agreed to it")
    dialog.get_by_label("Where the contact agreed").select_option("phone_call")
    dialog.get_by_label("Note (optional)").fill("Rückruf am Montag")
    dialog.get_by_role("button", name="Record consent").click()

    expect(dialog).to_be_visible()  # reopened with the template form
    expect(dialog.locator("[data-consent-state]")).to_contain_text("(Phone call)")
    assert ContactConsent.objects.get().source == "phone_call"
    preview = dialog.locator("[data-template-preview]")
    expect(dialog.locator("[data-variable='body.1']")).to_have_value("Clara Kundin")
    dialog.locator("[data-variable='body.2']").fill("12. März")
    expect(preview).to_contain_text("Hallo Clara Kundin, Ihr Termin ist am 12. März.")
    expect(dialog.locator("[data-template-costs]")).to_contain_text("costs money")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "whatsapp-profile-start.png", full_page=True)
    dialog.get_by_role("button", name="Send and open").click()

    expect(page.locator(".msg--operator").last).to_contain_text("Ihr Termin ist am 12. März.")
    assert "/inbox/" in page.url
    assert whatsapp_api.sent[0]["type"] == "template"
    assert whatsapp_api.sent[0]["to"] == "4915123456789"
