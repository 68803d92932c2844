"""Each role's visible navigation, in a real browser against a real server: the rail and the
personal menu offer exactly what the role may use, and the supervisor reaches the audit log."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Role
from tests.administration.conftest import sign_in
from tests.browser_fixtures import ARTIFACTS
from tests.conftest import as_actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVERYONE = ["Home", "Inbox", "All conversations", "Contacts", "Operators", "Analytics", "Help"]


def _rail(page):
    return page.get_by_role("navigation", name="Main navigation")


def test_an_admin_sees_settings(page, asgi_server, alice):
    app = sign_in(page, asgi_server, alice)
    page.goto(app + "/")
    rail = _rail(page)
    for name in [*EVERYONE, "Settings"]:
        expect(rail.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(rail.get_by_role("link", name="Audit log")).to_have_count(0)
    page.get_by_role("button", name="Personal menu of Alice Admin").click()
    expect(page.get_by_role("menuitem", name="Settings", exact=True)).to_be_visible()


def test_a_supervisor_sees_the_audit_log_but_no_settings(page, asgi_server, alice, account):
    sam = accounts.create_operator(
        account, name="Sam Supervisor", email="sam@acme.test", password="sam-pass-12345",
        role=Role.SUPERVISOR,
    )  # fmt: skip
    accounts.create_group(account, "Sales", actor=as_actor(alice))
    app = sign_in(page, asgi_server, sam)
    page.goto(app + "/")
    rail = _rail(page)
    for name in EVERYONE:
        expect(rail.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(rail.get_by_role("link", name="Settings", exact=True)).to_have_count(0)

    rail.get_by_role("link", name="Audit log").click()
    expect(page.locator("#audit-log tbody tr")).to_have_count(1)
    expect(rail.get_by_role("link", name="Audit log")).to_have_attribute("aria-current", "page")
    # The settings tabs are not offered: a supervisor has only this page of them.
    expect(page.get_by_role("navigation", name="Settings")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "roles-supervisor-audit-log.png", full_page=True)
    page.get_by_role("button", name="Personal menu of Sam Supervisor").click()
    expect(page.get_by_role("menuitem", name="Personal settings")).to_be_visible()
    expect(page.get_by_role("menuitem", name="Settings", exact=True)).to_have_count(0)


def test_an_operator_sees_neither_settings_nor_the_audit_log(page, asgi_server, bob):
    app = sign_in(page, asgi_server, bob)
    page.goto(app + "/")
    rail = _rail(page)
    for name in EVERYONE:
        expect(rail.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(rail.get_by_role("link", name="Settings", exact=True)).to_have_count(0)
    expect(rail.get_by_role("link", name="Audit log")).to_have_count(0)
    page.get_by_role("button", name="Personal menu of Bob Builder").click()
    expect(page.get_by_role("menuitem", name="Settings", exact=True)).to_have_count(0)
