"""Every page under the Content-Security-Policy in a real browser: no violation reported.

GIVEN a running server and Chromium WHEN every operator page, the sign-in and password pages,
the demo shop with the messenger, the hosted chat page and the API docs are opened (and their
script-built parts such as the emoji picker are used) THEN Chromium reports no
``securitypolicyviolation`` and logs no "Refused to …" console message.

With ``MC_SCREENSHOTS=<folder>`` each page is also saved as a 1440 px wide screenshot (for
comparing the look before and after a stylesheet change).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from messagecenter.conversations import notes
from tests.conftest import as_actor
from tests.web.app.conftest import reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Registered before any page script runs; the event bubbles (and crosses shadow roots).
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const { violatedDirective, blockedURI, sourceFile, lineNumber } = event;
  window.__cspViolations.push(`${violatedDirective} ${blockedURI} ${sourceFile}:${lineNumber}`);
}, true);
"""


class Tour:
    """Chromium at 1440 px that records every CSP complaint of every page it opens."""

    def __init__(self, page, server):
        self.page, self.base = page, f"http://127.0.0.1:{server.port}"
        self.refused: list[str] = []
        page.set_viewport_size({"width": 1440, "height": 900})
        page.add_init_script(WATCH_VIOLATIONS)
        page.on("console", self._console)
        shots = os.environ.get("MC_SCREENSHOTS")
        self.shots = Path(shots) if shots else None

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            self.refused.append(f"{self.page.url}: {text}")

    def sign_in(self, operator) -> None:
        from tests.realtime.conftest import session_cookie

        name, value = session_cookie(operator).split("=", 1)
        self.page.context.add_cookies([{"name": name, "value": value, "url": self.base}])

    def visit(self, path: str, ready: str = "body") -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, path
        expect(self.page.locator(ready).first).to_be_attached()
        self.page.wait_for_load_state("networkidle")
        self.check(path)
        if self.shots is not None:
            self.shots.mkdir(parents=True, exist_ok=True)
            name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
            self.page.screenshot(path=self.shots / f"{name}.png", full_page=True)

    def check(self, where: str) -> None:
        seen = self.page.evaluate("window.__cspViolations || []")
        assert not seen, f"{where}: {seen}"
        assert not self.refused, self.refused


@pytest.fixture
def tour(page, asgi_server):
    return Tour(page, asgi_server)


@pytest.fixture
def busy(alice, bob, widget, contact, alices):
    """A conversation with a reply and a note, so the timeline shows every kind of entry."""
    reply(alices, alice, "Ich schaue nach")
    notes.add_note(alices, "Stammkundin, @bob bitte übernehmen", actor=as_actor(alice))
    return alices


def test_every_operator_page_runs_without_a_policy_violation(tour, alice, bob, widget, busy):
    tour.sign_in(alice)
    pages = [
        "/", "/inbox/", f"/inbox/{busy.public_id}/", "/conversations/", "/contacts/",
        f"/contacts/{busy.contact.public_id}/", "/contacts/import/", "/operators/",
        "/notifications/", "/me/settings/", "/settings/operators/",
        f"/settings/operators/{bob.public_id}/", "/settings/operators/invite/",
        "/settings/groups/", "/settings/topics/", "/settings/chat-tools/",
        "/settings/chat-tools/macros/new/", "/settings/widgets/",
        f"/settings/widgets/{widget.public_id}/", "/settings/contact-fields/", "/security/",
        "/security/password/", "/security/two-factor/setup/", "/campaigns/",
    ]  # fmt: skip
    for path in pages:
        tour.visit(path, ready="[data-nav=inbox]")


def test_the_composer_tools_run_without_a_policy_violation(tour, alice, busy):
    """The emoji picker (a web component with its own styles) and the `$` picker."""
    tour.sign_in(alice)
    tour.visit(f"/inbox/{busy.public_id}/", ready="[data-input]")
    page = tour.page
    page.locator("[data-emoji]").click()
    expect(page.locator("emoji-picker")).to_be_visible()
    page.locator("emoji-picker").locator("button.emoji").first.wait_for()
    page.keyboard.press("Escape")
    page.get_by_label("Message or note").fill("$")
    expect(page.locator("[data-picker] .picker__item").first).to_be_visible()
    tour.check("composer tools")


def test_public_pages_run_without_a_policy_violation(tour, widget):
    for path in ("/login/", "/password/reset/", "/password/reset/sent/"):
        tour.visit(path)
    tour.visit(f"/chat/{widget.key}/", ready="message-center-messenger")
    tour.visit(f"/demo/?widget={widget.key}", ready="message-center-messenger")
    launcher = tour.page.locator("message-center-messenger .launcher")
    launcher.click()
    expect(tour.page.locator("message-center-messenger textarea")).to_be_visible()
    tour.check("demo messenger")


def test_the_api_docs_load_their_local_assets_under_the_policy(tour, alice):
    tour.sign_in(alice)
    tour.visit("/api/v1/docs", ready="#swagger-ui .info")
    assert "Message Center API" in tour.page.locator("#swagger-ui .info").inner_text()
