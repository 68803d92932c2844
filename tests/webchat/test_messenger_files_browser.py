"""Files in the messenger (R-FILE-1), in Chromium against the live server: the contact attaches
a file (paperclip, drop), sees the upload finish and sends it with a text; the operator's file
arrives with a download link that works from the website; a widget with files off shows no
paperclip."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation, Message
from messagecenter.core.actors import Actor
from messagecenter.widgets import services as widgets
from tests.files.channel_helpers import finished_upload
from tests.webchat.helpers import eventually, open_messenger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_contact_sends_a_file_and_gets_the_operators(page, site, widget, alice):
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    clip = messenger.get_by_role("button", name="Attach files")
    expect(clip).to_be_visible()
    messenger.locator("input[type=file]").set_input_files(
        {"name": "rechnung.txt", "mimeType": "text/plain", "buffer": b"Rechnung 42"}
    )
    expect(messenger.locator(".files li[data-state=done]")).to_have_count(1)
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("Meine Rechnung")
    composer.press("Enter")

    message = eventually(lambda: Message.objects.filter(body="Meine Rechnung").first())
    assert [a.filename for a in message.attachments.all()] == ["rechnung.txt"]
    link = messenger.locator(".att a", has_text="rechnung.txt")
    expect(link).to_be_visible()

    conversation = Conversation.objects.get()
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    upload = finished_upload(alice, "antwort.txt", b"Gutschrift")
    services.post_operator_message(conversation, "Hier die Gutschrift", actor=me, uploads=[upload])
    answer = messenger.locator(".att a", has_text="antwort.txt")
    expect(answer).to_be_visible()
    fetched = page.request.get(answer.get_attribute("href"))
    assert fetched.status == 200 and fetched.body() == b"Gutschrift"
    assert fetched.headers["content-disposition"].startswith("attachment")


def test_a_dropped_file_is_uploaded(page, site, widget):
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    dropped = page.evaluate_handle(
        """(b64) => {
            const dt = new DataTransfer();
            dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))],
                                  "foto.txt", { type: "text/plain" }));
            return dt;
        }""",
        base64.b64encode(b"aus dem Explorer").decode(),
    )
    panel = messenger.locator(".panel")
    panel.dispatch_event("dragover", {"dataTransfer": dropped})
    panel.dispatch_event("drop", {"dataTransfer": dropped})
    expect(messenger.locator(".files li[data-state=done]")).to_have_count(1)


def test_a_widget_without_files_offers_no_paperclip(page, site, widget, alice):
    widgets.update_widget(
        widget, actor=Actor.for_operator(alice), media={"enabled": False, "types": []}
    )
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    expect(messenger.get_by_role("textbox", name="Message")).to_be_visible()
    expect(messenger.get_by_role("button", name="Attach files")).to_be_hidden()
