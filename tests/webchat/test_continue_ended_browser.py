"""R-INBOX-4 in a real browser: writing again in the open messenger continues the contact's
latest conversation, even an ended one, unless it ended longer ago than the widget's
``continue_ended_days``; then a new conversation starts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation, Message, Status
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from tests.webchat.helpers import eventually, open_messenger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def first_chat_ended_by(page, site, widget, alice):
    """The contact writes in the messenger; Alice takes the conversation and ends it."""
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    write(messenger, "Where is my parcel?")
    conversation = eventually(lambda: Conversation.objects.first())
    expect(messenger.get_by_text("Sending…")).to_have_count(0)
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    services.end_conversation(conversation, actor=me)
    return messenger, conversation


def write(messenger, body: str) -> None:
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill(body)
    composer.press("Enter")


def contact_bodies() -> list[str]:
    return list(
        Message.objects.filter(author_kind="contact").order_by("pk").values_list("body", flat=True)
    )


def test_writing_again_reopens_the_ended_conversation(page, site, widget, alice):
    messenger, conversation = first_chat_ended_by(page, site, widget, alice)

    write(messenger, "One more question")

    eventually(Message.objects.filter(body="One more question").exists)
    expect(messenger.get_by_text("Sending…")).to_have_count(0)
    assert Conversation.objects.count() == 1
    assert contact_bodies() == ["Where is my parcel?", "One more question"]
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN and conversation.ended_at is None
    expect(messenger.get_by_text("Where is my parcel?")).to_have_count(1)
    expect(messenger.get_by_text("One more question")).to_be_visible()
    expect(messenger.get_by_text("New conversation")).to_have_count(0)  # one thread


def test_a_conversation_ended_longer_ago_than_the_window_is_not_continued(
    page, site, widget, alice
):
    """GIVEN the widget continues ended conversations for 30 days (the default)
    WHEN the contact writes again 30 days and a minute after the end, in the same open page
    THEN a new conversation starts and the ended one stays ENDED."""
    assert widget.continue_ended_days == 30
    messenger, ended = first_chat_ended_by(page, site, widget, alice)

    with time_machine.travel(clock.now() + timedelta(days=30, minutes=1), tick=False):
        write(messenger, "Back a month later")
        eventually(Message.objects.filter(body="Back a month later").exists)
        expect(messenger.get_by_text("Sending…")).to_have_count(0)

    assert Conversation.objects.count() == 2
    ended.refresh_from_db()
    assert ended.status == Status.ENDED
    fresh = Conversation.objects.exclude(pk=ended.pk).get()
    assert fresh.status in (Status.NEW, Status.OPEN)
    assert list(fresh.messages.values_list("body", flat=True)) == ["Back a month later"]
    assert contact_bodies() == ["Where is my parcel?", "Back a month later"]
    expect(messenger.get_by_text("Where is my parcel?")).to_have_count(1)
    expect(messenger.get_by_text("Back a month later")).to_be_visible()
    expect(messenger.get_by_text("New conversation")).to_be_visible()
