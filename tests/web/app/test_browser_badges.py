"""The shell's counters stay exact from events alone (issue "Speed", item 3): the page gets
counts from one aggregate query, then moves them by each conversation.changed's before/after
state. The test walks a conversation through every inbox state and checks the numbers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.contacts.services import create_contact
from messagecenter.conversations import services
from messagecenter.core.actors import Actor
from tests.helpers import go_online, start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _counts(page, mine, unassigned, badge, slots):
    expect(page.locator("[data-count=mine]")).to_have_text(str(mine))
    expect(page.locator("[data-count=unassigned]")).to_have_text(str(unassigned))
    if badge:
        expect(page.locator("#badge-inbox")).to_contain_text(str(badge))
    else:
        expect(page.locator("#badge-inbox")).to_be_hidden()
    expect(page.locator("[data-slots-used]").first).to_have_text(str(slots))


def test_badges_follow_each_change_exactly(app_for, alice, bob, account, widget, asgi_server):
    first = start(widget, create_contact(account, name="Erste"))
    page = app_for(alice).open("/inbox/")
    _counts(page, mine=0, unassigned=1, badge=1, slots=0)
    me = Actor.for_operator(alice)

    second = start(widget, create_contact(account, name="Zweite"))
    _counts(page, mine=0, unassigned=2, badge=2, slots=0)
    services.assign_operator(first, alice, actor=me)  # NEW and mine: owes a reply
    _counts(page, mine=1, unassigned=1, badge=2, slots=0)
    services.post_operator_message(first, "Hallo!", actor=me)  # WAITING: no longer owed
    _counts(page, mine=1, unassigned=1, badge=1, slots=0)
    services.assign_operator(second, bob, actor=Actor.for_operator(bob))  # not mine any more
    _counts(page, mine=1, unassigned=0, badge=0, slots=0)
    services.end_conversation(first, actor=me)
    _counts(page, mine=0, unassigned=0, badge=0, slots=0)
    services.post_contact_message(first, "Doch noch was", actor=Actor.for_contact(first.contact))
    _counts(page, mine=1, unassigned=0, badge=1, slots=0)  # the contact reopened it: OPEN
    go_online(bob)
    go_online(alice)
    page.reload()
    _counts(page, mine=1, unassigned=0, badge=1, slots=0)  # the server's own count agrees
