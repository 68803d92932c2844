"""A custom channel made in a real browser against a real server: the secrets shown once work
for a signed inbound POST, and the operator's reply shows up in the channel's delivery log."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import expect

from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation
from messagecenter.core import clock, webhooks
from messagecenter.core.actors import Actor
from tests.browser_fixtures import ARTIFACTS, wait_until
from tests.realtime.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_channel_receive_a_message_and_read_the_delivery_log(
    page, asgi_server, widget, alice, custom_receiver
):
    app = f"http://127.0.0.1:{asgi_server.port}"
    cookie = session_cookie(alice).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    page.goto(app + "/settings/custom-channels/")

    page.get_by_role("link", name="New custom channel").first.click()
    page.get_by_label("Name").fill("Shop app")
    page.get_by_label("Icon").select_option("phone")
    page.get_by_label("Webhook URL").fill(custom_receiver.url)
    page.get_by_label("Maximum text length").fill("500")
    page.get_by_role("button", name="Create channel").click()

    expect(page.get_by_role("heading", name="“Shop app” is ready")).to_be_visible()
    secret = page.locator("#inbound-secret").inner_text().strip()
    inbound = urlparse(page.locator("#inbound-url").inner_text().strip()).path
    assert secret.startswith("whsec_") and page.locator("#signing-secret").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "settings-custom-channel-secrets.png", full_page=True)

    body = json.dumps(
        {"id": "m-1", "contact": {"id": "u-1", "name": "Kim"}, "text": "Hallo aus der App"}
    ).encode()
    answer = httpx.post(
        app + inbound,
        content=body,
        headers={
            "content-type": "application/json",
            **webhooks.sign(secret, "e1", clock.now(), body),
        },
    )
    assert answer.status_code == 200, answer.text
    conversation = Conversation.objects.get(public_id=answer.json()["conversation"])
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    services.post_operator_message(conversation, "Gern geschehen", actor=me)

    page.get_by_role("link", name="I have copied them").click()
    page.get_by_role("link", name="Delivery log").click()
    wait_until(page, "document.querySelectorAll('#delivery-log tbody tr').length === 1")
    row = page.locator("#delivery-log tbody tr")
    expect(row).to_contain_text(conversation.public_id)
    expect(row).to_contain_text("Sent")
    expect(row).to_contain_text("2xx")
    assert [p["text"] for p in custom_receiver.accepted()] == ["Gern geschehen"]
    page.screenshot(path=ARTIFACTS / "settings-custom-channel-log.png", full_page=True)
