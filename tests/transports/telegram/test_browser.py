"""Connecting Telegram in a real browser against a real server and the fake Bot API: a wrong
token is said plainly, Test names the bot, Connect lists it, Disconnect ends it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.conversations.models import Message
from messagecenter.core.actors import Actor
from messagecenter.transports.telegram import inbound, setup
from messagecenter.widgets.models import ChannelConnection
from tests.browser_fixtures import ARTIFACTS
from tests.realtime.conftest import session_cookie
from tests.transports.telegram.fake_api import TOKEN
from tests.transports.telegram.updates import edit, update
from tests.web.app.conftest import App

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_test_and_disconnect_a_bot(page, asgi_server, widget, alice, telegram_api):
    app = f"http://127.0.0.1:{asgi_server.port}"
    cookie = session_cookie(alice).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    page.goto(app + "/settings/channels/")

    page.get_by_role("link", name="Telegram").first.click()
    page.get_by_label("Bot token").fill("7000009:AAZ-unknown_token_telegram_does_not_know")
    page.get_by_role("button", name="Test").click()
    expect(page.get_by_text("Telegram does not know this token")).to_be_visible()
    assert page.get_by_label("Bot token").input_value() == ""  # never sent back

    page.get_by_label("Bot token").fill(TOKEN)
    page.get_by_role("button", name="Test").click()
    expect(page.get_by_text("it belongs to @acme_support_bot")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "settings-telegram-test.png", full_page=True)

    page.get_by_label("Bot token").fill(TOKEN)
    page.get_by_role("button", name="Connect channel").click()
    row = page.locator("tr[data-kind=telegram]")
    expect(row).to_contain_text("@acme_support_bot")
    connection = ChannelConnection.objects.get(kind="telegram")
    assert (
        telegram_api.bots[TOKEN]
        .webhook["url"]
        .endswith(f"/channels/telegram/{connection.public_id}/webhook")
    )
    assert TOKEN not in page.content()

    row.get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Disconnect").click()
    expect(page.locator("tr[data-kind=telegram]")).to_contain_text("Disconnected")
    assert telegram_api.bots[TOKEN].webhook == {}


def receive(connection, data) -> None:
    """What the webhook and its job do with one update."""
    import json

    row = inbound.accept(
        connection.public_id,
        {inbound.HEADER: connection.credentials["webhook_secret"]},
        json.dumps(data).encode(),
    )
    inbound.process(row.pk)


def test_a_contacts_edit_shows_live_with_the_earlier_version(
    page, asgi_server, widget, alice, telegram_api
):
    connection = setup.connect(widget, TOKEN, actor=Actor.for_operator(alice))
    receive(connection, update(1, 11, "Ich komme um 10 Uhr"))
    conversation = Message.objects.get().conversation

    shown = App(page, asgi_server, alice).open(f"/inbox/{conversation.public_id}/")
    bubble = shown.locator(".msg[data-seq='1']")
    expect(bubble).to_contain_text("Ich komme um 10 Uhr")
    expect(bubble.locator("[data-edited]")).to_have_count(0)

    receive(connection, edit(2, 11, "Ich komme um 11 Uhr"))

    expect(bubble.locator(".msg__body")).to_contain_text("Ich komme um 11 Uhr")
    marker = bubble.locator("[data-edited]")
    expect(marker).to_contain_text("edited")
    marker.locator("summary").click()
    expect(marker.locator(".msg__revisions li")).to_have_count(1)
    expect(marker.locator(".msg__revisions")).to_contain_text("Ich komme um 10 Uhr")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "telegram-edited-message.png", full_page=True)

    page.reload()
    expect(page.locator(".msg[data-seq='1'] [data-edited]")).to_contain_text("edited")
