"""Settings › Webhooks in a real browser against a real server: create a webhook (secret
shown once), an event reaches the local receiver signed, the delivery log shows it with its
body and attempts, and Replay sends it again with the same webhook-id; keyboard only for the
log's details."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.contacts.services import create_contact
from tests.browser_fixtures import ARTIFACTS
from tests.helpers import start
from tests.realtime.conftest import asgi_server, session_cookie  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_webhook_read_its_log_and_replay(
    page,
    asgi_server,  # noqa: F811
    alice,
    widget,
    account,
    receiver,
):
    app = f"http://127.0.0.1:{asgi_server.port}"
    cookie = session_cookie(alice).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    page.goto(app + "/settings/")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name="New webhook").first.click()

    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("CRM sync")
    page.get_by_label("conversation.started", exact=False).check()
    page.get_by_role("button", name="Create webhook").click()

    expect(page.get_by_role("heading", name="The webhook is ready")).to_be_visible()
    receiver.secret = page.locator("#webhook-secret").inner_text().strip()
    assert receiver.secret.startswith("whsec_")
    page.get_by_role("link", name="I have copied it").click()

    conversation = start(widget, create_contact(account, name="Kim"), "Hallo aus dem Browser")
    # Jobs run at once in tests: the write's commit drained the outbox and sent.
    assert {"conversation.started", "message.created"} <= set(receiver.accepted_types())
    assert receiver.forged == 0

    page.get_by_role("link", name="Delivery log").click()
    rows = page.locator("#delivery-log tbody tr")
    expect(rows.first).to_be_visible()
    row = page.locator("#delivery-log tbody tr", has_text="conversation.started")
    expect(row).to_contain_text("Delivered")
    # Keyboard: focus the row's details and open them with Enter.
    summary = row.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(row.locator("pre")).to_contain_text(conversation.public_id)
    expect(row.locator(".attempts")).to_contain_text("HTTP 200")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "settings-webhooks-log.png", full_page=True)

    sent_before = len(receiver.requests)
    row.get_by_role("button", name="Replay").click()
    expect(page.get_by_text("Sent again: the receiver accepted it.")).to_be_visible()
    assert len(receiver.requests) == sent_before + 1
    assert receiver.duplicates == 1  # same webhook-id: the receiver dropped the copy

    page.goto(app + "/settings/webhooks/")
    listed = page.locator("#webhooks tbody tr", has_text="CRM sync")
    expect(listed.locator("[data-health]")).to_have_text("Healthy")
    page.screenshot(path=ARTIFACTS / "settings-webhooks.png", full_page=True)

    # Switch it off from its page, with the keyboard.
    listed.get_by_role("link", name="Edit").click()
    disable = page.get_by_role("button", name="Disable")
    disable.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("The webhook is disabled: nothing is sent to it.")).to_be_visible()
    expect(page.locator("#webhook-health-heading [data-health]")).to_have_text("Disabled")
    page.screenshot(path=ARTIFACTS / "settings-webhook-edit.png", full_page=True)
