"""Helpers of the messenger's browser tests."""

from __future__ import annotations

import os
import time

from tests.browser_fixtures import ARTIFACTS


def eventually(probe, timeout: float = 8.0):
    """Poll the database (written by the server thread) until ``probe`` returns a value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the server")
        time.sleep(0.05)


def open_messenger(page, url: str, label: str = "Open chat"):
    page.goto(url)
    messenger = page.locator("message-center-messenger")
    messenger.get_by_role("button", name=label).click()
    return messenger


def snapshot(messenger, name: str, part: str = ".panel") -> None:
    """With MC_SCREENSHOTS=1, keep a picture of the messenger's panel for design reviews."""
    if os.environ.get("MC_SCREENSHOTS"):
        (ARTIFACTS / "messenger").mkdir(parents=True, exist_ok=True)
        messenger.locator(part).screenshot(path=ARTIFACTS / "messenger" / f"{name}.png")
