"""A Chromium for voice messages: Chromium's fake microphone (a beeping tone) granted without a
prompt, and media allowed to play without a click first. Test modules import ``browser`` from
here instead of ``tests.browser_fixtures`` (same module scope, same fixtures otherwise)."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.browser_fixtures import CHROMIUM, CHROMIUM_ARGS, _async_unsafe_allowed

FAKE_MEDIA_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="module")
def browser():
    with _async_unsafe_allowed(), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *FAKE_MEDIA_ARGS]
        )
        yield chromium
        chromium.close()


def player_state(page, selector: str) -> dict:
    """A voice player's state, read from its element: playing or paused, position, time."""
    return page.evaluate(
        """(selector) => {
            const messenger = document.querySelector("message-center-messenger")?.shadowRoot;
            const player = document.querySelector(selector) || messenger?.querySelector(selector);
            if (!player) return null;
            return { state: player.dataset.state, at: player.currentTime,
                     time: player.shadowRoot.querySelector(".time").textContent };
        }""",
        selector,
    )
