"""Add-ons in a real browser against a real server: run one from the conversation's action
bar and read its answer in the sidebar's sandboxed frame (its scripts run, the Message Center
stays out of its reach), then run another in bulk from All conversations with its progress."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from messagecenter.addons.models import AddonRun
from messagecenter.conversations.models import Note
from tests.addons.conftest import make_addon
from tests.browser_fixtures import ARTIFACTS
from tests.helpers import start
from tests.realtime.conftest import asgi_server, session_cookie  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTENT = """<!doctype html><html><body>
<h1>Order 4711</h1><p id="scripted">static</p><p id="parent">reachable</p>
<script>
document.getElementById("scripted").textContent = "scripts run";
try { window.parent.document.title; } catch (error) {
  document.getElementById("parent").textContent = "isolated";
}
</script></body></html>"""


def sign_in(page, server, operator) -> str:
    app = f"http://127.0.0.1:{server.port}"
    name, value = session_cookie(operator).split("=", 1)
    page.context.add_cookies([{"name": name, "value": value, "url": app}])
    return app


def test_run_from_the_action_bar_and_read_the_frame(
    page,
    asgi_server,  # noqa: F811
    account,
    alice,
    bob,
    widget,
    contact,
    addon_server,
):
    make_addon(account, alice, addon_server)
    addon_server.answers_html(CONTENT)
    conversation = start(widget, contact, "Wo ist meine Bestellung 4711?")
    app = sign_in(page, asgi_server, bob)

    page.goto(f"{app}/inbox/{conversation.public_id}/")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Run Shop orders").click()

    panel = page.locator("#panel-addons")
    expect(panel).to_be_visible()
    expect(page.locator("#tab-addons")).to_have_attribute("aria-selected", "true")
    frame_element = panel.locator("iframe[data-addon-frame]")
    expect(frame_element).to_have_attribute("sandbox", "allow-scripts")
    frame = page.frame_locator("iframe[data-addon-frame]")
    expect(frame.locator("h1")).to_have_text("Order 4711")
    expect(frame.locator("#scripted")).to_have_text("scripts run")
    expect(frame.locator("#parent")).to_have_text("isolated")
    expect(panel.locator("[data-run-state]").first).to_have_text("Done")
    expect(page.get_by_text("Shop orders is done.")).to_be_visible()

    assert addon_server.forged == 0
    assert addon_server.received[0]["data"]["conversation"]["id"] == conversation.public_id
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "addon-sidebar.png", full_page=True)

    # A failing add-on: the panel says why, in the same place.
    addon_server.status, addon_server.content_type, addon_server.body = 500, "text/plain", b"x"
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Run Shop orders").click()
    expect(panel.locator("[data-addon-latest] [data-run-error]")).to_have_text(
        "The add-on answered HTTP 500."
    )
    assert AddonRun.objects.filter(state="failed").count() == 1


def test_run_an_add_on_in_bulk_with_progress(
    page,
    asgi_server,  # noqa: F811
    account,
    alice,
    bob,
    widget,
    addon_server,
):
    from messagecenter.contacts.services import create_contact

    addon = make_addon(
        account, alice, addon_server, name="CRM sync", in_conversation=False, in_bulk=True
    )
    first = start(widget, create_contact(account, name="Ina"), "Hallo")
    second = start(widget, create_contact(account, name="Rolf"), "Guten Tag")

    def answer(event):
        note = {"type": "add_note", "text": "Filed in the CRM"}
        return 200, "application/json", json.dumps({"actions": [note]}).encode()

    addon_server.responder = answer
    app = sign_in(page, asgi_server, bob)

    page.goto(f"{app}/conversations/")
    for conversation in (first, second):
        page.locator(f'tr[data-id="{conversation.public_id}"] input[type=checkbox]').check()
    page.locator("#bulk-action").select_option("run_addon")
    expect(page.locator("#bulk-addon")).to_be_visible()
    page.locator("#bulk-addon").select_option(addon.public_id)
    page.get_by_role("button", name="Apply to selection").click()

    expect(page.locator("#job-panel")).to_contain_text("2 of 2 processed")
    expect(page.locator("#job-panel")).to_contain_text("2 done, 0 refused")
    assert Note.objects.filter(body__startswith="Filed in the CRM").count() == 2
    assert AddonRun.objects.filter(trigger="bulk", state="succeeded").count() == 2


def test_an_admin_sets_one_up_and_reads_its_run_log(
    page,
    asgi_server,  # noqa: F811
    alice,
    widget,
    contact,
    addon_server,
):
    app = sign_in(page, asgi_server, alice)
    page.goto(f"{app}/settings/")
    page.get_by_role("link", name="Add-ons").click()
    page.get_by_role("link", name="New add-on").first.click()
    page.get_by_label("Name").fill("Shop orders")
    page.get_by_label("Endpoint URL").fill(addon_server.url)
    page.get_by_label("For selected conversations in All conversations").check()
    page.get_by_role("button", name="Create add-on").click()

    expect(page.get_by_role("heading", name="The add-on is ready")).to_be_visible()
    addon_server.secret = page.locator("#addon-secret").inner_text().strip()
    page.get_by_role("link", name="I have copied it").click()

    conversation = start(widget, contact, "Hallo")
    page.goto(f"{app}/inbox/{conversation.public_id}/")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Run Shop orders").click()
    expect(page.frame_locator("iframe[data-addon-frame]").locator("p")).to_have_text(
        "Hello from the add-on"
    )

    page.goto(f"{app}/settings/addons/")
    row = page.locator("#addons tbody tr", has_text="Shop orders")
    expect(row.locator("[data-run-state]")).to_have_text("Done")
    row.get_by_role("link", name="Run log").click()
    logged = page.locator("#run-log tbody tr")
    expect(logged).to_have_count(1)
    expect(logged).to_contain_text("Alice Admin")
    expect(logged).to_contain_text(conversation.public_id)
    summary = logged.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(logged.locator("pre")).to_contain_text("Hello from the add-on")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "settings-addons-runs.png", full_page=True)
