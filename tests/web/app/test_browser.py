"""The operator app in a real browser against a real server (R-NAV, R-INBOX, R-CONV)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Role
from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation, Status
from messagecenter.core.actors import Actor
from tests.helpers import conversation_in
from tests.realtime.conftest import receive, send
from tests.web.app.conftest import reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_navigation_entry_opens_a_page(app_for, alice):
    app = app_for(alice)
    page = app.open("/")
    entries = ["inbox", "archive", "contacts", "operators", "notifications", "campaigns",
               "analytics", "settings", "help", "home"]  # fmt: skip

    for key in entries:
        with page.expect_navigation() as navigation:
            page.locator(f"[data-nav={key}]").click()
        assert navigation.value.status == 200, key
        expect(page.locator("[data-nav=inbox]")).to_be_visible()  # the shell is on every page
    for key in ("home", "inbox", "campaigns", "analytics", "help"):
        page.locator(f"[data-nav={key}]").click()
        expect(page.locator(f"[data-nav={key}]")).to_have_attribute("aria-current", "page")
    expect(page.locator("[data-nav=ai]")).to_have_attribute("target", "_blank")


def test_inbox_updates_live_when_a_contact_writes(app_for, alice, widget, asgi_server):
    page = app_for(alice).open("/inbox/?tab=unassigned")
    expect(page.locator(".rows__empty")).to_be_visible()

    contact = asgi_server.ws(f"/ws/messenger/{widget.key}")
    send(contact, type="hello", page={"url": "https://shop.example/", "title": "Shop"})
    receive(contact, "welcome")
    send(contact, type="message.send", body="Hallo, wo ist mein Paket?", client_id="m1")
    receive(contact, "ack")

    row = page.locator(".row", has_text="Hallo, wo ist mein Paket?")
    expect(row).to_be_visible()
    expect(row.locator(".status")).to_have_text("New")
    expect(page.locator("[data-count=unassigned]")).to_have_text("1")
    expect(page.locator("#badge-inbox")).to_contain_text("1")
    contact.close()


def test_reply_and_note_from_the_composer(app_for, alice, alices):
    page = app_for(alice).open(f"/inbox/{alices.public_id}/")
    composer = page.get_by_label("Message or note")

    composer.fill("Ich schaue **sofort** nach")
    composer.press("Enter")
    expect(page.locator(".msg--operator strong", has_text="sofort")).to_be_visible()
    expect(composer).to_have_value("")

    composer.press("Alt+n")
    composer.fill("Kundin ist Stammkundin")
    composer.press("Enter")
    expect(page.locator(".timeline .note", has_text="Kundin ist Stammkundin")).to_be_visible()
    expect(page.locator("[data-notes-count]")).to_have_text("1")
    alices.refresh_from_db()
    assert alices.status == Status.WAITING


def test_shift_enter_makes_a_new_line_and_drafts_survive_a_reload(app_for, alice, alices):
    page = app_for(alice).open(f"/inbox/{alices.public_id}/")
    composer = page.get_by_label("Message or note")

    composer.type("Erste Zeile")
    composer.press("Shift+Enter")
    composer.type("zweite Zeile")
    page.wait_for_timeout(400)  # the draft is saved after a short pause
    page.reload()

    expect(page.get_by_label("Message or note")).to_have_value("Erste Zeile\nzweite Zeile")


def test_someone_elses_conversation_offers_assign_to_me_to_a_supervisor(
    app_for, bob, alices, account
):
    """Bob (operator) may read Alice's conversation and write notes but not take it; Sam, a
    supervisor, takes it with Assign to me (accounts.permissions)."""
    page = app_for(bob).open(f"/inbox/{alices.public_id}/")
    expect(page.locator("[data-locked]")).to_contain_text("Alice Admin is assigned")
    expect(page.get_by_role("button", name="Assign to me")).to_be_hidden()

    sam = accounts.create_operator(
        account, name="Sam Supervisor", email="sam@acme.test", password="sam-pass-12345",
        role=Role.SUPERVISOR,
    )  # fmt: skip
    page = app_for(sam).open(f"/inbox/{alices.public_id}/")
    page.get_by_role("button", name="Assign to me").click()

    expect(page.locator("[data-locked]")).to_be_hidden()
    expect(page.locator("[data-conv-assignee]")).to_have_text("Sam Supervisor")
    expect(page.locator(".event", has_text="Sam Supervisor took the conversation.")).to_be_visible()


def test_every_action_bar_action(app_for, alice, bob, alices, account):
    topic = services.create_topic(account, "Billing", actor=Actor.for_operator(alice))
    page = app_for(alice).open(f"/inbox/{alices.public_id}/")

    page.get_by_label("Subject").fill("Doppelte Bestellung")
    page.get_by_label("Subject").press("Enter")
    expect(
        page.locator(".event", has_text="set the subject to “Doppelte Bestellung”")
    ).to_be_visible()

    page.get_by_role("button", name="Waiting", exact=True).click()
    expect(page.get_by_role("button", name="Waiting", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.locator("[data-conv-state] .status")).to_have_text("Open")

    page.get_by_label("Topic").select_option(topic.public_id)
    expect(page.locator(".event", has_text="set the topic to Billing")).to_be_visible()

    page.get_by_label("Conversation language").select_option("de")
    expect(
        page.locator(".event", has_text="set the conversation language to German")
    ).to_be_visible()

    page.get_by_label("Assigned to").select_option(f"op:{bob.public_id}")
    expect(page.locator("[data-locked]")).to_contain_text("Bob Builder is assigned")

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Send transcript to me").click()
    expect(page.locator(".toast", has_text="The transcript will be e-mailed to")).to_be_visible()
    assert Conversation.objects.get(pk=alices.pk).transcript_recipients == [alice.email]

    page.get_by_role("button", name="End", exact=True).click()
    page.locator("#end-dialog").get_by_role("button", name="End conversation").click()
    expect(page.locator("[data-conv-state] .status")).to_have_text("Ended")
    assert Conversation.objects.get(pk=alices.pk).status == Status.ENDED


def test_refusals_show_the_services_message(app_for, alice, bob, alices):
    from messagecenter.accounts import services as accounts

    page = app_for(alice).open(f"/inbox/{alices.public_id}/")
    accounts.update_operator(bob, actor=Actor.for_operator(alice), is_active=False)  # meanwhile

    page.get_by_label("Assigned to").select_option(f"op:{bob.public_id}")

    expect(page.locator(".toast--error")).to_have_text("This operator is deactivated.")
    expect(page.get_by_label("Assigned to")).to_have_value(f"op:{alice.public_id}")


def test_delete_a_message_after_confirming(app_for, alice, alices):
    sent = reply(alices, alice, "Falscher Link")
    page = app_for(alice).open(f"/inbox/{alices.public_id}/")
    message = page.locator(f".msg[data-seq='{sent.seq}']")

    message.hover()
    message.get_by_role("button", name="Delete message").click()
    page.locator("#delete-dialog").get_by_role("button", name="Delete message").click()

    expect(message).to_have_class("msg msg--operator msg--deleted")
    expect(message).to_contain_text("Falscher Link")  # the operator still sees the text
    expect(message).to_contain_text("the contact sees “Message deleted”")


def test_edit_contact_details_in_the_sidebar(app_for, alice, alices, contact):
    page = app_for(alice).open(f"/inbox/{alices.public_id}/")

    page.get_by_label("Name", exact=True).fill("Clara Kundin-Berg")
    page.get_by_role("button", name="Save contact").click()

    expect(page.get_by_text("Saved.")).to_be_visible()
    contact.refresh_from_db()
    assert contact.name == "Clara Kundin-Berg"

    page.get_by_label("E-mail", exact=True).fill("kaputt")
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_role("alert")).to_have_text("Enter a valid e-mail address.")


def test_notes_in_the_sidebar_are_edited_and_deleted(app_for, alice, alices):
    page = app_for(alice).open(f"/inbox/{alices.public_id}/")
    page.get_by_role("tab", name="Notes").click()

    page.get_by_label("New note").fill("Rückruf morgen")
    page.get_by_role("button", name="Add note").last.click()
    note = page.locator("[data-notes] .note", has_text="Rückruf morgen")
    expect(note).to_be_visible()

    note.get_by_role("button", name="Edit note").click()
    page.get_by_label("Edit note").fill("Rückruf übermorgen")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("[data-notes] .note", has_text="Rückruf übermorgen")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-notes] .note").get_by_role("button", name="Delete note").click()
    expect(page.locator("[data-notes-count]")).to_have_text("0")


def test_keyboard_shortcuts(app_for, alice, alices, widget, account):
    page = app_for(alice).open("/inbox/")

    page.keyboard.press("?")
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")

    page.keyboard.press("j")
    expect(page).to_have_url(f"{page.url.split('/inbox/')[0]}/inbox/{alices.public_id}/?tab=mine")
    expect(page.locator("[data-entries] .msg").first).to_be_visible()  # the page module runs
    page.keyboard.press("r")
    expect(page.get_by_label("Message or note")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("2")
    expect(page).to_have_url(f"{page.url.split('/inbox/')[0]}/inbox/?tab=unassigned")


def test_presence_switch_and_live_slot_indicator(app_for, alice, widget, contact, asgi_server):
    page = app_for(alice).open("/")
    switch = page.get_by_role("switch")
    expect(switch).to_have_attribute("aria-checked", "false")

    switch.click()
    expect(switch).to_have_attribute("aria-checked", "true")
    messenger = asgi_server.ws(f"/ws/messenger/{widget.key}")
    send(messenger, type="hello")
    receive(messenger, "welcome")
    send(messenger, type="message.send", body="Live?", client_id="l1")
    receive(messenger, "ack")

    expect(page.locator("[data-slots-used]")).to_have_text("1")
    messenger.close()


def test_german_operator_works_in_german(app_for, account, support_group, widget, contact):
    from messagecenter.accounts import services as accounts

    dora = accounts.create_operator(
        account, name="Dora Dahl", email="dora@acme.test", language="de", groups=[support_group]
    )
    conversation = conversation_in(Status.OPEN, widget, contact, dora)
    app = app_for(dora)
    page = app.open(f"/inbox/{conversation.public_id}/")

    expect(page.get_by_role("heading", name="Posteingang")).to_be_visible()
    expect(page.get_by_role("button", name="Senden")).to_be_visible()
    expect(page.locator(".event", has_text="Status: Wartend → Offen")).to_be_visible()
    expect(page.locator(".event", has_text="hat die Unterhaltung übernommen")).to_be_visible()
    expect(page.locator(".status").first).to_have_text("Offen")
    app.screenshot("app-conversation-de")
    app.open("/inbox/")
    app.screenshot("app-inbox-de")


def test_screenshots_in_english(app_for, alice, alices, unassigned, account, widget):
    from tests.web.app.conftest import another_contact

    for name in ("Jonas Becker", "Priya Nair", "Sam Lee"):
        conversation_in(Status.WAITING, widget, another_contact(account, name), alice)
    reply(alices, alice, "Ich schaue **sofort** nach. Einen Moment bitte.")
    app = app_for(alice)
    app.open(f"/inbox/{alices.public_id}/")
    app.screenshot("app-conversation-en")
    app.open("/inbox/")
    app.screenshot("app-inbox-en")
