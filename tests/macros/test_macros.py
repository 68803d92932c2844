"""R-MACRO: variants, validation, and import/export round trips with a validation report."""

from __future__ import annotations

import pytest

from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from messagecenter.macros import services as macros
from messagecenter.macros import transfer
from messagecenter.macros.models import Macro

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(alice):
    return Actor.for_operator(alice)


@pytest.fixture
def library(account, admin):
    group = macros.create_group(account, "Begrüßung", actor=admin)
    macros.create_macro(
        account,
        actor=admin,
        name="Hallo",
        group=group,
        default_language="de",
        texts={"de": "Hallo {contact.name}!", "en": "Hi {contact.name}!"},
    )
    macros.create_macro(
        account,
        actor=admin,
        name="Nur Englisch",
        texts={"en": 'Thanks, "quoted", with; semicolons\nand lines'},
    )
    macros.create_macro(
        account, actor=admin, name="Preise", kind="push", url="https://shop.example/preise"
    )
    return account


def test_variant_falls_back_to_default_language(library):
    hallo = Macro.objects.get(name="Hallo")
    assert macros.variant(hallo, "en") == "Hi {contact.name}!"
    assert macros.variant(hallo, "fr") == "Hallo {contact.name}!"
    assert macros.variant(Macro.objects.get(name="Nur Englisch"), "de").startswith("Thanks")


def test_unknown_placeholders_stay_visible(library, alice):
    macro = Macro.objects.get(name="Hallo")
    macro.texts = {"de": "Hallo {contact.nickname} von {account.name}"}
    assert macros.render(macro, language="de", operator=alice) == (
        "Hallo {contact.nickname} von Acme"
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "", "texts": {"en": "x"}},
        {"name": "Leer", "texts": {}},
        {"name": "Push", "kind": "push", "url": "ftp://x"},
        {"name": "X", "texts": {"xx": "y"}},
        {"name": "Mit [Klammer]", "texts": {"en": "x"}},
    ],
)
def test_invalid_macros_are_refused(account, admin, fields):
    with pytest.raises(ValidationFailed):
        macros.create_macro(account, actor=admin, **fields)
    assert not Macro.objects.exists()


def test_only_admins_manage_macros(account, bob):
    with pytest.raises(PermissionDenied):
        macros.create_macro(account, actor=Actor.for_operator(bob), name="X", texts={"en": "x"})


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_import_round_trip_is_exact(library, other_account, charlie, fmt):
    exported = transfer.export_json(library) if fmt == "json" else transfer.export_csv(library)
    rows = transfer.parse_json(exported) if fmt == "json" else transfer.parse_csv(exported)
    report = transfer.import_rows(other_account, rows, actor=Actor.for_operator(charlie))
    assert (report.ok, report.created, report.updated) == (True, 3, 0)
    assert transfer.export_rows(other_account) == transfer.export_rows(library)


def test_reimport_updates_by_name(library, admin):
    rows = transfer.parse_json(transfer.export_json(library))
    rows[0]["texts"]["en"] = "Hello again"
    report = transfer.import_rows(library, rows, actor=admin)
    assert (report.created, report.updated) == (0, 3)
    assert Macro.objects.get(name="Hallo").texts["en"] == "Hello again"


def test_file_with_bad_rows_reports_all_and_imports_nothing(account, admin):
    csv_text = (
        "\ufeffname,kind,group,default_language,url,text_en,text_de\n"
        "Gut,text,,en,,Fine,\n"
        ",text,,en,,No name,\n"
        "Push,push,,en,not-a-url,,\n"
        "Gut,text,,en,,Duplicate,\n"
    )
    report = transfer.import_rows(account, transfer.parse_csv(csv_text), actor=admin)
    assert not report.ok
    assert [(p["row"], p["field"]) for p in report.problems] == [
        (2, "name"),
        (3, "url"),
        (4, "name"),
    ]
    assert not Macro.objects.filter(account=account).exists()


def test_dry_run_counts_without_writing(library, admin):
    rows = [
        *transfer.parse_json(transfer.export_json(library)),
        {"name": "Neu", "texts": {"en": "new"}},
    ]
    report = transfer.import_rows(library, rows, actor=admin, dry_run=True)
    assert (report.created, report.updated) == (1, 3)
    assert not Macro.objects.filter(name="Neu").exists()


def test_broken_json_is_a_clear_error():
    with pytest.raises(ValidationFailed, match="not valid JSON"):
        transfer.parse_json("{nope")
