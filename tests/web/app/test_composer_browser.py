"""The composer in Chromium (R-CONV-2, R-CMD, R-RULES Mentions): typing indicators are sent
only for replies, and `@` in a note offers the account's operators."""

from __future__ import annotations

import contextlib
import json

import pytest
from playwright.sync_api import expect

from messagecenter.conversations.models import Note
from tests.browser_fixtures import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# The page's own socket module (one instance per page) sends a marker frame.
MARKER = """import('/static/web/js/socket.js')
  .then(({ socket }) => socket.send({ type: 'ping', marker: true }))"""


class SentFrames:
    """Every frame the page sends on its WebSockets."""

    def __init__(self, page):
        self.frames: list[dict] = []
        page.on("websocket", lambda ws: ws.on("framesent", self._sent))

    def _sent(self, payload) -> None:
        with contextlib.suppress(TypeError, ValueError):
            self.frames.append(json.loads(payload))

    def typing(self) -> list[dict]:
        return [frame for frame in self.frames if frame.get("type") == "typing"]

    def flush(self, page) -> None:
        """Frames leave a socket in order: once a marker ping is seen, everything the page
        sent before it has been seen too (no waiting for a time that proves nothing)."""
        count = len(self.frames)
        page.evaluate(MARKER)
        wait_until(page, "true")
        for _ in range(100):
            if any(frame.get("marker") for frame in self.frames[count:]):
                return
            page.wait_for_timeout(20)
        raise AssertionError("the marker frame never left the page")

    def wait_for(self, page, type_: str) -> None:
        for _ in range(250):
            if any(frame.get("type") == type_ for frame in self.frames):
                return
            page.wait_for_timeout(20)
        raise AssertionError(f"no {type_} frame was sent")


def open_conversation(app_for, operator, conversation):
    app = app_for(operator)
    sent = SentFrames(app.page)
    page = app.open(f"/inbox/{conversation.public_id}/")
    sent.wait_for(page, "subscribe")  # the conversation's socket is open
    return page, sent, page.get_by_label("Message or note")


@pytest.mark.parametrize("draft", ["$note Kundin ruft zurück", "!Begrüßung", " $status waiting"])
def test_commands_and_macros_send_no_typing_indicator(app_for, alice, alices, draft):
    page, sent, composer = open_conversation(app_for, alice, alices)

    composer.press_sequentially(draft, delay=20)
    composer.press("Escape")  # the picker closes; the draft stays a command
    page.keyboard.type(" x")

    sent.flush(page)
    assert sent.typing() == []


def test_a_reply_sends_a_typing_indicator(app_for, alice, alices):
    page, sent, composer = open_conversation(app_for, alice, alices)

    composer.press_sequentially("Hallo", delay=20)

    sent.flush(page)
    assert [frame["conversation"] for frame in sent.typing()] == [alices.public_id]


def test_a_note_sends_no_typing_indicator(app_for, alice, alices):
    page, sent, composer = open_conversation(app_for, alice, alices)

    composer.press("Alt+n")
    composer.press_sequentially("Nur intern", delay=20)

    sent.flush(page)
    assert sent.typing() == []


def test_at_in_a_note_offers_colleagues_and_inserts_the_handle(app_for, alice, bob, alices):
    """GIVEN colleagues Bea and Bob WHEN Alice types `@b` in a note THEN both are offered (not
    Alice herself); the keys choose one, Enter inserts the handle the mention parser reads,
    and the saved note mentions Bob."""
    from messagecenter.accounts import services as accounts

    accounts.create_operator(alice.account, name="Bea Berger", email="bea@acme.test")
    page, _sent, composer = open_conversation(app_for, alice, alices)
    picker = page.locator("[data-picker]")

    composer.press("Alt+n")
    composer.press_sequentially("Bitte @b", delay=20)
    expect(picker.locator(".picker__label")).to_have_text(["Bea Berger", "Bob Builder"])
    composer.press("ArrowDown")
    expect(picker.locator("[aria-selected=true] .picker__label")).to_have_text("Bob Builder")
    composer.press_sequentially("o", delay=20)
    expect(picker.locator(".picker__label")).to_have_text(["Bob Builder"])
    composer.press("Enter")

    expect(composer).to_have_value("Bitte @bob ")
    expect(picker).to_be_hidden()
    composer.press_sequentially("übernehmen", delay=10)
    composer.press("Enter")
    expect(page.locator(".timeline .note", has_text="übernehmen")).to_be_visible()
    note = Note.objects.get(conversation=alices)
    assert note.body == "Bitte @bob übernehmen"
    assert note.mentions == [bob.public_id]


def test_at_in_a_reply_offers_nobody(app_for, alice, bob, alices):
    page, _sent, composer = open_conversation(app_for, alice, alices)

    composer.press_sequentially("Schreib an @b", delay=20)

    expect(page.locator("[data-picker]")).to_be_hidden()
