"""Voice messages in the messenger (R-FILE-2), in Chromium with its fake microphone against the
live server: the contact records (time and level shown) and sends a voice message that the
operator gets as one; the operator's voice message plays in the messenger; a widget that takes
no audio offers no microphone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation, Message
from messagecenter.core.actors import Actor
from messagecenter.files.models import StoredFile
from messagecenter.widgets import services as widgets
from tests.browser_fixtures import wait_until
from tests.files.channel_helpers import finished_voice_upload
from tests.files.recordings import recording
from tests.files.voice_browser import browser, player_state  # noqa: F401
from tests.webchat.helpers import eventually, open_messenger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHADOW = "document.querySelector('message-center-messenger').shadowRoot"


def test_the_contact_records_and_sends_a_voice_message(page, site, widget):
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")
    messenger.get_by_role("button", name="Record a voice message").click()
    recorder = f"{SHADOW}.querySelector('mc-voice-recorder')"
    wait_until(page, f"{recorder}?.dataset.state === 'recording'")
    timer = f"{recorder}.shadowRoot.querySelector('[role=timer]')"
    wait_until(page, f"{timer}.textContent.startsWith('0:02')", timeout=8)
    meter = f"{recorder}.shadowRoot.querySelector('[role=meter]')"
    wait_until(page, f"Number({meter}.getAttribute('aria-valuenow')) > 0")
    messenger.locator("mc-voice-recorder [data-voice=send]").click()  # straight from recording

    message = eventually(lambda: Message.objects.filter(attachments__file__voice=True).first())
    stored = StoredFile.objects.get(voice=True)
    assert message.author_kind == "contact" and stored.contact_id == message.conversation.contact_id
    assert 2000 <= stored.duration_ms < 4000 and stored.content_type == "audio/webm"
    player = messenger.locator(".log mc-voice-player[data-voice-file]")
    expect(player).to_be_visible()
    expect(messenger.locator("mc-voice-recorder")).to_have_count(0)
    expect(messenger.get_by_role("button", name="Record a voice message")).to_be_focused()

    player.get_by_role("button", name="Play voice message").click()
    wait_until(page, f"{SHADOW}.querySelector('[data-voice-file]').currentTime > 0.3")
    assert player_state(page, "[data-voice-file]")["state"] == "playing"


def test_the_operators_voice_message_plays_in_the_messenger(page, site, widget, alice):
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=de", "Chat öffnen")
    composer = messenger.get_by_role("textbox", name="Nachricht")
    composer.fill("Hallo")
    composer.press("Enter")
    conversation = eventually(lambda: Conversation.objects.first())
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    upload = finished_voice_upload(alice, recording(3.0), 3000)
    services.post_operator_message(conversation, "", actor=me, uploads=[upload])

    player = messenger.locator(".log mc-voice-player[data-voice-file]")
    expect(player).to_be_visible()
    expect(player.locator(".time")).to_have_text("0:00 / 0:03")
    play = player.get_by_role("button", name="Sprachnachricht abspielen")
    play.focus()
    page.keyboard.press("Enter")
    wait_until(page, f"{SHADOW}.querySelector('[data-voice-file]').currentTime > 0.3")
    expect(player.get_by_role("button", name="Pause")).to_be_visible()
    seek = player.get_by_role("slider", name="Position")
    seek.focus()
    page.keyboard.press("End")
    wait_until(page, f"{SHADOW}.querySelector('[data-voice-file]').dataset.state === 'paused'")


def test_a_widget_without_audio_offers_no_microphone(page, site, widget, alice):
    widgets.update_widget(
        widget, media={"enabled": True, "types": ["image"]}, actor=Actor.for_operator(alice)
    )
    messenger = open_messenger(page, f"{site}/demo/?widget={widget.key}&lang=en")

    expect(messenger.get_by_role("button", name="Attach files")).to_be_visible()
    expect(messenger.get_by_role("button", name="Record a voice message")).to_be_hidden()
