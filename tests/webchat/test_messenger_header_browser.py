"""The messenger's header follows assignments live (queued → assigned → forwarded)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation
from messagecenter.core.actors import Actor
from tests.webchat.helpers import eventually, open_messenger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_header_names_the_new_operator_after_assignment_and_reassignment(
    page, site, widget, alice, bob
):
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("Is anybody there?")
    composer.press("Enter")
    conversation = eventually(lambda: Conversation.objects.first())
    header = messenger.locator(".sub")
    expect(header).to_have_text("We're here to help")
    expect(messenger.get_by_text("No operator is available right now")).to_be_visible()

    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    expect(header).to_have_text("You're chatting with Alice Admin")
    expect(messenger.get_by_text("No operator is available right now")).to_have_count(0)

    services.post_operator_message(conversation, "Hi, Alice here.", actor=Actor.for_operator(alice))
    expect(messenger.get_by_text("Hi, Alice here.")).to_be_visible()
    services.assign_operator(conversation, bob, actor=Actor.for_operator(alice))
    expect(header).to_have_text("You're chatting with Bob Builder")

    page.reload()  # the server's view wins over what the tab cached
    expect(page.locator("message-center-messenger").locator(".sub")).to_have_text(
        "You're chatting with Bob Builder"
    )
