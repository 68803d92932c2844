"""Live pages stay live through a whole shift (item: the inbox stopped updating after a minute).

Each page is opened on a clock the test drives (Playwright's ``page.clock``, installed before
navigation), kept open across simulated minutes and hours, and must then still apply live
updates. The updates are caused by real server-side actions (services called from the test)
and travel over the page's real WebSocket.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.accounts.models import Presence
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import notes, presence, services
from messagecenter.core.actors import Actor
from tests.browser_fixtures import wait_until
from tests.helpers import contact_opens_messenger, conversation_in, go_online, start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINUTE = 60_000
HOUR = 60 * MINUTE
# Records every page error and the type of every socket frame the page's modules see.
SPY = """
window.__errors = [];
window.__frames = [];
addEventListener("error", (event) => window.__errors.push(String(event.message)));
addEventListener("unhandledrejection", (event) => window.__errors.push(String(event.reason)));
addEventListener("mc:event", (event) => window.__frames.push(event.detail.type));
"""


def open_for_a_shift(app, path: str):
    """Open ``path`` on a controllable clock and wait until its socket said hello."""
    page = app.page
    page.add_init_script(SPY)
    page.clock.install()
    app.open(path)
    wait_until(page, "window.__frames.includes('hello')")
    return page


def work_a_shift(page, hours: int = 8) -> None:
    """Minutes tick by one at a time (every relative time changes), then the rest of a shift."""
    for _ in range(3):
        page.clock.run_for(MINUTE)
    page.clock.fast_forward(hours * HOUR)
    page.clock.run_for(2 * MINUTE)


def no_page_errors(page) -> None:
    assert page.evaluate("window.__errors") == []


def test_inbox_applies_live_updates_after_a_shift(app_for, alice, widget, contact, account):
    """GIVEN Alice's inbox open with one of her conversations
    WHEN hours pass (every row's relative time ticks over)
    THEN a second message of the contact still updates the row, and a new LIVE chat routed
    to her still appears."""
    go_online(alice)
    mine = conversation_in("open", widget, contact, alice)
    page = open_for_a_shift(app_for(alice), "/inbox/?tab=mine")
    row = page.locator(f".row[data-id='{mine.public_id}']")
    expect(row).to_be_visible()

    work_a_shift(page)
    services.post_contact_message(mine, "Zweite Nachricht", actor=Actor.for_contact(contact))
    expect(row.locator(".row__text")).to_have_text("Zweite Nachricht")

    newcomer = create_contact(account, name="Nora Neu")
    contact_opens_messenger(newcomer)
    routed = start(widget, newcomer, "Ich bin neu hier")
    assert routed.assigned_operator_id == alice.pk
    fresh = page.locator(f".row[data-id='{routed.public_id}']")
    expect(fresh).to_contain_text("Nora Neu")
    expect(fresh.locator(".live-label")).to_have_text("LIVE")
    no_page_errors(page)


def test_conversation_applies_live_updates_after_a_shift(app_for, alice, bob, widget, contact):
    """GIVEN Alice's conversation open (timeline, inbox list, header)
    WHEN hours pass
    THEN the contact's next message still lands in the timeline and in the list row, and an
    assignment made elsewhere still changes the header."""
    go_online(alice)
    mine = conversation_in("open", widget, contact, alice)
    page = open_for_a_shift(app_for(alice), f"/inbox/{mine.public_id}/")
    expect(page.locator(".msg--contact", has_text="Noch eine Frage")).to_be_visible()

    work_a_shift(page)
    services.post_contact_message(mine, "Sind Sie noch da?", actor=Actor.for_contact(contact))

    expect(page.locator(".msg--contact", has_text="Sind Sie noch da?")).to_be_visible()
    row = page.locator(f".row[data-id='{mine.public_id}']")
    expect(row.locator(".row__text")).to_have_text("Sind Sie noch da?")
    # Alice hands it to Bob from another tab (an operator may not take a teammate's).
    services.assign_operator(mine, bob, actor=Actor.for_operator(alice))
    expect(page.locator("[data-conv-assignee]")).to_have_text("Bob Builder")
    no_page_errors(page)


def test_notifications_page_applies_live_updates_after_a_shift(
    app_for, alice, bob, widget, contact
):
    page = open_for_a_shift(app_for(alice), "/notifications/")
    expect(page.get_by_role("heading", name="No notifications yet")).to_be_visible()

    work_a_shift(page)
    conversation = start(widget, contact)  # nobody available: unassigned, tells the group
    notes.add_note(conversation, "@alice kannst du übernehmen?", actor=Actor.for_operator(bob))

    expect(page.locator(".notification", has_text="Bob Builder mentioned you")).to_be_visible()
    expect(page.locator("#badge-notifications")).to_contain_text("2")
    no_page_errors(page)


def test_operators_page_applies_live_updates_after_a_shift(app_for, alice, bob):
    page = open_for_a_shift(app_for(alice), "/operators/")
    bobs = page.locator(f'tr[data-operator="{bob.public_id}"]')
    expect(bobs.locator("[data-status]")).to_have_text("Offline")

    work_a_shift(page)
    go_online(bob)

    expect(bobs.locator("[data-status]")).to_have_text("Online")
    presence.set_operator_presence(bob, Presence.AWAY, actor=Actor.for_operator(bob))
    expect(bobs.locator("[data-status]")).to_have_text("Away")
    no_page_errors(page)


def test_home_applies_live_updates_after_a_shift(app_for, alice, widget, contact):
    go_online(alice)
    page = open_for_a_shift(app_for(alice), "/")
    expect(page.locator("[data-stat=unassigned]")).to_have_text("0")

    work_a_shift(page)
    presence.set_operator_presence(alice, Presence.AWAY, actor=Actor.for_operator(alice))
    start(widget, contact)  # nobody available: it waits in Unassigned

    expect(page.locator("[data-stat=unassigned]")).to_have_text("1")
    no_page_errors(page)
