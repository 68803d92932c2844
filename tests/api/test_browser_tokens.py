"""A personal token made in a real browser: the secret shown once works against the API,
and revoking it from the list makes the API refuse it."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ARTIFACTS, browser, page, pytest_runtest_makereport  # noqa: F401
from tests.realtime.conftest import asgi_server, session_cookie  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_use_and_revoke_a_personal_token(page, asgi_server, bob):  # noqa: F811
    app = f"http://127.0.0.1:{asgi_server.port}"
    cookie = session_cookie(bob).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    page.goto(app + "/me/settings/")
    page.get_by_role("link", name="API tokens").click()

    page.get_by_label("Name").fill("Export script")
    page.get_by_label("conversations:write", exact=False).check()
    page.get_by_role("button", name="Create token").click()

    expect(page.get_by_role("heading", name="“Export script” is ready")).to_be_visible()
    secret = page.locator("#new-token").inner_text().strip()
    me = httpx.get(app + "/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["token"]["scopes"] == [
        "conversations:read",
        "conversations:write",
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "personal-api-tokens.png", full_page=True)

    row = page.locator("#personal-tokens tbody tr", has_text="Export script")
    expect(row).to_contain_text("conversations:write")
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("“Export script” is revoked")).to_be_visible()
    assert page.locator("#new-token").count() == 0  # the secret is never shown again
    refused = httpx.get(app + "/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401
