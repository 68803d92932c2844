"""R-CONTACT-3: the import wizard through its views — upload, mapping, dry run, start,
progress, report, undo — with Excel files and broken ones."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from messagecenter.contacts.fields import define_field
from messagecenter.contacts.models import Contact, ContactImport, ImportState
from messagecenter.contacts.services import create_contact, find_by_identity
from messagecenter.core.actors import Actor
from messagecenter.files.models import StoredFile
from tests.helpers import start

pytestmark = pytest.mark.django_db

EXCEL = (
    "\ufeffName;E-Mail;Telefon;Firma;Kundennummer;Stufe\r\n"
    'Jörg Müller;joerg@example.de;0151 11111111;"Müller; Söhne";K-1;Gold\r\n'
    "Anna Schmidt;ANNA@example.de;;;K-2;Silber\r\n"
    "Kaputt;kein-at-zeichen;;;K-3;Gold\r\n"
).encode()
MAPPING = {
    "col_0": "name",
    "col_1": "email",
    "col_2": "phone",
    "col_3": "company",
    "col_4": "customer_id",
    "col_5": "custom:tier",
}


@pytest.fixture
def tier(account, alice):
    define_field(
        account,
        actor=Actor.for_operator(alice),
        key="tier",
        label="Tier",
        type="select",
        options=["Gold", "Silber"],
    )


def upload(client, data: bytes = EXCEL, name: str = "kontakte.csv"):
    return client.post(
        reverse("contact_import"), {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


def uploaded_file_id(response) -> str:
    return response["Location"].rstrip("/").split("/")[-1]


def run_wizard(client, captured, data=EXCEL, mapping=MAPPING, on_duplicate="skip"):
    file_id = uploaded_file_id(upload(client, data))
    with captured(execute=True):
        response = client.post(
            reverse("contact_import_start", args=[file_id]),
            {**mapping, "on_duplicate": on_duplicate},
        )
    assert response.status_code == 302, response.content[:2000]
    return ContactImport.objects.get(public_id=response["Location"].rstrip("/").split("/")[-1])


def test_upload_page_lists_the_steps_and_recent_imports(bob_client):
    response = bob_client.get(reverse("contact_import"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Map columns" in html and "Choose a CSV file" in html


def test_excel_file_goes_to_the_mapping_with_suggestions(bob_client, tier):
    response = upload(bob_client)
    assert response.status_code == 302
    page = bob_client.get(response["Location"])
    form = page.context["form"]
    assert [f.label for f in form.column_fields()] == [
        "Name",
        "E-Mail",
        "Telefon",
        "Firma",
        "Kundennummer",
        "Stufe",
    ]
    assert [f.value() for f in form.column_fields()] == [
        "name",
        "email",
        "phone",
        "company",
        "customer_id",
        "ignore",
    ]
    html = page.content.decode()
    assert "Müller; Söhne" in html and "Custom field: Tier" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Name,\x00\x01\x02\xff\xfe binary", "This is not a CSV file."),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "This is not a CSV file."),
        (b"%PDF-1.4 Vertrag", "This is not a CSV file."),
        (b"\n\n", "The file has no header row."),
        (b"", "The submitted file is empty."),
    ],
)
def test_unreadable_file_is_refused_and_not_kept(bob_client, data, message):
    response = upload(bob_client, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not StoredFile.objects.exists()


def test_dry_run_counts_and_names_problems_without_writing(bob_client, account, tier):
    create_contact(account, name="Anna", email="anna@example.de")
    file_id = uploaded_file_id(upload(bob_client))

    response = bob_client.post(
        reverse("contact_import_check", args=[file_id]), {**MAPPING, "on_duplicate": "skip"}
    )

    assert response.status_code == 200
    assert response.context["counts"] == {"create": 1, "update": 0, "skip": 1, "refuse": 1}
    problem = response.context["problems"][0]
    assert (problem["row"], problem["column"]) == (4, "E-Mail")
    assert "Enter a valid e-mail address." in response.content.decode()
    assert Contact.objects.filter(account=account).count() == 1
    assert not ContactImport.objects.exists()


def test_mapping_two_columns_to_one_field_is_refused_clearly(bob_client):
    file_id = uploaded_file_id(upload(bob_client))
    mapping = {**MAPPING, "col_3": "name", "col_5": "ignore"}
    response = bob_client.post(
        reverse("contact_import_check", args=[file_id]), {**mapping, "on_duplicate": "skip"}
    )
    assert response.status_code == 422
    assert "Two columns are mapped to the same field." in response.content.decode()


def test_mapping_with_nothing_chosen_is_refused(bob_client):
    file_id = uploaded_file_id(upload(bob_client))
    ignore_all = {key: "ignore" for key in MAPPING}
    response = bob_client.post(
        reverse("contact_import_start", args=[file_id]), {**ignore_all, "on_duplicate": "skip"}
    )
    assert response.status_code == 422
    assert "Map at least one column." in response.content.decode()
    assert not ContactImport.objects.exists()


def test_wizard_imports_and_shows_the_result(
    bob_client, account, tier, django_capture_on_commit_callbacks
):
    job = run_wizard(bob_client, django_capture_on_commit_callbacks)

    assert (job.state, job.created_count, job.refused_count) == (ImportState.DONE, 2, 1)
    joerg = find_by_identity(account, "phone", "+49 151 11111111")
    assert (joerg.company, joerg.custom_fields) == ("Müller; Söhne", {"tier": "Gold"})
    page = bob_client.get(reverse("contact_import_run", args=[job.public_id]))
    run = page.context["run"]
    assert (run.percent, run.finished, run.total) == (100, True, 3)
    html = page.content.decode()
    assert "Undo this import" in html and "Download report (CSV)" in html


def test_status_endpoint_reports_the_counters(bob_client, tier, django_capture_on_commit_callbacks):
    job = run_wizard(bob_client, django_capture_on_commit_callbacks)
    status = bob_client.get(reverse("contact_import_status", args=[job.public_id])).json()
    assert status == {
        "state": "done",
        "state_label": "Done",
        "finished": True,
        "percent": 100,
        "processed": 3,
        "total": 3,
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "refused": 1,
        "error": "",
    }


def test_status_of_a_waiting_import_counts_rows_from_the_file(bob_client, tier):
    """GIVEN an import recorded but not run yet (the job has not committed anything)
    THEN the progress bar knows its total from the file and stands at 0 %."""
    file_id = uploaded_file_id(upload(bob_client))
    bob_client.post(
        reverse("contact_import_start", args=[file_id]), {**MAPPING, "on_duplicate": "skip"}
    )
    job = ContactImport.objects.get()
    status = bob_client.get(reverse("contact_import_status", args=[job.public_id])).json()
    assert (status["state"], status["finished"], status["percent"], status["total"]) == (
        "pending",
        False,
        0,
        3,
    )
    page = bob_client.get(reverse("contact_import_run", args=[job.public_id])).content.decode()
    assert 'data-finished="false"' in page


def test_report_is_a_csv_with_row_column_and_problem(
    bob_client, tier, django_capture_on_commit_callbacks
):
    job = run_wizard(bob_client, django_capture_on_commit_callbacks)
    response = bob_client.get(reverse("contact_import_report", args=[job.public_id]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["Row", "Column", "Field", "Problem"],
        ["4", "E-Mail", "E-mail", "Enter a valid e-mail address."],
    ]


def test_report_defuses_formulas_from_column_names(bob_client, django_capture_on_commit_callbacks):
    data = b"=HYPERLINK(1);Name\nkaputt;Anna\n"
    job = run_wizard(
        bob_client, django_capture_on_commit_callbacks, data, {"col_0": "email", "col_1": "name"}
    )
    body = bob_client.get(reverse("contact_import_report", args=[job.public_id])).content.decode()
    assert "'=HYPERLINK(1)" in body


def test_duplicates_are_updated_when_asked(
    bob_client, account, tier, django_capture_on_commit_callbacks
):
    anna = create_contact(account, name="Anna alt", email="anna@example.de")
    job = run_wizard(bob_client, django_capture_on_commit_callbacks, on_duplicate="update")
    anna.refresh_from_db()
    assert (job.updated_count, anna.name, anna.customer_id) == (1, "Anna Schmidt", "K-2")


def test_undo_removes_created_contacts_and_names_the_kept_ones(
    bob_client, account, widget, tier, django_capture_on_commit_callbacks
):
    job = run_wizard(bob_client, django_capture_on_commit_callbacks)
    joerg = find_by_identity(account, "email", "joerg@example.de")
    start(widget, joerg)  # Jörg has written since: he stays

    response = bob_client.post(reverse("contact_import_undo", args=[job.public_id]), follow=True)

    assert list(Contact.objects.filter(account=account)) == [joerg]
    html = response.content.decode()
    assert "The import has been undone." in html
    assert (
        "1 contact was kept:" in html
        and "They have been in a conversation since the import." in html
    )
    assert reverse("contact_profile", args=[joerg.public_id]) in html


def test_undo_after_24_hours_is_refused(
    bob_client, account, tier, clock, django_capture_on_commit_callbacks
):
    job = run_wizard(bob_client, django_capture_on_commit_callbacks)
    clock.shift(timedelta(hours=25))
    page = bob_client.get(reverse("contact_import_run", args=[job.public_id]))
    assert page.context["run"].undo_until is None
    response = bob_client.post(reverse("contact_import_undo", args=[job.public_id]), follow=True)
    assert "only be undone within 24 hours" in response.content.decode()
    assert Contact.objects.filter(account=account).count() == 2


def test_cancel_deletes_the_uploaded_file(bob_client):
    file_id = uploaded_file_id(upload(bob_client))
    response = bob_client.post(reverse("contact_import_cancel", args=[file_id]), follow=True)
    assert not StoredFile.objects.exists()
    assert "The import was cancelled and the file deleted." in response.content.decode()


def test_a_teammates_upload_is_not_reachable(bob_client, alice_client):
    file_id = uploaded_file_id(upload(bob_client))
    assert alice_client.get(reverse("contact_import_map", args=[file_id])).status_code == 404
    assert alice_client.post(reverse("contact_import_cancel", args=[file_id])).status_code == 404
    assert StoredFile.objects.exists()


def test_outsider_gets_404_for_files_and_runs(
    bob_client, charlie_client, tier, django_capture_on_commit_callbacks
):
    job = run_wizard(bob_client, django_capture_on_commit_callbacks)
    assert job.source is None  # the upload is deleted once the run is over
    file_id = uploaded_file_id(upload(bob_client))
    for url in (
        reverse("contact_import_map", args=[file_id]),
        reverse("contact_import_run", args=[job.public_id]),
        reverse("contact_import_status", args=[job.public_id]),
        reverse("contact_import_report", args=[job.public_id]),
    ):
        assert charlie_client.get(url).status_code == 404, url
    assert (
        charlie_client.post(reverse("contact_import_undo", args=[job.public_id])).status_code == 404
    )
    assert (
        charlie_client.post(
            reverse("contact_import_start", args=[file_id]), {**MAPPING, "on_duplicate": "skip"}
        ).status_code
        == 404
    )
    job.refresh_from_db()
    assert job.state == ImportState.DONE


def test_large_import_through_the_views(bob_client, account, django_capture_on_commit_callbacks):
    """2,500 rows: three batches, progress committed per batch, all imported."""
    lines = ["Name,E-Mail"] + [f"Person {n},p{n}@example.com" for n in range(2500)]
    data = ("\n".join(lines) + "\n").encode()
    job = run_wizard(
        bob_client, django_capture_on_commit_callbacks, data, {"col_0": "name", "col_1": "email"}
    )
    assert (job.state, job.created_count, job.total_rows) == (ImportState.DONE, 2500, 2500)
    assert Contact.objects.filter(account=account).count() == 2500


def test_windows_spreadsheet_export_is_accepted(bob_client):
    """An Excel "CSV (semicolon separated)" export in Windows-1252 sniffs as unknown binary,
    yet it is text: it must reach the mapping step with its umlauts intact."""
    data = "Name;E-Mail\r\nJürgen Weiß;j@example.de\r\n".encode("cp1252")
    response = upload(bob_client, data, "export.csv")
    assert response.status_code == 302
    assert "Jürgen Weiß" in bob_client.get(response["Location"]).content.decode()


def test_dry_run_page_refuses_an_unclosed_quote_with_its_line(bob_client, account):
    """GIVEN a file whose ninth line opens a quote that never closes (past the rows the
    upload step previews) WHEN the dry run is asked for THEN it is refused naming line 9,
    and nothing is imported."""
    good = "".join(f"Kundin {n},k{n}@example.de\n" for n in range(7))
    data = f'Name,E-Mail\n{good}Ben,"ben@example.de\nClara,clara@example.de\n'.encode()
    file_id = uploaded_file_id(upload(bob_client, data))

    response = bob_client.post(
        reverse("contact_import_check", args=[file_id]),
        {"col_0": "name", "col_1": "email", "on_duplicate": "skip"},
    )

    assert response.status_code == 422
    assert "Line 9 has a quotation mark that is never closed" in response.content.decode()
    assert not Contact.objects.filter(account=account).exists()
    assert not ContactImport.objects.exists()


def test_upload_refuses_an_unclosed_quote_it_sees_in_the_preview(bob_client):
    data = b'Name,E-Mail\nAnna,anna@example.de\nBen,"ben@example.de\nClara,c@example.de\n'
    response = upload(bob_client, data)
    assert response.status_code == 422
    assert "Line 3 has a quotation mark that is never closed" in response.content.decode()
    assert not StoredFile.objects.exists()
