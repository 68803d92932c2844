"""The whole product in two browsers: a contact on the demo host page and an operator in the
Message Center talk live both ways (issue "Live messaging", Done when)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.conversations.models import Conversation, Status
from tests.browser_fixtures import (  # noqa: F401
    browser,
    page,
    pytest_runtest_makereport,
)
from tests.helpers import go_online
from tests.realtime.conftest import asgi_server, session_cookie  # noqa: F401
from tests.webchat.helpers import eventually, open_messenger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contact_and_operator_in_two_browsers(browser, page, asgi_server, widget, alice):  # noqa: F811
    base = f"http://127.0.0.1:{asgi_server.port}"
    widget.allowed_origins = [base]
    widget.save()
    go_online(alice)  # alice has a tab open (the operator browser below opens another)

    # The operator's browser: signed in, on the inbox.
    operator_context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    operator_context.set_default_timeout(10_000)
    name, value = session_cookie(alice).split("=", 1)
    operator_context.add_cookies([{"name": name, "value": value, "url": base}])
    operator = operator_context.new_page()
    operator.goto(f"{base}/inbox/")

    # The contact's browser: the demo shop with the messenger.
    messenger = open_messenger(page, f"{base}/demo/?widget={widget.key}&lang=en")
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("Hallo, mein Paket ist nicht angekommen.")
    composer.press("Enter")

    # Routed to alice (available, free slot): it appears in her inbox live, LIVE.
    row = operator.locator(".row", has_text="mein Paket ist nicht angekommen")
    expect(row).to_be_visible()
    conversation = eventually(lambda: Conversation.objects.filter(is_live=True).first())
    assert conversation.assigned_operator == alice and conversation.status == Status.OPEN
    row.click()
    expect(
        operator.locator(".timeline", has_text="mein Paket ist nicht angekommen")
    ).to_be_visible()

    reply = operator.get_by_label("Message or note")
    reply.fill("Das tut mir leid, ich sehe **sofort** nach.")
    reply.press("Enter")
    expect(messenger.locator(".bubble strong", has_text="sofort")).to_be_visible()

    composer.fill("Danke!")
    composer.press("Enter")
    expect(operator.locator(".timeline", has_text="Danke!")).to_be_visible()
    operator_context.close()
