"""The `$` command picker and the `!` macro picker in a real browser (R-CMD, R-MACRO-2)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from messagecenter.macros import services as macros
from tests.helpers import conversation_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def greeting(account, alice):
    who = Actor.for_operator(alice)
    group = macros.create_group(account, "Begrüßung", actor=who)
    macros.create_macro(
        account,
        actor=who,
        name="Hallo",
        group=group,
        texts={"en": "Hello {contact.name}, {operator.first_name} here.", "de": "Hallo!"},
    )
    return macros.create_macro(
        account, actor=who, name="Danke", texts={"en": "Thank you for waiting."}
    )


def test_command_picker_completes_and_runs_a_command(app_for, alice, alices):
    app = app_for(alice)
    page = app.open(f"/inbox/{alices.public_id}/")
    composer = page.get_by_label("Message or note")
    picker = page.locator("[data-picker]")

    composer.press_sequentially("$sta")
    expect(picker.get_by_role("option")).to_have_count(1)
    expect(picker.get_by_role("option").first).to_contain_text("$status")
    expect(picker.get_by_role("option").first).to_contain_text("Set the status")
    composer.press("Enter")
    expect(composer).to_have_value("$status ")
    expect(picker.get_by_role("option")).to_have_text(["open", "waiting", "ended"])
    composer.press("ArrowDown")
    expect(picker.get_by_role("option", name="waiting")).to_have_attribute("aria-selected", "true")
    app.screenshot("picker-commands-en")
    composer.press("Tab")
    expect(composer).to_have_value("$status waiting")
    composer.press("Enter")

    expect(page.locator(".toast")).to_have_text("Status set to Waiting.")
    expect(composer).to_have_value("")
    expect(picker).to_be_hidden()
    expect(page.locator(".status").first).to_have_text("Waiting")
    alices.refresh_from_db()
    assert alices.status == Status.WAITING


def test_command_refusal_and_escape(app_for, alice, alices):
    page = app_for(alice).open(f"/inbox/{alices.public_id}/")
    composer = page.get_by_label("Message or note")

    page.get_by_role("button", name="Chat commands").click()
    expect(composer).to_have_value("$")
    expect(page.locator("[data-picker]").get_by_role("option").first).to_be_visible()
    composer.press("Escape")
    expect(page.locator("[data-picker]")).to_be_hidden()
    composer.press_sequentially("webtransfer")
    composer.press("Enter")

    expect(page.locator(".toast--error")).to_have_text(
        "This conversation already is in the website messenger."
    )
    expect(composer).to_have_value("$webtransfer")


def test_macro_picker_sends_at_once(app_for, alice, alices, greeting):
    app = app_for(alice)
    page = app.open(f"/inbox/{alices.public_id}/")
    composer = page.get_by_label("Message or note")
    picker = page.locator("[data-picker]")

    page.get_by_role("button", name="Macros").click()
    expect(picker.locator(".picker__group")).to_have_text(["Begrüßung", "Without group"])
    app.screenshot("picker-macros-en")
    composer.press_sequentially("wait")
    expect(picker.get_by_role("option")).to_have_count(1)
    composer.press("Enter")

    expect(page.locator(".msg--operator", has_text="Thank you for waiting.")).to_be_visible()
    expect(page.locator(".toast")).to_have_text("Macro Danke sent.")
    expect(composer).to_have_value("")


def test_macro_picker_inserts_for_editing(app_for, alice, alices, greeting):
    page = app_for(alice).open(f"/inbox/{alices.public_id}/")
    composer = page.get_by_label("Message or note")

    composer.press_sequentially("!hal")
    expect(page.locator("[data-picker]").get_by_role("option")).to_have_count(1)
    composer.press("Tab")

    expect(composer).to_have_value("Hello Clara Kundin, Alice here.")
    expect(page.locator("[data-picker]")).to_be_hidden()
    composer.press_sequentially(" How can I help?")
    composer.press("Enter")
    expect(
        page.locator(".msg--operator", has_text="Hello Clara Kundin, Alice here. How can I help?")
    ).to_be_visible()


def test_pickers_in_german(app_for, account, support_group, widget, contact, greeting):
    from messagecenter.accounts import services as accounts

    dora = accounts.create_operator(
        account, name="Dora Dahl", email="dora@acme.test", language="de", groups=[support_group]
    )
    conversation = conversation_in(Status.OPEN, widget, contact, dora)
    app = app_for(dora)
    page = app.open(f"/inbox/{conversation.public_id}/")
    composer = page.get_by_label("Nachricht oder Notiz")

    composer.press_sequentially("$")
    expect(page.locator("[data-picker]")).to_contain_text("Status setzen")
    app.screenshot("picker-commands-de")
    composer.fill("")
    composer.press_sequentially("!")
    expect(page.locator("[data-picker]")).to_contain_text("Ohne Gruppe")
    app.screenshot("picker-macros-de")


def test_verify_email_and_transcript_from_the_conversation(app_for, alice, alices):
    app = app_for(alice)
    page = app.open(f"/inbox/{alices.public_id}/")

    page.get_by_role("button", name="Verify e-mail").click()
    expect(page.locator(".toast")).to_have_text("A verification code was sent to c•••@example.com.")
    app.screenshot("conversation-verify-email-en")

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Send transcript to the contact").click()
    expect(
        page.locator(".toast", has_text="e-mailed to clara@example.com when the conversation ends")
    ).to_be_visible()
    alices.refresh_from_db()
    assert alices.transcript_to_contact is True
