"""The messenger honours its widget's saved settings (widget editor): colour, position,
launcher and texts; the pre-chat form, whose answers fill the contact's details and choose
the group; the offline form when nobody can chat live; and, outside business hours with
"hide the launcher", no launcher at all."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.accounts import services as accounts
from messagecenter.administration import hours
from messagecenter.contacts.models import Visitor
from messagecenter.conversations.models import Conversation
from messagecenter.widgets import services as widgets
from tests.conftest import as_actor
from tests.webchat.helpers import eventually, open_messenger, snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def configure(widget, alice, **changes):
    widgets.update_widget(widget, actor=as_actor(alice), **changes)


def test_colour_position_launcher_and_texts_are_the_saved_ones(page, site, widget, alice):
    configure(
        widget, alice,
        accent_color="#e4572e", position="left", launcher_style="label",
        texts={
            "en": {
                "launcher": "Talk to us",
                "greeting": "Ahoy! Ask us anything.",
                "away": "We are all busy; we will write back today.",
            },
            "de": {"launcher": "Schreiben Sie uns"},
        },
    )  # fmt: skip
    page.goto(f"{site}/demo/?widget={widget.key}&lang=en")
    messenger = page.locator("message-center-messenger")
    launcher = messenger.get_by_role("button", name="Open chat")
    expect(launcher).to_contain_text("Talk to us")
    assert launcher.bounding_box()["x"] < 100  # bottom left
    launcher.click()

    expect(messenger.get_by_text("Ahoy! Ask us anything.")).to_be_visible()
    send = messenger.locator(".send")
    expect(send).to_have_css("background-color", "rgb(228, 87, 46)")
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("Hello?")
    composer.press("Enter")
    eventually(lambda: Conversation.objects.exists())
    # Nobody is available: the widget's asynchronous-mode text, not the default one.
    expect(messenger.get_by_text("We are all busy; we will write back today.")).to_be_visible()
    snapshot(messenger, "saved-settings")


def test_the_pre_chat_form_fills_the_contact_and_chooses_the_group(
    page, site, widget, alice, support_group
):
    sales = accounts.create_group(widget.account, "Sales")
    configure(
        widget, alice,
        prechat_fields={"name": "optional", "email": "required"},
        prechat_groups=[support_group.public_id, sales.public_id],
    )  # fmt: skip
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    start = messenger.get_by_role("button", name="Start chat")
    expect(messenger.get_by_role("textbox", name="Message")).to_be_hidden()

    start.click()
    expect(messenger.get_by_role("alert")).to_have_text("Please fill in this field.")
    messenger.get_by_label("Name").fill("Kim Kundin")
    messenger.get_by_label("E-mail *").fill("kim@example.com")
    messenger.get_by_label("Topic").select_option(label="Sales")
    start.click()

    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("I would like to buy a lamp.")
    composer.press("Enter")
    conversation = eventually(lambda: Conversation.objects.select_related("contact").first())
    assert conversation.assigned_group == sales
    contact = conversation.contact
    assert contact.name == "Kim Kundin"
    assert list(contact.identities.filter(kind="email").values_list("value", "verified_at")) == [
        ("kim@example.com", None)
    ]
    page.reload()  # asked once: a returning visitor goes straight to the chat
    expect(
        page.locator("message-center-messenger").get_by_text("I would like to buy a lamp.")
    ).to_be_visible()


def test_the_offline_form_asks_for_an_address_when_nobody_can_chat(page, site, widget, alice):
    configure(widget, alice, offline_form=True)  # nobody is online
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    expect(messenger.get_by_text("Leave your e-mail address")).to_be_visible()
    expect(messenger.get_by_label("E-mail *")).to_be_visible()


def test_outside_business_hours_hide_the_launcher_shows_none(page, site, widget, alice):
    """Hours on with no opening span: closed now. With "hide the launcher" the visitor sees
    no launcher once the messenger has connected; with "asynchronous" they do."""

    def closed(behaviour):
        hours.set_hours(
            widget, enabled=True, time_zone="Europe/Berlin", weekly={}, holidays=[],
            out_of_office=behaviour, message="", actor=as_actor(alice),
        )  # fmt: skip

    closed("async")
    page.goto(f"{site}/demo/?widget={widget.key}&lang=en")
    expect(
        page.locator("message-center-messenger").get_by_role("button", name="Open chat")
    ).to_be_visible()

    closed("hide")
    page.evaluate("localStorage.clear()")
    page.reload()
    eventually(lambda: Visitor.objects.count() >= 1)
    page.wait_for_timeout(300)  # the welcome frame has been applied
    expect(page.locator("message-center-messenger").locator(".launcher")).to_be_hidden()
