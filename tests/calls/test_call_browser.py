"""A call between two browsers (R-FILE-3), in Chromium with its fake microphone and camera,
through the private coturn in relay-only mode: the operator offers from the conversation, the
contact accepts in the messenger, media flows over a relay pair, the contact switches the
camera on and off, either side hangs up; a declined call and an offer that rings out (missed
after 180 s on the controllable clock) show on both sides."""

from __future__ import annotations

import os
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from playwright.sync_api import expect, sync_playwright

from messagecenter.calls import services as calls
from messagecenter.calls.models import Call, CallState
from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation
from messagecenter.core.actors import Actor
from messagecenter.notifications.models import Kind, Notification
from tests.browser_fixtures import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    _async_unsafe_allowed,
    wait_until,
)
from tests.calls.coturn import coturn, relay  # noqa: F401
from tests.realtime.conftest import asgi_server, session_cookie  # noqa: F401
from tests.webchat.conftest import site  # noqa: F401
from tests.webchat.helpers import eventually, open_messenger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
OPERATOR_CALL = "document.querySelector('[data-call-window]')"
CONTACT_CALL = (
    "document.querySelector('message-center-messenger').shadowRoot.querySelector('.call')"
)


@pytest.fixture(scope="module")
def media_browser():
    """Chromium whose microphone and camera are fake devices, granted without a prompt."""
    with _async_unsafe_allowed(), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *FAKE_MEDIA]
        )
        yield chromium
        chromium.close()


def _context(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def two_sides(media_browser, site, widget, alice, relay):  # noqa: F811
    """Clara wrote in the messenger (tab B); Alice has the conversation open (tab A)."""
    contact_context, operator_context = _context(media_browser), _context(media_browser)
    contact_tab, operator_tab = contact_context.new_page(), operator_context.new_page()
    messenger = open_messenger(contact_tab, f"{site}/demo/?widget={widget.key}&lang=en")
    composer = messenger.get_by_role("textbox", name="Message")
    composer.fill("Können wir telefonieren?")
    composer.press("Enter")
    conversation = eventually(lambda: Conversation.objects.first())
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    name, value = session_cookie(alice).split("=", 1)
    operator_context.add_cookies([{"name": name, "value": value, "url": site}])
    operator_tab.goto(f"{site}/inbox/{conversation.public_id}/")
    wait_until(operator_tab, "document.querySelector('.toasts') !== null")
    yield SimpleNamespace(
        operator=operator_tab, contact=contact_tab, messenger=messenger, conversation=conversation
    )
    contact_context.close()
    operator_context.close()


def offer(operator_tab, kind: str = "Audio call"):
    operator_tab.get_by_role("button", name="Audio or video call").click()
    operator_tab.get_by_role("menuitem", name=kind).click()
    wait_until(operator_tab, f"{OPERATOR_CALL}?.dataset.state === 'ringing'")
    return eventually(lambda: Call.objects.first())


def _pictures(operator_tab, contact_tab) -> None:
    """With MC_SCREENSHOTS=1, keep both sides of the call for design reviews."""
    if os.environ.get("MC_SCREENSHOTS"):
        (ARTIFACTS / "calls").mkdir(parents=True, exist_ok=True)
        operator_tab.screenshot(path=ARTIFACTS / "calls" / "operator.png")
        contact_tab.screenshot(path=ARTIFACTS / "calls" / "contact.png")


def stats(tab, element: str) -> dict:
    return tab.evaluate(f"{element}.peer.stats()")


def test_a_call_connects_through_the_relay_and_carries_media(two_sides):
    operator_tab, contact_tab = two_sides.operator, two_sides.contact
    messenger = two_sides.messenger
    offer(operator_tab)
    # The visitor has no name yet: the window names them as the conversation's header does.
    label = "#" + two_sides.conversation.contact.public_id[-5:]
    expect(operator_tab.locator("#call-title")).to_have_text(f"Call with {label}")
    incoming = messenger.locator(".call")
    expect(incoming.get_by_role("heading")).to_contain_text("Alice Admin is calling you")
    incoming.get_by_role("button", name="Accept").click()

    wait_until(operator_tab, f"{OPERATOR_CALL}.dataset.state === 'connected'", timeout=20)
    wait_until(contact_tab, f"{CONTACT_CALL}.dataset.state === 'connected'", timeout=20)
    for tab, element in ((operator_tab, OPERATOR_CALL), (contact_tab, CONTACT_CALL)):
        wait_until(tab, f"{element}.peer.stats().then(s => s.bytesReceived > 0)", timeout=20)
        route = stats(tab, element)
        # Relay-only: both ends of the selected pair are TURN relay candidates.
        assert (route["local"], route["remote"]) == ("relay", "relay"), route
    assert Call.objects.get().state == CallState.ACCEPTED

    # The contact switches the camera on: the operator sees a picture; then off again.
    operator_video = operator_tab.locator("[data-call-window] [data-remote]")
    expect(operator_video).to_be_hidden()
    camera = incoming.get_by_role("button", name="Camera")
    expect(camera).to_have_attribute("aria-pressed", "false")
    camera.click()
    expect(camera).to_have_attribute("aria-pressed", "true")
    expect(operator_video).to_be_visible()
    wait_until(operator_tab, f"{OPERATOR_CALL}.querySelector('[data-remote]').videoWidth > 0")
    _pictures(operator_tab, contact_tab)
    camera.click()
    expect(camera).to_have_attribute("aria-pressed", "false")
    expect(operator_video).to_be_hidden()

    operator_tab.get_by_role("button", name="Hang up").click()
    wait_until(operator_tab, f"{OPERATOR_CALL}.dataset.result === 'ended'")
    wait_until(contact_tab, f"{CONTACT_CALL}.dataset.result === 'ended'")
    call = Call.objects.get()
    assert call.state == CallState.ENDED and call.ended_by == "operator"
    expect(operator_tab.locator(".timeline")).to_contain_text("Alice Admin ended the call after")
    expect(messenger.locator(".callnote")).to_contain_text("Call · 0:")


def test_the_contact_declines(two_sides):
    operator_tab, messenger = two_sides.operator, two_sides.messenger
    offer(operator_tab, "Video call")
    incoming = messenger.locator(".call")
    expect(incoming.get_by_role("heading")).to_contain_text("is calling you (video)")
    incoming.get_by_role("button", name="Decline").click()
    wait_until(operator_tab, f"{OPERATOR_CALL}.dataset.result === 'declined'")
    expect(operator_tab.locator("[data-call-window]")).to_contain_text("declined the call")
    assert eventually(lambda: Call.objects.get().state == CallState.DECLINED)
    expect(messenger.locator(".callnote")).to_contain_text("Declined call")


def test_an_unanswered_offer_expires_as_missed_on_both_sides(two_sides, alice):
    operator_tab, messenger = two_sides.operator, two_sides.messenger
    call = offer(operator_tab)
    expect(messenger.locator(".call").get_by_role("button", name="Accept")).to_be_visible()
    with time_machine.travel(call.offered_at + timedelta(seconds=181), tick=True):
        assert calls.expire_offers() == 1  # the periodic sweep at 180 s
    wait_until(operator_tab, f"{OPERATOR_CALL}.dataset.result === 'missed'")
    expect(operator_tab.locator("[data-call-window]")).to_contain_text("did not answer")
    expect(messenger.locator(".callnote")).to_contain_text("Missed call")
    expect(operator_tab.locator(".timeline")).to_contain_text("Missed call")
    assert Notification.objects.filter(operator=alice, kind=Kind.CALL_MISSED).count() == 1
