"""Real browser: the import wizard with its live progress bar, and erasure confirmation, in
English and German."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from playwright.sync_api import expect

from messagecenter.accounts import services as accounts
from messagecenter.contacts import importer
from messagecenter.contacts.models import Contact
from messagecenter.contacts.services import create_contact
from messagecenter.core.actors import Actor
from messagecenter.jobs import tasks
from tests.browser_fixtures import wait_until
from tests.realtime.conftest import session_cookie

ROWS = 12
CSV = (
    "\ufeffName;E-Mail;Telefon\r\n"
    + "".join(f"Person {n};person{n}@example.de;0151 {n:08d}\r\n" for n in range(1, ROWS))
    + "Kaputt;kein-at-zeichen;\r\n"
).encode()

TEXT = {
    "en": {
        "continue": "Continue",
        "check": "Check the file",
        "import": f"Import {ROWS - 1} contacts",
        "refused": "Refused rows",
        "report": "Download report (CSV)",
        "erase": "Erase contact",
        "erase_for_good": "Erase for good",
        "word": "ERASE",
        "erased": "is being erased",
    },
    "de": {
        "continue": "Weiter",
        "check": "Datei prüfen",
        "import": f"{ROWS - 1} Kontakte importieren",
        "refused": "Abgelehnte Zeilen",
        "report": "Bericht herunterladen (CSV)",
        "erase": "Kontakt löschen",
        "erase_for_good": "Endgültig löschen",
        "word": "LÖSCHEN",
        "erased": "wird mit allen Unterhaltungen",
    },
}


def sign_in(page, live_server, operator, language: str) -> None:
    accounts.update_profile(operator, actor=Actor.for_operator(operator), language=language)
    cookie = session_cookie(operator).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": live_server.url}])


@pytest.fixture
def slow_background_import(monkeypatch):
    """The import job runs in a thread, as Huey's worker would, with a pause between batches
    of two rows, so the page can be seen polling progress between 0 and 100 %."""
    monkeypatch.setattr(importer, "BATCH", 2)
    real_plan = importer.plan

    def slow_plan(*args, **kwargs):
        for batch in real_plan(*args, **kwargs):
            time.sleep(0.4)  # the simulated work of a big batch, outside any transaction
            yield batch

    monkeypatch.setattr(importer, "plan", slow_plan)
    run = tasks.run_job.call_local
    threads = []

    def in_background(job_pk):
        def work():
            try:
                run(job_pk)
            finally:
                connection.close()

        thread = threading.Thread(target=work)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(tasks, "run_job", in_background)
    yield
    for thread in threads:
        thread.join(timeout=30)


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "de"])
def test_import_with_live_progress_and_report(
    page, live_server, alice, account, language, tmp_path, slow_background_import
):
    text = TEXT[language]
    sign_in(page, live_server, alice, language)
    csv_file = tmp_path / "kontakte.csv"
    csv_file.write_bytes(CSV)

    page.goto(f"{live_server.url}/contacts/import/")
    page.set_input_files("input[type=file]", str(csv_file))
    expect(page.locator("[data-drop-name]")).to_have_text("kontakte.csv")
    page.get_by_role("button", name=text["continue"]).click()

    expect(page.locator("select[name=col_1]")).to_have_value("email")
    page.get_by_role("button", name=text["check"]).click()

    expect(page.locator("[data-count=create]")).to_have_text(str(ROWS - 1))
    expect(page.locator("[data-count=refuse]")).to_have_text("1")
    page.get_by_role("button", name=text["import"]).click()

    bar = page.get_by_role("progressbar")
    wait_until(
        page,
        "() => { const v = +document.querySelector('[data-bar]').getAttribute('aria-valuenow');"
        " return v > 0 && v < 100; }",
    )
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=20_000)
    expect(page.get_by_role("heading", name=text["refused"])).to_be_visible(timeout=10_000)
    expect(page.get_by_role("link", name=text["report"])).to_be_visible()
    assert Contact.objects.filter(account=account).count() == ROWS - 1


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "de"])
def test_erasure_waits_for_the_name_or_the_word(page, live_server, alice, account, language):
    text = TEXT[language]
    clara = create_contact(account, name="Clara Kundin", email="clara@example.com")
    sign_in(page, live_server, alice, language)

    page.goto(f"{live_server.url}/contacts/{clara.public_id}/")
    page.get_by_role("button", name=text["erase"]).click()
    dialog = page.get_by_role("dialog")
    confirm = dialog.get_by_role("button", name=text["erase_for_good"])
    expect(confirm).to_be_disabled()
    dialog.get_by_role("textbox").fill("Clara")
    expect(confirm).to_be_disabled()
    dialog.get_by_role("textbox").fill(text["word"])
    expect(confirm).to_be_enabled()
    dialog.get_by_role("textbox").fill("clara kundin")
    expect(confirm).to_be_enabled()
    confirm.click()

    expect(page).to_have_url(f"{live_server.url}/contacts/")
    expect(page.get_by_text(text["erased"])).to_be_visible()
    assert not Contact.objects.filter(pk=clara.pk).exists()


@pytest.mark.browser
def test_erasing_selected_contacts_names_the_count(page, live_server, alice, account):
    for name in ("Anna", "Bert", "Carla"):
        create_contact(account, name=name)
    sign_in(page, live_server, alice, "en")

    page.goto(f"{live_server.url}/contacts/")
    page.get_by_role("checkbox", name="Select Anna").check()
    page.get_by_role("checkbox", name="Select Carla").check()
    expect(page.get_by_text("2 selected")).to_be_visible()
    page.get_by_role("button", name="Erase…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Erase 2 contacts?")
    dialog.get_by_role("button", name="Erase 2 contacts").click()

    expect(page.get_by_text("2 contacts are being erased")).to_be_visible()
    assert list(Contact.objects.filter(account=account).values_list("name", flat=True)) == ["Bert"]
