"""Settings › Chat tools in a real browser: create a macro, then see the page in both
languages (screenshots in test-artifacts/)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.accounts.services import update_profile
from messagecenter.core.actors import Actor
from messagecenter.macros import services as macros
from tests.browser_fixtures import ARTIFACTS
from tests.realtime.conftest import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def app(asgi_server):
    return f"http://127.0.0.1:{asgi_server.port}"


def open_as(page, app, operator, path):
    cookie = session_cookie(operator).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    page.goto(app + path)


def test_create_a_macro_and_see_chat_tools_in_both_languages(page, app, account, alice):
    who = Actor.for_operator(alice)
    group = macros.create_group(account, "Greetings", actor=who)
    macros.create_macro(
        account, actor=who, name="Prices", kind="push", url="https://shop.example/prices"
    )
    open_as(page, app, alice, "/settings/chat-tools/")

    page.get_by_role("link", name="New chat macro").click()
    page.get_by_label("Name").fill("Hello")
    page.get_by_label("Group").select_option(group.public_id)
    page.get_by_label("Text in English").fill("Hello {contact.name}!")
    page.get_by_label("Text in German").fill("Hallo {contact.name}!")
    page.get_by_role("button", name="Save macro").click()

    expect(page.locator('tr[data-macro="Hello"]')).to_contain_text("Greetings")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "settings-chat-tools-en.png", full_page=True)

    update_profile(alice, actor=who, language="de")
    page.reload()
    expect(page.get_by_role("heading", name="Chat-Makros")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "settings-chat-tools-de.png", full_page=True)
