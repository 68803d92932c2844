"""Connecting SMS in a real browser against a real server and the fake Twilio: a wrong auth
token is said plainly, Test names the account, Connect lists the number, log-only mode is
explained on the page, Disconnect ends it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.widgets.models import ChannelConnection
from tests.browser_fixtures import ARTIFACTS
from tests.realtime.conftest import session_cookie
from tests.transports.sms.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, NUMBER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill(page, token: str) -> None:
    page.get_by_label("Account SID").fill(ACCOUNT_SID)
    page.get_by_label("Auth token", exact=True).fill(token)
    page.get_by_label("Phone number").fill(NUMBER)


def test_connect_test_and_disconnect_a_number(page, asgi_server, widget, alice, twilio_api):
    app = f"http://127.0.0.1:{asgi_server.port}"
    cookie = session_cookie(alice).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    page.goto(app + "/settings/channels/")

    page.get_by_role("link", name="SMS").first.click()
    fill(page, "e" * 32)
    page.get_by_role("button", name="Test").click()
    refused = "Twilio does not accept this account SID and auth token"
    expect(page.get_by_text(refused)).to_be_visible()
    assert page.get_by_label("Auth token", exact=True).input_value() == ""  # never sent back

    page.get_by_label("Auth token", exact=True).fill(AUTH_TOKEN)
    page.get_by_role("button", name="Test").click()
    expect(page.get_by_text("Twilio accepts the settings")).to_contain_text("Acme Support")
    assert twilio_api.sms_url(NUMBER) == ""  # a test changes nothing at Twilio
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "settings-sms-test.png", full_page=True)

    page.get_by_label("Auth token", exact=True).fill(AUTH_TOKEN)
    page.get_by_role("button", name="Connect channel").click()
    row = page.locator("tr[data-kind=sms]")
    expect(row).to_contain_text(NUMBER)
    assert AUTH_TOKEN not in page.content()

    row.get_by_role("link", name="Edit").click()
    connection = ChannelConnection.objects.get(kind="sms")
    assert twilio_api.sms_url(NUMBER).endswith(f"/channels/sms/{connection.public_id}/inbound")
    expect(page.locator("[data-inbound-url]")).to_have_text(
        f"https://support.acme.test/channels/sms/{connection.public_id}/inbound"
    )
    page.get_by_label("Log-only mode (roll-out)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-log-only]")).to_contain_text("still accepted")
    page.screenshot(path=ARTIFACTS / "settings-sms-log-only.png", full_page=True)

    page.get_by_role("button", name="Disconnect").click()
    expect(page.locator("tr[data-kind=sms]")).to_contain_text("Disconnected")
    assert twilio_api.sms_url(NUMBER) == ""
