"""The Analytics page in a real browser: charts drawn by uPlot from their tables, the Table
view toggle (keyboard), and a period change that reloads the numbers; no CSP violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.contacts.services import create_contact
from messagecenter.conversations import services
from messagecenter.core.actors import Actor
from tests.browser_fixtures import ARTIFACTS
from tests.helpers import start
from tests.realtime.conftest import asgi_server, session_cookie  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_period_change_and_table_view(page, asgi_server, alice, widget, account):  # noqa: F811
    conversation = start(widget, create_contact(account, name="Kim"), "Hallo")
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    services.post_operator_message(conversation, "Guten Tag", actor=Actor.for_operator(alice))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    app = f"http://127.0.0.1:{asgi_server.port}"
    cookie = session_cookie(alice).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    page.goto(app + "/analytics/")
    expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
    day = page.locator('[data-chart="day"]')
    expect(day.locator(".uplot canvas")).to_have_count(1)
    table = day.locator("[data-table-view]")
    expect(table).to_be_hidden()

    toggle = day.get_by_role("button", name="Table view")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(table).to_be_visible()
    expect(day.get_by_role("button", name="Chart view")).to_have_attribute("aria-pressed", "true")
    expect(table.locator("tbody tr")).to_have_count(30)

    page.get_by_label("Period").select_option("7")
    page.wait_for_url("**period=7**")
    expect(page.locator("[data-chart=day] [data-table-view] tbody tr")).to_have_count(7)
    expect(page.locator('[data-chart="heat"] table')).to_be_visible()
    assert errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.screenshot(path=str(ARTIFACTS / "analytics.png"), full_page=False)
