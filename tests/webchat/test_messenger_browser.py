"""The website messenger in a real browser, against a real ASGI server (R-CHAN-1).

The contact is Chromium on the demo shop; the operator acts through the domain services in
the test thread (and an operator WebSocket for typing), exactly as the operator app would.
"""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect

from messagecenter.contacts.models import Contact, PageView, Visitor
from messagecenter.contacts.services import set_blocked
from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation, Message
from messagecenter.core.actors import Actor
from messagecenter.transports.webchat.visitors import identity_signature
from tests.realtime.conftest import receive, session_cookie
from tests.webchat.helpers import eventually, open_messenger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contact_chats_live_and_history_survives_a_reload(page, site, asgi_server, widget, alice):
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    expect(messenger.get_by_role("dialog", name="Website")).to_be_visible()
    composer = messenger.get_by_role("textbox", name="Message")
    expect(composer).to_be_focused()
    composer.fill("Hello, where is my parcel?")
    composer.press("Enter")

    conversation = eventually(lambda: Conversation.objects.first())
    mine = messenger.get_by_text("Hello, where is my parcel?")
    expect(mine).to_be_visible()
    # Nobody is online: the contact is told the reply comes later (asynchronous mode).
    expect(messenger.get_by_text("No operator is available right now")).to_be_visible()
    expect(messenger.get_by_text("Sending…")).to_have_count(0)

    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    operator = asgi_server.ws("/ws/operator", cookie=session_cookie(alice))
    receive(operator, "hello")
    operator.send(json.dumps({"type": "typing", "conversation": conversation.public_id}))
    expect(messenger.get_by_text("Alice Admin is typing…")).to_be_visible()

    reply = services.post_operator_message(conversation, "Let me **check** that for you.", actor=me)
    expect(messenger.get_by_text("Let me check that for you.")).to_be_visible()
    expect(messenger.locator(".bubble strong", has_text="check")).to_be_visible()
    expect(messenger.get_by_text("You're chatting with Alice Admin")).to_be_visible()
    expect(messenger.get_by_text("No operator is available right now")).to_have_count(0)
    operator.close()

    # A reload restores the conversation (cached history + resume from the last seq), once.
    page.reload()
    messenger = page.locator("message-center-messenger")
    expect(messenger.get_by_text("Let me check that for you.")).to_be_visible()
    expect(messenger.get_by_text("Hello, where is my parcel?")).to_have_count(1)

    # The operator deletes the reply: the contact sees the indicator instead, live.
    services.delete_message(conversation, reply.seq, actor=me)
    expect(messenger.get_by_text("This message was deleted")).to_be_visible()
    expect(messenger.get_by_text("Let me check that for you.")).to_have_count(0)

    # The same conversation continues; nothing was sent twice.
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("Thanks!\nHave a nice day.")
    messenger.get_by_role("button", name="Send").click()
    eventually(lambda: conversation.messages.filter(author_kind="contact").count() == 2)
    expect(messenger.get_by_text("Have a nice day.")).to_be_visible()
    assert Conversation.objects.count() == 1
    sent = Message.objects.filter(author_kind="contact").order_by("entry__seq")
    assert [m.body for m in sent] == ["Hello, where is my parcel?", "Thanks!\nHave a nice day."]


def test_closed_messenger_shows_unread_badge_and_preview(page, site, widget, alice):
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("Do you ship to Austria?")
    composer.press("Enter")
    conversation = eventually(lambda: Conversation.objects.first())
    expect(messenger.get_by_text("Sending…")).to_have_count(0)

    page.keyboard.press("Escape")  # Esc closes; focus returns to the launcher
    expect(messenger.get_by_role("dialog")).to_be_hidden()
    launcher = messenger.get_by_role("button", name="Open chat")
    expect(launcher).to_be_focused()

    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    services.post_operator_message(conversation, "Yes, in 3 to 5 working days.", actor=me)
    expect(messenger.get_by_role("button", name="Open chat, 1 unread message")).to_be_visible()
    preview = messenger.get_by_role("button", name="Message from Alice Admin")
    expect(preview).to_contain_text("Yes, in 3 to 5 working days.")

    preview.click()
    expect(messenger.get_by_role("dialog")).to_be_visible()
    expect(messenger.get_by_role("button", name="Close chat")).to_have_count(2)  # header, launcher
    expect(messenger.locator(".badge")).to_be_hidden()


def test_hosted_page_in_german_and_blocked_contact(page, site, widget, alice):
    widget.language = "de"
    widget.save()
    page.goto(f"{site}/chat/{widget.key}/")
    messenger = page.locator("message-center-messenger")
    expect(messenger.get_by_role("main", name="Website")).to_be_visible()
    expect(messenger.get_by_text("Hallo! Wie können wir Ihnen heute helfen?")).to_be_visible()
    expect(messenger.get_by_role("button", name="Chat öffnen")).to_have_count(0)  # page mode
    composer = messenger.get_by_role("textbox", name="Nachricht")
    composer.fill("Guten Tag")
    composer.press("Enter")
    eventually(lambda: Message.objects.exists())

    contact = Contact.objects.get()
    set_blocked(contact, True, actor=Actor.for_operator(alice))
    page.reload()
    expect(messenger.get_by_text("Der Chat ist nicht verfügbar.")).to_be_visible()
    expect(messenger.get_by_role("textbox")).to_be_hidden()
    expect(messenger.get_by_text("Guten Tag")).to_be_visible()


def test_signed_identity_brings_the_history_to_another_device(browser, site, widget):
    """Device B has no local history: the conversations listed in welcome are fetched."""
    expires = int(time.time()) + 3600
    identity = {
        "customer_id": "K-1001",
        "expires": expires,
        "signature": identity_signature(widget.identity_secret, "K-1001", expires),
    }
    script = f"window.MessageCenterIdentity = {json.dumps(identity)};"
    url = f"{site}/demo/?widget={widget.key}&lang=en"

    laptop = browser.new_context(locale="en-US")
    laptop.add_init_script(script)
    tab = laptop.new_page()
    messenger = open_messenger(tab, url)
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("Written on my laptop")
    composer.press("Enter")
    eventually(lambda: Message.objects.exists())
    laptop.close()

    phone = browser.new_context(locale="en-US", viewport={"width": 390, "height": 760})
    phone.add_init_script(script)
    tab = phone.new_page()
    messenger = open_messenger(tab, url)
    expect(messenger.get_by_text("Written on my laptop")).to_be_visible()
    assert Contact.objects.get().customer_id == "K-1001"
    phone.close()


def test_single_page_navigation_is_recorded_as_page_views(page, site, widget):
    page.goto(f"{site}/demo/?widget={widget.key}&lang=en")
    messenger = page.locator("message-center-messenger")
    expect(messenger.get_by_role("button", name="Open chat")).to_be_visible()  # welcomed
    page.get_by_role("link", name="Kitchen").click()  # the shop's history.pushState
    eventually(lambda: PageView.objects.count() == 2)
    views = list(PageView.objects.order_by("id"))
    assert views[0].url.endswith("lang=en")
    assert views[1].url.endswith("category=kitchen") and views[1].title == "Musterladen – Kitchen"
    page.go_back()
    eventually(lambda: PageView.objects.count() == 3)


# Wraps the page's WebSocket so the test can cut the connection, e.g. right after a send,
# before the server's ack can arrive.
SOCKET_TAP = """
window.__sockets = [];
const Native = window.WebSocket;
window.WebSocket = class extends Native {
  constructor(...args) { super(...args); window.__sockets.push(this); }
  send(data) {
    super.send(data);
    if (window.__cutAfterSend && String(data).includes('"message.send"')) {
      window.__cutAfterSend = false;
      this.close();
    }
  }
};
"""


def test_lost_connection_resumes_and_retries_with_the_same_client_id(page, site, widget, alice):
    page.add_init_script(SOCKET_TAP)
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("First question")
    composer.press("Enter")
    conversation = eventually(lambda: Conversation.objects.first())
    expect(messenger.get_by_text("Sending…")).to_have_count(0)

    # The connection drops right after the next send: the ack is lost; the reconnect resends.
    page.evaluate("window.__cutAfterSend = true")
    composer.fill("Second question")
    composer.press("Enter")
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    services.post_operator_message(conversation, "Answer while you were away", actor=me)

    expect(messenger.get_by_text("Answer while you were away")).to_have_count(1)
    expect(messenger.get_by_text("Second question")).to_have_count(1)
    expect(messenger.get_by_text("Sending…")).to_have_count(0)
    assert page.evaluate("window.__sockets.length") >= 2  # it did reconnect
    sent = Message.objects.filter(author_kind="contact").order_by("entry__seq")
    assert [m.body for m in sent] == ["First question", "Second question"]


def test_reset_forgets_the_visitor_for_a_host_site_logout(page, site, widget):
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("My private question")
    composer.press("Enter")
    eventually(lambda: Message.objects.exists())
    expect(messenger.get_by_text("Sending…")).to_have_count(0)

    page.evaluate("window.MessageCenter.reset()")
    expect(messenger.get_by_text("My private question")).to_have_count(0)
    # A new, anonymous visitor: no contact until they write.
    eventually(lambda: Visitor.objects.filter(contact__isnull=True).exists())
    assert Contact.objects.count() == 1
    page.reload()
    expect(page.locator("message-center-messenger").get_by_text("Hi there!")).to_be_visible()
    expect(
        page.locator("message-center-messenger").get_by_text("My private question")
    ).to_have_count(0)
