"""R-CONTACT-3: CSV import — Excel files, mapping, dry run, duplicates, report, undo."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from messagecenter.contacts import importer
from messagecenter.contacts.fields import define_field
from messagecenter.contacts.models import Contact, ContactImport, ImportState
from messagecenter.contacts.services import create_contact, find_by_identity
from messagecenter.core.actors import Actor
from messagecenter.core.errors import InvalidTransition, ValidationFailed
from messagecenter.files.services import store_file
from tests.helpers import start

pytestmark = pytest.mark.django_db

# An Excel "CSV UTF-8" export: BOM, semicolons, CRLF, a quoted field with a semicolon.
EXCEL = (
    "\ufeffName;E-Mail;Telefon;Firma;Kundennummer\r\n"
    'Jörg Müller;joerg@example.de;0151 11111111;"Müller; Söhne";K-1\r\n'
    "Anna Schmidt;ANNA@example.de;;;K-2\r\n"
).encode("utf-8")
MAPPING = {
    "Name": "name",
    "E-Mail": "email",
    "Telefon": "phone",
    "Firma": "company",
    "Kundennummer": "customer_id",
}


def run(account, alice, data: bytes, mapping=MAPPING, on_duplicate="skip") -> ContactImport:
    stored = store_file(account, io.BytesIO(data), "kontakte.csv", actor=Actor.for_operator(alice))
    job = ContactImport.objects.create(
        account=account,
        created_by=alice,
        source=stored,
        mapping=mapping,
        on_duplicate=on_duplicate,
        created_at=stored.created_at,
    )
    return importer.run_import(job, data)


def test_preview_sniffs_excel_semicolons_and_suggests_mapping():
    result = importer.preview(EXCEL)
    assert result["columns"] == ["Name", "E-Mail", "Telefon", "Firma", "Kundennummer"]
    assert result["rows"][0][3] == "Müller; Söhne"
    assert result["suggested"] == MAPPING


def test_windows_1252_file_is_read():
    data = "Name,Email\nJürgen Weiß,j@example.de\n".encode("cp1252")
    assert importer.preview(data)["rows"] == [["Jürgen Weiß", "j@example.de"]]


def test_import_creates_contacts_with_normalised_identifiers(account, alice):
    job = run(account, alice, EXCEL)
    assert (job.state, job.created_count, job.refused_count) == (ImportState.DONE, 2, 0)
    joerg = find_by_identity(account, "phone", "+49 151 11111111")
    assert (joerg.name, joerg.company, joerg.email) == (
        "Jörg Müller",
        "Müller; Söhne",
        "joerg@example.de",
    )
    assert find_by_identity(account, "email", "anna@example.de").customer_id == "K-2"


def test_imported_contacts_are_found_by_name_e_mail_company_and_customer_id(account, alice):
    from messagecenter.directory.search import _indexed  # the contact list's index probe

    run(account, alice, EXCEL)
    joerg = find_by_identity(account, "phone", "+49 151 11111111")
    anna = find_by_identity(account, "email", "anna@example.de")
    assert _indexed(account, "Jörg Müller") == [joerg.pk]
    assert _indexed(account, "joerg@example.de") == [joerg.pk]
    assert _indexed(account, "Söhne") == [joerg.pk]
    assert _indexed(account, "K-2") == [anna.pk]


def test_bad_rows_are_reported_and_good_rows_imported(account, alice):
    data = b"Name,E-Mail\nGut,gut@example.de\nSchlecht,kein-at-zeichen\nDoppelt,gut@example.de\n"
    job = run(account, alice, data, mapping={"Name": "name", "E-Mail": "email"})
    assert (job.created_count, job.refused_count) == (1, 2)
    assert [(p["row"], p["field"]) for p in job.problems] == [(3, "email"), (4, "")]
    assert Contact.objects.filter(account=account).count() == 1


def test_duplicates_skip_or_update(account, alice):
    existing = create_contact(account, name="Alt", email="joerg@example.de")
    skipped = run(account, alice, EXCEL)
    assert (skipped.created_count, skipped.updated_count) == (1, 0)
    existing.refresh_from_db()
    assert existing.name == "Alt"
    updated = run(account, alice, EXCEL, on_duplicate="update")
    existing.refresh_from_db()
    assert (updated.updated_count, existing.name, existing.phone) == (
        2,
        "Jörg Müller",
        "+4915111111111",
    )


def test_dry_run_writes_nothing(account, alice):
    create_contact(account, email="anna@example.de")
    result = importer.dry_run(account, EXCEL, MAPPING, "update")
    assert result["counts"] == {"create": 1, "update": 1, "skip": 0, "refuse": 0}
    assert Contact.objects.filter(account=account).count() == 1


def test_custom_fields_are_validated_by_type(account, alice):
    define_field(
        account,
        actor=Actor.for_operator(alice),
        key="tier",
        label="Stufe",
        type="select",
        options=["Gold", "Silber"],
    )
    data = b"Name,Stufe\nA,Gold\nB,Blech\n"
    job = run(account, alice, data, mapping={"Name": "name", "Stufe": "custom:tier"})
    assert (job.created_count, job.refused_count) == (1, 1)
    assert Contact.objects.get(name="A").custom_fields == {"tier": "Gold"}


def test_bad_mapping_is_refused_before_anything(account):
    with pytest.raises(ValidationFailed):
        importer.dry_run(account, EXCEL, {"Name": "name", "Firma": "name"}, "skip")
    with pytest.raises(ValidationFailed):
        importer.dry_run(account, EXCEL, {"Name": "shoe_size"}, "skip")


def test_undo_within_24h_keeps_contacts_used_in_conversations(clock, account, alice, widget):
    existing = create_contact(account, name="Alt", email="anna@example.de")
    job = run(account, alice, EXCEL, on_duplicate="update")
    joerg = find_by_identity(account, "email", "joerg@example.de")
    start(widget, joerg)  # used since the import: must be kept

    result = importer.undo_import(job, actor=Actor.for_operator(alice))

    assert result["kept"] == [joerg.public_id]
    existing.refresh_from_db()
    assert (existing.name, existing.customer_id) == ("Alt", "")
    assert Contact.objects.filter(pk=joerg.pk).exists()
    with pytest.raises(InvalidTransition):
        importer.undo_import(job, actor=Actor.for_operator(alice))


def test_undo_expires_after_24h(clock, account, alice):
    job = run(account, alice, EXCEL)
    clock.shift(timedelta(hours=24, minutes=1))
    with pytest.raises(InvalidTransition, match="24 hours"):
        importer.undo_import(job, actor=Actor.for_operator(alice))


def test_ten_thousand_rows(account, alice):
    lines = ["Name,E-Mail,Telefon"] + [
        f"Kunde {n},kunde{n}@example.de,+49 30 {1000000 + n}" for n in range(10_000)
    ]
    job = run(
        account,
        alice,
        "\n".join(lines).encode(),
        mapping={"Name": "name", "E-Mail": "email", "Telefon": "phone"},
    )
    assert (job.created_count, job.refused_count) == (10_000, 0)
    assert Contact.objects.filter(account=account).count() == 10_000


# An unclosed quote: without the check, everything from line 4 on became one contact's name.
UNCLOSED = (
    b"Name,E-Mail\n"
    b"Anna,anna@example.de\n"
    b'Ben,"ben@example.de\n'
    b"Clara,clara@example.de\n"
    b"Dora,dora@example.de\n"
)
UNCLOSED_MESSAGE = "Line 3 has a quotation mark that is never closed"


def test_dry_run_refuses_an_unclosed_quote_with_its_line(account):
    with pytest.raises(ValidationFailed) as refused:
        importer.dry_run(account, UNCLOSED, {"Name": "name", "E-Mail": "email"}, "skip")
    assert UNCLOSED_MESSAGE in str(refused.value.message)


def test_unclosed_quote_is_explained_in_german(account):
    from django.utils import translation

    with translation.override("de"), pytest.raises(ValidationFailed) as refused:
        importer.dry_run(account, UNCLOSED, {"Name": "name", "E-Mail": "email"}, "skip")
    assert "Zeile 3 enthält ein Anführungszeichen, das nie geschlossen wird" in str(
        refused.value.message
    )


def test_import_of_an_unclosed_quote_fails_and_writes_nothing(account, alice):
    job = run(account, alice, UNCLOSED, mapping={"Name": "name", "E-Mail": "email"})
    assert job.state == ImportState.FAILED
    assert UNCLOSED_MESSAGE in job.error
    assert not Contact.objects.filter(account=account).exists()


def test_unclosed_quote_on_the_last_line_is_refused_too():
    _header, rows = importer.read_rows(importer.decode(b'Name,E-Mail\nAnna,a@example.de\nBen,"b'))
    with pytest.raises(ValidationFailed, match="Line 3 has"):
        list(rows)


def test_last_line_without_a_line_break_is_still_read():
    _header, rows = importer.read_rows(importer.decode(b'Name,E-Mail\nAnna,"a@example.de"'))
    assert list(rows) == [["Anna", "a@example.de"]]


def test_closed_multi_line_value_at_the_end_is_still_read():
    data = b'Name,Notiz\nAnna,"erste Zeile\nzweite Zeile"\n'
    _header, rows = importer.read_rows(importer.decode(data))
    assert list(rows) == [["Anna", "erste Zeile\nzweite Zeile"]]


def test_header_with_an_unclosed_quote_is_refused_on_line_1():
    with pytest.raises(ValidationFailed, match="Line 1 has"):
        importer.read_rows(importer.decode(b'"Name,E-Mail\nAnna,a@example.de\n'))


# --- crashes: resumed from the checkpoint, or given up with undo (issue 17) ---------------


class WorkerDied(BaseException):
    """Stands for the worker process being killed mid-batch: nothing catches it."""


@pytest.fixture
def crashing_worker(monkeypatch):
    """Batches of 10 rows; the worker "dies" inside the given batches (1-based, counted over
    the whole test), after writing them and before they commit."""
    monkeypatch.setattr(importer, "BATCH", 10)
    real_write = importer._write_batch
    calls = {"n": 0, "die_in": set()}

    def write(job, batch):
        calls["n"] += 1
        real_write(job, batch)
        if calls["n"] in calls["die_in"]:
            raise WorkerDied

    monkeypatch.setattr(importer, "_write_batch", write)
    return calls


def numbered_rows(count: int, duplicate_of: dict[int, int] | None = None) -> bytes:
    """A CSV of ``count`` contacts; ``duplicate_of`` makes row n repeat row m's e-mail."""
    duplicate_of = duplicate_of or {}
    lines = ["Name,E-Mail"]
    for n in range(1, count + 1):
        lines.append(f"Kundin {n},k{duplicate_of.get(n, n)}@example.de")
    return ("\n".join(lines) + "\n").encode()


def start_through_the_service(account, alice, data: bytes, django_capture_on_commit_callbacks):
    stored = store_file(account, io.BytesIO(data), "kontakte.csv", actor=Actor.for_operator(alice))
    with pytest.raises(WorkerDied), django_capture_on_commit_callbacks(execute=True):
        importer.start_import(
            account, stored, {"Name": "name", "E-Mail": "email"}, "skip",
            actor=Actor.for_operator(alice),
        )  # fmt: skip
    return ContactImport.objects.get(account=account)


def test_import_killed_mid_way_resumes_from_its_checkpoint_exactly_once(
    account, alice, clock, crashing_worker, django_capture_on_commit_callbacks
):
    """GIVEN an import of 35 rows whose worker dies in the third batch WHEN its lease has
    expired and the sweep runs THEN it continues after row 20: every row imported once,
    progress right all along, and undo works."""
    from messagecenter.directory.imports import run_of
    from messagecenter.jobs import runner

    crashing_worker["die_in"] = {3}
    job = start_through_the_service(
        account, alice, numbered_rows(35, {25: 5}), django_capture_on_commit_callbacks
    )
    assert (job.state, job.processed_rows, job.created_count) == ("running", 20, 20)
    assert run_of(job).percent == 57  # 20 of 35, not the 5 % of a fresh count
    assert Contact.objects.filter(account=account).count() == 20

    clock.shift(61)
    runner.resume_stale()

    job.refresh_from_db()
    assert (job.state, job.processed_rows, job.created_count, job.refused_count) == (
        ImportState.DONE, 35, 34, 1,
    )  # fmt: skip
    assert job.problems == [{"row": 26, "field": "", "message": "Same contact as row 6."}]
    emails = list(
        Contact.objects.filter(account=account).values_list("identities__value", flat=True)
    )
    assert len(emails) == len(set(emails)) == 34
    assert job.changes.count() == 34
    assert run_of(job).percent == 100

    importer.undo_import(job, actor=Actor.for_operator(alice))
    assert not Contact.objects.filter(account=account).exists()


def test_import_whose_worker_keeps_dying_is_given_up_and_can_be_undone(
    account, alice, clock, crashing_worker, django_capture_on_commit_callbacks
):
    from messagecenter.directory.imports import run_of
    from messagecenter.jobs import runner

    crashing_worker["die_in"] = {2, 3, 4}  # the first attempt writes a batch, then none do
    job = start_through_the_service(
        account, alice, numbered_rows(35), django_capture_on_commit_callbacks
    )
    for _attempt in (2, 3):
        clock.shift(61)
        with pytest.raises(WorkerDied):
            runner.resume_stale()
    clock.shift(61)
    runner.resume_stale()

    job.refresh_from_db()
    assert (job.state, job.created_count) == (ImportState.FAILED, 10)
    assert "stopped 3 times" in job.error
    assert run_of(job).undo_until is not None
    importer.undo_import(job, actor=Actor.for_operator(alice))
    assert not Contact.objects.filter(account=account).exists()
