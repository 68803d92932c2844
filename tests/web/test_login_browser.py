"""A real browser signs in through the form (smoke test of templates, CSS and cookies)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.conftest import ALICE_PASSWORD


@pytest.mark.browser
def test_alice_signs_in_through_the_form_and_sees_her_home(page, live_server, alice):
    page.goto(f"{live_server.url}/")

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("E-mail").fill("alice@acme.test")
    page.get_by_label("Password").fill(ALICE_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Hello, Alice Admin")).to_be_visible()
    # Sign-out and the security settings live in the personal menu behind the avatar.
    page.wait_for_load_state()  # the shell's module has run
    page.get_by_role("button", name="Personal menu of Alice Admin").click()
    expect(page.get_by_role("menuitem", name="Sign out")).to_be_visible()
    expect(page.get_by_role("menuitem", name="Security", exact=True)).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
