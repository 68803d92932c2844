"""Voice messages in the operator app, in Chromium with its fake microphone: the microphone
records with a running time and level, Stop lets the operator listen, Send uploads and sends
it, the timeline plays it back with the keyboard-operable player; Discard sends nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.conversations.models import Message
from messagecenter.files.models import StoredFile, Upload
from tests.browser_fixtures import wait_until
from tests.files.voice_browser import browser, player_state  # noqa: F401
from tests.helpers import conversation_in
from tests.web.app.conftest import App, asgi_server, page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORDER = "mc-voice-recorder"


@pytest.fixture
def shown(page, asgi_server, widget, contact, alice):  # noqa: F811
    conversation = conversation_in("waiting", widget, contact, alice)
    return App(page, asgi_server, alice).open(f"/inbox/{conversation.public_id}/")


def recorded_for(tab, seconds: float) -> None:
    wait_until(tab, f"document.querySelector('{RECORDER}')?.dataset.state === 'recording'")
    timer = f"document.querySelector('{RECORDER}').shadowRoot.querySelector('[role=timer]')"
    wait_until(tab, f"{timer}.textContent.startsWith('0:0{int(seconds)}')", timeout=seconds + 5)


def test_record_listen_send_and_play_back(shown):
    shown.locator("[data-voice-record]").click()
    recorded_for(shown, 2)
    # The level meter follows the fake microphone's beeps.
    meter = f"document.querySelector('{RECORDER}').shadowRoot.querySelector('[role=meter]')"
    wait_until(shown, f"Number({meter}.getAttribute('aria-valuenow')) > 0")
    expect(shown.locator(RECORDER).locator("[data-voice=stop]")).to_be_focused()

    shown.locator(RECORDER).locator("[data-voice=stop]").click()
    expect(shown.locator(RECORDER).locator("mc-voice-player")).to_be_visible()
    expect(shown.locator(RECORDER).locator("[data-voice=send]")).to_be_focused()
    shown.keyboard.press("Enter")  # Send

    player = shown.locator(".timeline mc-voice-player[data-voice-file]")
    expect(player).to_be_visible()
    expect(shown.locator(RECORDER)).to_be_hidden()
    expect(shown.locator("[data-voice-record]")).to_be_focused()
    stored = StoredFile.objects.get(voice=True)
    assert stored.content_type == "audio/webm" and 2000 <= stored.duration_ms < 4000
    assert stored.voice_ogg_key  # remuxed by the job
    assert Message.objects.filter(attachments__file=stored, author_kind="operator").exists()
    expect(player.locator(".time")).to_have_text("0:00 / 0:0" + str(stored.duration_ms // 1000))

    # Played from the timeline: the button, then the keyboard on the seek bar.
    player.locator("button").click()
    wait_until(shown, "document.querySelector('[data-voice-file]').currentTime > 0.3")
    assert player_state(shown, "[data-voice-file]")["state"] == "playing"
    expect(player.locator("button")).to_have_attribute("aria-label", "Pause")
    player.locator("input[type=range]").focus()
    shown.keyboard.press("Space")
    wait_until(shown, "document.querySelector('[data-voice-file]').dataset.state === 'paused'")
    shown.keyboard.press("Home")
    wait_until(shown, "document.querySelector('[data-voice-file]').currentTime === 0")
    shown.keyboard.press("ArrowRight")
    wait_until(shown, "document.querySelector('[data-voice-file]').currentTime > 0")
    assert "of 0:0" in player.locator("input[type=range]").get_attribute("aria-valuetext")


def test_the_recording_stops_at_the_cap(page, asgi_server, widget, contact, alice, settings):  # noqa: F811
    settings.VOICE_MAX_SECONDS = 2
    conversation = conversation_in("waiting", widget, contact, alice)
    shown = App(page, asgi_server, alice).open(f"/inbox/{conversation.public_id}/")
    shown.locator("[data-voice-record]").click()
    recorded_for(shown, 1)
    timer = f"document.querySelector('{RECORDER}').shadowRoot.querySelector('[role=timer]')"
    assert shown.evaluate(f"{timer}.textContent").endswith("/ 0:02")

    wait_until(shown, f"document.querySelector('{RECORDER}').dataset.state === 'review'")
    expect(shown.locator(RECORDER).locator(".message")).to_have_text(
        "Voice messages can be at most 0:02 long: the recording stopped."
    )
    shown.locator(RECORDER).locator("[data-voice=send]").click()
    expect(shown.locator(".timeline mc-voice-player[data-voice-file]")).to_be_visible()
    assert StoredFile.objects.get(voice=True).duration_ms < 2600  # the last chunk may run on


def test_discard_sends_and_keeps_nothing(shown):
    shown.locator("[data-voice-record]").click()
    recorded_for(shown, 1)
    shown.keyboard.press("Escape")

    expect(shown.locator(RECORDER)).to_be_hidden()
    expect(shown.locator("[data-voice-record]")).to_be_focused()
    assert not Upload.objects.exists() and not StoredFile.objects.exists()


def test_the_microphone_is_not_offered_with_audio_switched_off(page, asgi_server, widget,  # noqa: F811
                                                                contact, alice):  # fmt: skip
    widget.media = {"enabled": True, "types": ["image", "document"]}
    widget.save(update_fields=["media"])
    conversation = conversation_in("waiting", widget, contact, alice)
    shown = App(page, asgi_server, alice).open(f"/inbox/{conversation.public_id}/")

    expect(shown.locator("[data-attach]")).to_be_visible()
    expect(shown.locator("[data-voice-record]")).to_have_count(0)
