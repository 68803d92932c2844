"""The composer of an SMS conversation says what the reply costs ("2 SMS · GSM-7 ·
248/306"), live as the operator types, in message mode only; other channels show nothing.
The JS port (sms-segments.js) gives the same answer as segments.py for every case of the
shared table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from messagecenter.contacts.services import create_contact
from messagecenter.conversations import inbound, services
from messagecenter.core.actors import Actor
from messagecenter.transports import registry
from messagecenter.transports.base import InboundMessage
from messagecenter.widgets.models import ChannelConnection
from tests.browser_fixtures import ARTIFACTS, wait_until
from tests.transports.sms.test_segments import text_of
from tests.web.app.conftest import App

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASES = json.loads((Path(__file__).parent / "segment_cases.json").read_text())["cases"]


def assigned(received, alice):
    services.assign_operator(received.conversation, alice, actor=Actor.for_operator(alice))
    return received.conversation


def sms_conversation(widget, alice):
    connection = ChannelConnection.objects.create(
        account=widget.account, widget=widget, kind="sms", name="Acme",
        config={"account_sid": "AC" + "0" * 32, "phone_number": "+4930123456"},
        credentials={"auth_token": "t" * 32},
    )  # fmt: skip
    message = InboundMessage(body="Hallo", identity_kind="phone",
                             identity_value="+491701234567", provider_message_id="SM1")  # fmt: skip
    return assigned(inbound.receive(connection, message), alice)


def test_the_composer_counts_sms_segments(page, asgi_server, widget, alice):
    conversation = sms_conversation(widget, alice)
    shown = App(page, asgi_server, alice).open(f"/inbox/{conversation.public_id}/")
    counter = shown.locator("[data-segments]")
    expect(counter).to_be_hidden()

    shown.locator("[data-input]").fill("Hallo Kim")
    expect(counter).to_have_text("1 SMS · GSM-7 · 9/160")

    shown.locator("[data-input]").fill("a" * 248)
    expect(counter).to_have_text("2 SMS · GSM-7 · 248/306")

    shown.locator("[data-input]").fill("Grüße 😀")
    expect(counter).to_have_text("1 SMS · UCS-2 · 8/70")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "composer-sms-segments.png")

    shown.locator("label.composer__mode--note").click()  # a note costs nothing
    expect(counter).to_be_hidden()


def test_other_channels_show_no_count(page, asgi_server, widget, alice):
    connection = ChannelConnection.objects.get(widget=widget, kind="webchat")
    contact = create_contact(widget.account, name="Kim")
    frame = {"type": "message.send", "body": "Hallo", "client_id": "c-1"}
    parsed = registry.require("webchat").parse(connection, frame)
    conversation = assigned(inbound.receive(connection, parsed, contact=contact), alice)

    shown = App(page, asgi_server, alice).open(f"/inbox/{conversation.public_id}/")
    shown.locator("[data-input]").fill("Hallo Kim")

    expect(shown.locator("[data-segments]")).to_have_count(0)


def test_the_js_port_agrees_with_the_python_rules(page, asgi_server, widget, alice):
    conversation = sms_conversation(widget, alice)
    shown = App(page, asgi_server, alice).open(f"/inbox/{conversation.public_id}/")
    texts = [text_of(case) for case in CASES]

    shown.evaluate(
        """(texts) => import('/static/web/js/sms-segments.js').then(({ countSegments }) => {
             window.__segments = texts.map(countSegments);
           })""",
        texts,
    )
    wait_until(shown, "window.__segments !== undefined")
    counted = shown.evaluate("window.__segments")

    expected = [{k: case[k] for k in ("count", "encoding", "units", "capacity")} for case in CASES]
    assert counted == expected
