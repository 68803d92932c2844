"""All conversations in a real browser against a real server: filter, search while typing,
select all matching, a bulk assignment with its summary, and a row updating live."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.contacts.services import create_contact
from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation, Status
from messagecenter.core.actors import Actor
from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: F401
from tests.realtime.conftest import asgi_server, session_cookie  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def start(widget, name: str, body: str):
    contact = create_contact(
        widget.account, name=name, email=f"{name.split()[0].lower()}@example.com"
    )
    return services.start_conversation(widget, contact, body, actor=Actor.for_contact(contact))


def test_filter_search_select_all_matching_and_assign(page, asgi_server, alice, bob, widget):  # noqa: F811
    invoice = start(widget, "Ina Rechner", "Die Rechnung ist doppelt")
    second = start(widget, "Rolf Rechnung", "Wo bleibt das Paket?")  # found by the contact name
    parcel = start(widget, "Paula Paket", "Paket verloren")
    ended = start(widget, "Erna Ende", "Rechnung erledigt")
    services.assign_operator(ended, alice, actor=Actor.for_operator(alice))
    services.end_conversation(ended, actor=Actor.for_operator(alice))
    base = f"http://127.0.0.1:{asgi_server.port}"
    name, value = session_cookie(alice).split("=", 1)
    page.context.add_cookies([{"name": name, "value": value, "url": base}])
    rows = page.locator("#archive-rows tr")

    page.goto(f"{base}/conversations/")
    expect(page.get_by_role("heading", name="All conversations")).to_be_visible()
    expect(rows).to_have_count(4)

    # Filter: only active conversations (applies on change, kept in the URL).
    page.locator("#id_status").select_option("active")
    expect(rows).to_have_count(3)
    expect(page).to_have_url(f"{base}/conversations/?status=active")

    # Search while typing: message words and the contact's name, highlighted.
    page.locator("#id_q").fill("rechnung")
    expect(rows).to_have_count(2)
    expect(page.locator(f'tr[data-id="{invoice.public_id}"] mark')).to_have_text("Rechnung")
    expect(page.locator(f'tr[data-id="{second.public_id}"] mark')).to_have_text("Rechnung")
    expect(page.locator(f'tr[data-id="{parcel.public_id}"]')).to_have_count(0)
    assert "q=rechnung" in page.url and "status=active" in page.url

    # Tick one row: the action bar appears; then select everything the filter matches.
    expect(page.locator("#archive-actions")).to_be_hidden()
    page.locator(f'tr[data-id="{invoice.public_id}"] input[type=checkbox]').check()
    expect(page.locator("#archive-actions")).to_be_visible()
    expect(page.locator("#selected-count")).to_have_text("1")
    page.get_by_role("button", name="Select all matching the filter").click()
    expect(page.locator("#matching-note")).to_have_text(
        "All 2 conversations matching the filter are selected."
    )

    # Bulk assign to Bob: a job with progress and its summary.
    page.locator("#bulk-action").select_option("assign_operator")
    page.locator("#bulk-operator").select_option(bob.public_id)
    page.get_by_role("button", name="Apply to selection").click()
    expect(page.locator("#job-panel")).to_contain_text("2 done, 0 refused")
    expect(
        page.locator(f'tr[data-id="{invoice.public_id}"] [data-field=operator]')
    ).to_contain_text("Bob Builder")
    assigned = set(Conversation.objects.filter(assigned_operator=bob).values_list("pk", flat=True))
    assert assigned == {invoice.pk, second.pk}

    # A change made elsewhere shows up in the row without a reload.
    services.set_status(invoice, Status.WAITING, actor=Actor.for_operator(bob))
    expect(page.locator(f'tr[data-id="{invoice.public_id}"] [data-field=status]')).to_have_text(
        "Waiting"
    )
