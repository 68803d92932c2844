"""What operators ask of the contact in the messenger, in a real browser (R-CONV-10, R-CMD):
the e-mail verification code, the rating, push macros, blocking, and read receipts.

The operator acts through chat commands and domain services in the test thread; e-mails go
to the locmem outbox (Huey runs immediately, on commit).
"""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from messagecenter.contacts import verification
from messagecenter.contacts.models import Contact, ContactIdentity
from messagecenter.contacts.services import set_blocked, update_contact
from messagecenter.conversations import ratings, services
from messagecenter.conversations.commands import run_command
from messagecenter.conversations.models import Conversation, Message
from messagecenter.core.actors import Actor
from tests.webchat.helpers import eventually, open_messenger, snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def start_chat(page, url: str, alice, label: str = "Open chat", first: str = "Hello"):
    """The contact opens the messenger and writes; Alice takes the conversation."""
    messenger = open_messenger(page, url, label) if label else _hosted(page, url)
    composer = messenger.locator("textarea")
    composer.fill(first)
    composer.press("Enter")
    conversation = eventually(lambda: Conversation.objects.first())
    eventually(lambda: Message.objects.exists())
    expect(messenger.locator(".row.me.pending")).to_have_count(0)
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return messenger, conversation


def _hosted(page, url: str):
    page.goto(url)
    return page.locator("message-center-messenger")


def mailed_code() -> str:
    return re.search(r"\b(\d{6})\b", eventually(lambda: mail.outbox)[-1].body).group(1)


def test_verification_code_screen_counts_wrong_codes_and_accepts_the_right_one(
    page, site, widget, alice
):
    messenger, conversation = start_chat(page, f"{site}/demo/?widget={widget.key}&lang=en", alice)
    me = Actor.for_operator(alice)
    update_contact(conversation.contact, actor=me, email="clara@example.com")
    run_command(conversation, "$verify", actor=me)

    expect(messenger.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect(messenger.get_by_text("We sent a 6-digit code to c•••@example.com.")).to_be_visible()
    expect(messenger.get_by_text("ask us in the chat for a new code")).to_be_visible()
    code_input = messenger.get_by_role("textbox", name="Verification code")
    expect(code_input).to_be_focused()
    assert code_input.get_attribute("inputmode") == "numeric"
    assert code_input.get_attribute("autocomplete") == "one-time-code"
    expect(messenger.get_by_role("textbox", name="Message")).to_be_hidden()
    snapshot(messenger, "verification-en")

    code = mailed_code()
    wrong = "000000" if code != "000000" else "111111"
    code_input.press_sequentially("12")
    code_input.press("Enter")
    expect(messenger.get_by_text("Please enter the 6-digit code.")).to_be_visible()
    code_input.fill(wrong)
    messenger.get_by_role("button", name="Verify").click()
    expect(messenger.get_by_role("alert")).to_have_text("That code is not right. 4 attempts left.")
    expect(code_input).to_have_attribute("aria-invalid", "true")
    snapshot(messenger, "verification-wrong-en")

    code_input.fill(f"{code[:3]} {code[3:]}")  # pasted with a space: digits only are kept
    expect(code_input).to_have_value(code)
    code_input.press("Enter")
    screen = messenger.locator(".screen")
    expect(screen.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(screen.get_by_text("Your e-mail address is verified.")).to_be_visible()
    expect(messenger.get_by_role("status").filter(has_text="verified")).to_have_count(1)
    expect(messenger.get_by_role("button", name="Back to chat")).to_be_focused()
    snapshot(messenger, "verification-done-en")
    identity = ContactIdentity.objects.get(contact=conversation.contact, kind="email")
    assert identity.verified_at is not None and identity.verified_via == "code"

    # Back to the chat by itself after a few seconds; the composer has focus again.
    composer = messenger.get_by_role("textbox", name="Message")
    expect(composer).to_be_visible(timeout=10_000)
    expect(composer).to_be_focused()
    expect(messenger.get_by_text("Hello", exact=True)).to_be_visible()


def test_code_screen_in_german_survives_a_reload_and_closes_when_verified_elsewhere(
    page, site, widget, alice
):
    widget.language = "de"
    widget.save()
    url = f"{site}/chat/{widget.key}/"
    messenger, conversation = start_chat(page, url, alice, label="", first="Guten Tag")
    contact = Contact.objects.get()
    verification.start_verification(
        contact, "clara@example.com", actor=Actor.for_operator(alice), conversation=conversation
    )
    expect(messenger.get_by_role("heading", name="Prüfen Sie Ihre E-Mails")).to_be_visible()
    expect(
        messenger.get_by_text("Wir haben einen 6-stelligen Code an c•••@example.com gesendet.")
    ).to_be_visible()
    code_input = messenger.get_by_role("textbox", name="Bestätigungscode")
    expect(code_input).to_be_focused()
    code_input.fill("1")
    messenger.get_by_role("button", name="Bestätigen").click()
    expect(messenger.get_by_role("alert")).to_have_text("Bitte geben Sie den 6-stelligen Code ein.")
    snapshot(messenger, "verification-de")

    # "Back to chat" keeps the code at hand; a reload keeps it too (the code lives 15 minutes).
    messenger.get_by_role("button", name="Zurück zum Chat").click()
    expect(messenger.get_by_role("textbox", name="Nachricht")).to_be_focused()
    page.reload()
    resume = messenger.get_by_role("button", name="Bestätigungscode eingeben")
    expect(resume).to_be_visible()
    snapshot(messenger, "verification-resume-de")
    resume.click()
    expect(messenger.get_by_role("textbox", name="Bestätigungscode")).to_be_focused()

    # Verified another way (another tab): the pushed state closes the screen here.
    verification.submit_code(contact, mailed_code(), actor=Actor.for_contact(contact))
    expect(messenger.get_by_text("Ihre E-Mail-Adresse ist bestätigt.").first).to_be_visible()
    expect(messenger.get_by_role("textbox", name="Nachricht")).to_be_visible(timeout=10_000)
    expect(messenger.get_by_role("textbox", name="Bestätigungscode")).to_have_count(0)
    expect(resume).to_be_hidden()


def test_rating_prompt_is_a_keyboard_radio_group_and_stores_the_rating(page, site, widget, alice):
    messenger, conversation = start_chat(page, f"{site}/demo/?widget={widget.key}&lang=en", alice)
    run_command(conversation, "$rating", actor=Actor.for_operator(alice))

    expect(messenger.get_by_role("heading", name="How did we do?")).to_be_visible()
    group = messenger.get_by_role("radiogroup", name="How did we do?")
    expect(group.get_by_role("radio")).to_have_count(5)
    first = group.get_by_role("radio", name="1 star", exact=True)
    expect(first).to_be_focused()
    messenger.get_by_role("button", name="Send rating").click()
    expect(messenger.get_by_role("alert")).to_have_text("Please choose 1 to 5 stars.")

    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(group.get_by_role("radio", name="4 stars")).to_be_checked()
    expect(messenger.get_by_text("Very good")).to_be_visible()
    expect(messenger.locator(".star.on")).to_have_count(4)
    messenger.get_by_role("textbox", name="Anything you would like to add? (optional)").fill(
        "  Quick and friendly.  "
    )
    snapshot(messenger, "rating-en")
    messenger.get_by_role("button", name="Send rating").click()

    screen = messenger.locator(".screen")
    expect(screen.get_by_role("heading", name="Thank you for your feedback!")).to_be_visible()
    expect(messenger.get_by_role("button", name="Back to chat")).to_be_focused()
    snapshot(messenger, "rating-done-en")
    conversation.refresh_from_db()
    assert (conversation.rating, conversation.feedback) == (4, "Quick and friendly.")
    messenger.get_by_role("button", name="Back to chat").click()
    expect(messenger.get_by_role("textbox", name="Message")).to_be_focused()


def test_rating_prompt_in_german_by_mouse_and_not_now(page, site, widget, alice):
    messenger, conversation = start_chat(
        page, f"{site}/demo/?widget={widget.key}&lang=de", alice, label="Chat öffnen"
    )
    page.keyboard.press("Escape")  # closed: the preview bubble points to the request
    ratings.request_rating(conversation, actor=Actor.for_operator(alice))
    preview = messenger.get_by_role("button", name=re.compile("^Nachricht von Website"))
    expect(preview).to_contain_text("Wie zufrieden waren Sie?")
    snapshot(messenger, "rating-preview-de", ".preview")
    preview.click()
    group = messenger.get_by_role("radiogroup", name="Wie zufrieden waren Sie?")
    expect(group.get_by_role("radio", name="1 Stern")).to_be_focused()
    group.get_by_role("radio", name="5 Sterne").check()
    expect(messenger.get_by_text("Ausgezeichnet")).to_be_visible()
    snapshot(messenger, "rating-de")

    messenger.get_by_role("button", name="Jetzt nicht").click()
    expect(messenger.get_by_role("textbox", name="Nachricht")).to_be_focused()
    conversation.refresh_from_db()
    assert conversation.rating is None


def test_push_macro_navigates_the_host_page_only_to_web_addresses(page, site, widget, alice):
    messenger, conversation = start_chat(page, f"{site}/demo/?widget={widget.key}&lang=en", alice)
    start = page.url
    me = Actor.for_operator(alice)
    services.push_to_contact(conversation, "javascript:window.__pushed = 1", actor=me)
    services.post_operator_message(conversation, "Have a look at this page", actor=me)
    expect(messenger.get_by_text("Have a look at this page")).to_be_visible()
    assert page.url == start and page.evaluate("window.__pushed") is None

    target = f"{site}/demo/?widget={widget.key}&lang=en&category=kitchen"
    services.push_to_contact(conversation, target, actor=me)
    expect(page).to_have_url(target)
    # The messenger comes back open on the new page, with the conversation.
    messenger = page.locator("message-center-messenger")
    expect(messenger.get_by_text("Have a look at this page")).to_be_visible()


def test_blocking_and_unblocking_switch_the_messenger_live(page, site, widget, alice):
    messenger, _conversation = start_chat(page, f"{site}/demo/?widget={widget.key}&lang=en", alice)
    contact = Contact.objects.get()
    me = Actor.for_operator(alice)
    set_blocked(contact, True, actor=me)
    expect(messenger.get_by_text("Chat is not available.")).to_be_visible()
    expect(messenger.get_by_role("textbox", name="Message")).to_be_hidden()
    expect(messenger.get_by_text("Hello", exact=True)).to_be_visible()
    page.reload()  # now the socket's hello happens while blocked
    expect(messenger.get_by_text("Chat is not available.")).to_be_visible()

    set_blocked(contact, False, actor=me)
    composer = messenger.get_by_role("textbox", name="Message")
    expect(composer).to_be_visible()
    expect(messenger.get_by_text("Chat is not available.")).to_be_hidden()
    composer.fill("Thanks for unblocking me")
    composer.press("Enter")
    eventually(lambda: Message.objects.filter(body="Thanks for unblocking me").exists())
    expect(messenger.locator(".row.me.pending")).to_have_count(0)
    expect(messenger.get_by_role("alert")).to_be_hidden()


def test_read_receipts_only_while_the_conversation_is_shown(page, site, widget, alice):
    messenger, conversation = start_chat(page, f"{site}/demo/?widget={widget.key}&lang=en", alice)
    me = Actor.for_operator(alice)
    reply = services.post_operator_message(conversation, "First answer", actor=me)
    expect(messenger.get_by_text("First answer")).to_be_visible()

    def read_seq():
        return Conversation.objects.values_list("contact_read_seq", flat=True).get()

    eventually(lambda: read_seq() >= reply.seq)

    page.keyboard.press("Escape")
    later = services.post_operator_message(conversation, "Second answer", actor=me)
    expect(messenger.get_by_role("button", name="Open chat, 1 unread message")).to_be_visible()
    time.sleep(1.5)  # longer than the messenger's read debounce
    assert read_seq() < later.seq

    messenger.get_by_role("button", name="Open chat, 1 unread message").click()
    eventually(lambda: read_seq() >= later.seq)
