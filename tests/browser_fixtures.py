"""Playwright fixtures for browser tests, driving Debian's Chromium.

A plain module, so any conftest can opt in::

    from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: F401

``page`` saves a full-page screenshot to ``test-artifacts/<test name>.png`` when the test fails.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
_CALL_REPORT = pytest.StashKey()


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module.

    Module scope, not session: while Playwright's sync API is open its event loop counts as
    running in this thread, which would break async tests (and Django's async-safety check)
    in every module that runs after the first browser test.
    """
    with _async_unsafe_allowed(), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies) in English, at laptop size."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    report = request.node.stash.get(_CALL_REPORT, None)
    if report is not None and report.failed:
        _save_screenshot(tab, request.node.nodeid)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep the call phase's report on the test item, so ``page`` knows whether it failed."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    return report


class _async_unsafe_allowed:
    """Django refuses ORM calls while an event loop runs in the thread, and Playwright's sync
    API keeps one running; live_server tests must still create data and flush the database.
    Allowed only while a browser is open, so other tests keep Django's safety check."""

    def __enter__(self):
        self.previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    def __exit__(self, *exc_info):
        if self.previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self.previous


def _save_screenshot(tab, nodeid: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        tab.screenshot(path=ARTIFACTS / f"{_safe_name(nodeid)}.png", full_page=True)
    except PlaywrightError as error:
        # Headless Chromium now and then cannot capture; the test's own failure matters more.
        warnings.warn(f"no failure screenshot for {nodeid}: {error}", stacklevel=1)


def _safe_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)[-150:]


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll ``expression`` in the page until it is true. Playwright's wait_for_function
    compiles its predicate with eval inside the page, which our Content-Security-Policy
    refuses; ``evaluate`` runs through the DevTools protocol, outside the page's policy."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(50)
