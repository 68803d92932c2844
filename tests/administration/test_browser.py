"""The administration pages in a real browser against a real server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import time_machine
from PIL import Image
from playwright.sync_api import expect

from messagecenter.accounts import services as accounts
from messagecenter.accounts import totp
from messagecenter.contacts.services import create_contact
from messagecenter.conversations.models import Conversation
from tests.administration.conftest import sign_in
from tests.browser_fixtures import ARTIFACTS
from tests.conftest import as_actor
from tests.helpers import conversation_in
from tests.webchat.helpers import open_messenger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_the_audit_log_and_export_it(page, asgi_server, alice, bob):
    accounts.create_group(alice.account, "Sales", actor=as_actor(alice))
    accounts.set_max_slots(bob, 4, actor=as_actor(alice))
    app = sign_in(page, asgi_server, alice)
    page.goto(app + "/settings/")
    page.get_by_role("link", name="Audit log").click()
    rows = page.locator("#audit-log tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_label("Action").select_option("operator.slots_changed")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Alice Admin")
    expect(rows.first).to_contain_text(bob.public_id)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "settings-audit-log.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    body = Path(download.value.path()).read_text(encoding="utf-8")
    assert "operator.slots_changed" in body and "group.created" not in body


def test_set_a_logo_and_a_support_contact_then_read_help(page, asgi_server, alice, tmp_path):
    app = sign_in(page, asgi_server, alice)
    page.goto(app + "/settings/")
    page.get_by_role("link", name="Account").click()
    logo = tmp_path / "logo.png"
    Image.new("RGB", (320, 160), (10, 120, 200)).save(logo)
    page.locator("#logo-settings").get_by_label("Logo").set_input_files(str(logo))
    page.get_by_role("button", name="Upload logo").click()
    expect(page.get_by_text("The logo has been saved.")).to_be_visible()
    expect(page.locator("#account-logo")).to_be_visible()
    assert page.locator("#account-logo").evaluate("img => img.naturalWidth") == 256

    page.get_by_label("Support e-mail").fill("help@acme.test")
    page.get_by_role("button", name="Save").nth(1).click()
    expect(page.get_by_text("The help settings have been saved.")).to_be_visible()

    page.get_by_role("link", name="Help").first.click()
    expect(page.get_by_role("heading", name="Frequently asked questions")).to_be_visible()
    expect(page.get_by_role("link", name="help@acme.test")).to_be_visible()
    question = page.get_by_text("Who can reply in a conversation?")
    question.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Only the assigned operator.", exact=False)).to_be_visible()
    expect(page.locator("#help-shortcuts kbd", has_text="?").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "help.png", full_page=True)


def test_required_two_factor_sends_an_operator_to_set_it_up_after_sign_in(
    page, asgi_server, alice, bob
):
    secret = totp.new_secret()
    totp.enable(alice, secret=secret, code=pyotp.TOTP(secret).now(), actor=as_actor(alice))
    admin = sign_in(page, asgi_server, alice)
    page.goto(admin + "/settings/security/")
    page.get_by_label("Require two-factor sign-in of every operator").check()
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Two-factor sign-in is now required of every operator.")
    ).to_be_visible()
    page.context.clear_cookies()

    page.goto(admin + "/login/")
    page.get_by_label("E-mail").fill("bob@acme.test")
    page.get_by_label("Password").fill("bob-pass-1234")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    assert page.url.endswith("/security/two-factor/setup/")
    page.goto(admin + "/inbox/")
    assert page.url.endswith("/security/two-factor/setup/")


def test_a_retention_run_and_its_receipt(page, asgi_server, alice, account, widget):
    """GIVEN an ended conversation 40 days old; WHEN the admin sets 30 days and runs it now;
    THEN the run is listed with one deleted conversation and its receipt downloads."""
    contact = create_contact(account, name="Greta Alt", email="greta@example.com")
    with time_machine.travel(datetime.now(UTC) - timedelta(days=40), tick=False):
        old = conversation_in("ended", widget, contact, alice)
    app = sign_in(page, asgi_server, alice)
    page.goto(app + "/settings/")
    page.get_by_role("link", name="Data retention").click()
    card = page.locator(f"#retention-{widget.public_id}")
    card.get_by_label("Delete ended conversations after (days)").fill("30")
    card.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The retention of Website has been saved.")).to_be_visible()
    page.locator(f"#retention-{widget.public_id}").get_by_role("button", name="Run now").click()
    expect(page.get_by_text("Retention run", exact=False)).to_be_visible()
    page.reload()
    row = page.locator("#retention-runs tbody tr").first
    expect(row).to_contain_text("Done")
    expect(row.locator("td").nth(3)).to_have_text("1")
    page.screenshot(path=ARTIFACTS / "settings-retention.png", full_page=True)
    with page.expect_download() as download:
        row.get_by_role("link", name="Download receipt").click()
    receipt = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert receipt["counts"]["conversations"] == 1
    assert old.public_id not in json.dumps(receipt) and "Greta" not in json.dumps(receipt)
    assert not Conversation.objects.filter(pk=old.pk).exists()


def test_business_hours_answer_a_contact_after_hours(page, asgi_server, alice, widget, browser):
    """GIVEN it is Saturday noon (the controllable clock); WHEN the admin sets Monday to Friday
    9-17 with an out-of-office message; THEN a contact writing in the messenger reads that
    message at once and the routing decision says out of office."""
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    with time_machine.travel(saturday, tick=False):
        app = sign_in(page, asgi_server, alice)
        page.goto(app + "/settings/")
        page.get_by_role("link", name="Business hours").click()
        page.get_by_role("link", name="Edit").first.click()
        page.get_by_label("Use business hours").check()
        page.get_by_label("Time zone").select_option("Europe/Berlin")
        for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
            page.get_by_label(day, exact=True).fill("09:00-17:00")
        page.get_by_label("Outside business hours").select_option("message")
        page.get_by_label("Out-of-office message").fill("We are back on Monday at 9.")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("The business hours of Website have been saved.")).to_be_visible()
        page.get_by_role("link", name="Edit").first.click()
        expect(page.locator("#open-now")).to_have_text("Closed now.")

        visitor = browser.new_context(locale="en-US").new_page()
        messenger = open_messenger(visitor, f"{app}/demo/?widget={widget.key}&lang=en")
        composer = messenger.get_by_role("textbox", name="Message")
        composer.fill("Hello, anyone there?")
        composer.press("Enter")
        expect(messenger.get_by_text("We are back on Monday at 9.")).to_be_visible()
        visitor.context.close()
    conversation = Conversation.objects.get()
    decision = conversation.timeline.get(kind="routing_decision").data
    assert decision["rule"] == "out_of_office" and conversation.assigned_operator is None
