"""Export and import of macros as JSON and CSV, round-trip exact (R-MACRO-3).

An import is validated as a whole first; if any row is bad, the report lists every problem
and nothing is written. Otherwise macros are created or updated by name in one transaction.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account
from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed
from messagecenter.macros.models import Macro, MacroGroup
from messagecenter.macros.services import require_admin, validate

BASE_COLUMNS = ["name", "kind", "group", "default_language", "url"]
MAX_ROWS = 5000


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def export_rows(account: Account) -> list[dict]:
    macros = Macro.objects.filter(account=account).select_related("group").order_by("name")
    return [
        {
            "name": m.name,
            "kind": m.kind,
            "group": m.group.name if m.group else "",
            "default_language": m.default_language,
            "url": m.url,
            "texts": dict(sorted(m.texts.items())),
        }
        for m in macros
    ]


def export_json(account: Account) -> str:
    return json.dumps({"macros": export_rows(account)}, ensure_ascii=False, indent=2)


def export_csv(account: Account) -> str:
    languages = [code for code, _name in settings.LANGUAGES]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BASE_COLUMNS + [f"text_{code}" for code in languages])
    for row in export_rows(account):
        writer.writerow(
            [row[c] for c in BASE_COLUMNS] + [row["texts"].get(c, "") for c in languages]
        )
    return out.getvalue()


def parse_json(data: str) -> list[dict]:
    try:
        payload = json.loads(data)
    except ValueError as exc:
        raise ValidationFailed(_("The file is not valid JSON: %(e)s") % {"e": exc}) from None
    rows = payload.get("macros") if isinstance(payload, dict) else payload
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationFailed(_("The JSON must hold a list of macros."))
    return rows


def parse_csv(data: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    if not reader.fieldnames or "name" not in reader.fieldnames:
        raise ValidationFailed(_("The CSV needs a header row with at least a name column."))
    rows = []
    for record in reader:
        texts = {k[5:]: v for k, v in record.items() if k and k.startswith("text_") and v}
        rows.append({c: record.get(c) or "" for c in BASE_COLUMNS} | {"texts": texts})
    return rows


def import_rows(
    account: Account, rows: list[dict], *, actor: Actor, dry_run: bool = False
) -> ImportReport:
    require_admin(actor, account)
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(_("At most %(n)d macros can be imported at once.") % {"n": MAX_ROWS})
    report, cleaned = ImportReport(), []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        try:
            clean = _clean_row(account, row)
            if clean["name"].lower() in seen:
                raise ValidationFailed(_("The name appears twice in the file."), field="name")
            seen.add(clean["name"].lower())
            cleaned.append(clean)
        except ValidationFailed as exc:
            report.problems.append(
                {"row": number, "field": exc.details.get("field", ""), "message": str(exc)}
            )
    if report.problems or dry_run:
        return _count(account, cleaned, report) if not report.problems else report
    with transaction.atomic():
        for clean in cleaned:
            _upsert(account, clean, report)
        audit.record(
            actor,
            "macros.imported",
            "account",
            account.public_id,
            created=report.created,
            updated=report.updated,
        )
    return report


def _clean_row(account, row: dict) -> dict:
    group_name = str(row.get("group") or "").strip()
    fields = {k: row.get(k) for k in ("name", "kind", "texts", "default_language", "url")}
    clean = validate(account, fields)
    clean["group_name"] = group_name
    return clean


def _upsert(account: Account, clean: dict, report: ImportReport) -> None:
    group_name = clean.pop("group_name")
    if group_name:
        clean["group"], _created = MacroGroup.objects.get_or_create(
            account=account, name=group_name
        )
    existing = Macro.objects.filter(account=account, name__iexact=clean["name"]).first()
    if existing is None:
        Macro.objects.create(account=account, **clean)
        report.created += 1
        return
    for name, value in clean.items():
        setattr(existing, name, value)
    existing.save()
    report.updated += 1


def _count(account, cleaned: list[dict], report: ImportReport) -> ImportReport:
    names = {
        n.lower() for n in Macro.objects.filter(account=account).values_list("name", flat=True)
    }
    for clean in cleaned:
        if clean["name"].lower() in names:
            report.updated += 1
        else:
            report.created += 1
    return report
