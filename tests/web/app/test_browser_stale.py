"""The conversation page follows changes made elsewhere (another operator, a $command, the
API's services) without a reload: header, sidebar and inbox row show the new contact details."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.contacts import services as contacts
from messagecenter.conversations.commands import run_command
from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from tests.browser_fixtures import wait_until
from tests.helpers import conversation_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HELLO = """addEventListener("mc:event", (event) => {
  if (event.detail.type === "hello") window.__hello = true;
});"""


def open_conversation(app, conversation):
    app.page.add_init_script(HELLO)
    page = app.open(f"/inbox/{conversation.public_id}/")
    wait_until(page, "window.__hello === true")
    return page


def test_a_contact_changed_elsewhere_shows_in_header_and_sidebar(
    app_for, alice, bob, widget, contact
):
    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    page = open_conversation(app_for(alice), conversation)
    expect(page.locator("#conv-title")).to_have_text("Clara Kundin")

    contacts.update_contact(
        contact, actor=Actor.for_operator(bob), name="Berta Neumann", email="berta@example.com"
    )

    expect(page.locator("#conv-title")).to_have_text("Berta Neumann")
    expect(page.locator("#conv-avatar")).to_have_text("B")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Berta Neumann")
    expect(page.get_by_label("E-mail", exact=True)).to_have_value("berta@example.com")
    row = page.locator(f".row[data-id='{conversation.public_id}']")
    expect(row.locator(".row__name")).to_have_text("Berta Neumann")


def test_a_name_command_of_a_colleague_shows_at_once(app_for, alice, bob, widget, contact):
    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    page = open_conversation(app_for(alice), conversation)

    run_command(conversation, "$name Klara Kundig", actor=Actor.for_operator(bob))

    expect(page.locator("#conv-title")).to_have_text("Klara Kundig")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Klara Kundig")


def test_a_change_elsewhere_waits_while_i_edit_the_contact(app_for, alice, bob, widget, contact):
    """GIVEN Alice typing in the contact form
    WHEN a colleague changes the contact meanwhile
    THEN her typing is not replaced; the panel catches up once she leaves the form."""
    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    app = app_for(alice)
    app.page.add_init_script(
        'window.__frames = []; addEventListener("mc:event", (e) => __frames.push(e.detail.type));'
    )
    app.page.clock.install()
    page = open_conversation(app, conversation)
    phone = page.get_by_label("Phone", exact=True)
    phone.fill("+49 30 1234")

    contacts.update_contact(contact, actor=Actor.for_operator(bob), name="Berta Neumann")
    wait_until(page, "window.__frames.includes('contact.changed')")
    page.clock.run_for(2_000)  # past the refresh's debounce

    expect(phone).to_have_value("+49 30 1234")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Clara Kundin")
    page.locator("#timeline").click()  # leaves the form
    page.clock.run_for(2_000)
    expect(page.get_by_label("Name", exact=True)).to_have_value("Berta Neumann")
    expect(page.locator("#conv-title")).to_have_text("Berta Neumann")
