"""What the import wizard shows about a file and a run (R-CONTACT-3), read-only.

The wizard keeps the uploaded file as a ``StoredFile`` of the operator who uploaded it, so
its steps need no session state: the mapping travels in the forms. The run page reads the
``ContactImport`` counters the job commits after every batch.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messagecenter.contacts import importer
from messagecenter.contacts.fields import fields_of
from messagecenter.contacts.models import Contact, ContactImport, ImportState
from messagecenter.core import clock
from messagecenter.core.errors import DomainError, ValidationFailed
from messagecenter.files.models import StoredFile
from messagecenter.files.services import open_file

SHOWN_PROBLEMS = 200
TEXT_TYPES = ("text/plain", "application/octet-stream")
TOTAL_TTL = 24 * 3600

# The run's state in the operator's language (the same words as ``ImportState``'s labels,
# which this app's catalogue translates).
STATE_LABELS: dict[str, Promise] = {
    ImportState.PENDING: gettext_lazy("Waiting"),
    ImportState.RUNNING: gettext_lazy("Running"),
    ImportState.DONE: gettext_lazy("Done"),
    ImportState.FAILED: gettext_lazy("Failed"),
    ImportState.UNDONE: gettext_lazy("Undone"),
}

TARGET_LABELS = {
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "company": gettext_lazy("Company"),
    "customer_id": gettext_lazy("Customer ID"),
    "country": gettext_lazy("Country (2 letters)"),
    "postcode": gettext_lazy("Postcode"),
    "locale": gettext_lazy("Language"),
}


def targets(account_id: int) -> list[tuple[str, str]]:
    """What a column can become: a profile field, an identifier, a custom field, or nothing."""
    choices = [(key, str(label)) for key, label in TARGET_LABELS.items()]
    for key, definition in fields_of(account_id).items():
        choices.append(
            (f"custom:{key}", _("Custom field: %(label)s") % {"label": definition.label})
        )
    choices.append(("ignore", _("Don't import")))
    return choices


def read(stored: StoredFile) -> bytes:
    with open_file(stored) as handle:
        return handle.read()


def require_text(stored: StoredFile, data: bytes) -> None:
    """Refuse what is recognisably not a CSV (a workbook, a PDF, an image) before the
    importer reads it as Windows text: its sniffed type, or NUL bytes, give it away. Excel's
    non-UTF-8 CSVs sniff as unknown binary, so that type is let through."""
    if stored.content_type not in TEXT_TYPES or b"\x00" in data[:65536]:
        raise ValidationFailed(
            _("This is not a CSV file. In Excel, choose Save as › CSV UTF-8, then upload that.")
        )


def count_rows(data: bytes) -> int:
    """Rows the import will process: every data row with at least one value."""
    _header, rows = importer.read_rows(importer.decode(data))
    return sum(1 for row in rows if any(cell.strip() for cell in row))


def remember_total(job: ContactImport, total: int) -> None:
    cache.set(_total_key(job), total, TOTAL_TTL)


def total_of(job: ContactImport) -> int:
    """The number of rows of the run, for the progress bar. The job records it only when it
    finishes, so while it runs the count comes from the file (counted once, then cached)."""
    if job.total_rows:
        return job.total_rows
    total = cache.get(_total_key(job))
    if total is None:
        total = _count_source(job)
        remember_total(job, total)
    return total


def _count_source(job: ContactImport) -> int:
    if job.source is None:
        return 0
    try:
        return count_rows(read(job.source))
    except (OSError, DomainError):
        return 0


def _total_key(job: ContactImport) -> str:
    return f"directory:import-total:{job.public_id}"


@dataclass
class Run:
    """One import as its page and its status endpoint show it."""

    job: ContactImport
    total: int
    problems: list[dict] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.job.state in (ImportState.DONE, ImportState.FAILED, ImportState.UNDONE)

    @property
    def skipped(self) -> int:
        j = self.job
        return max(0, j.processed_rows - j.created_count - j.updated_count - j.refused_count)

    @property
    def percent(self) -> int:
        if self.finished and self.job.state != ImportState.FAILED:
            return 100
        if not self.total:
            return 0
        return min(100, self.job.processed_rows * 100 // self.total)

    @property
    def wrote_anything(self) -> bool:
        return bool(self.job.created_count or self.job.updated_count)

    @property
    def undo_until(self) -> datetime | None:
        if self.job.state not in importer.UNDOABLE:
            return None
        if self.job.state == ImportState.FAILED and not self.wrote_anything:
            return None
        deadline = (self.job.finished_at or self.job.created_at) + importer.UNDO_WINDOW
        return deadline if deadline > clock.now() else None

    @property
    def more_problems(self) -> int:
        return max(0, len(self.job.problems) - len(self.problems))

    def status(self) -> dict:
        j = self.job
        return {
            "state": j.state,
            "state_label": str(STATE_LABELS.get(j.state, j.state)),
            "finished": self.finished,
            "percent": self.percent,
            "processed": j.processed_rows,
            "total": self.total,
            "created": j.created_count,
            "updated": j.updated_count,
            "skipped": self.skipped,
            "refused": j.refused_count,
            "error": j.error,
        }


def run_of(job: ContactImport) -> Run:
    return Run(job, total_of(job), with_columns(job.problems[:SHOWN_PROBLEMS], job.mapping))


def with_columns(problems: list[dict], mapping: dict) -> list[dict]:
    """Problems name the target field; the operator knows their file's column names."""
    column_of = {target: column for column, target in mapping.items()}
    labels = {key: str(label) for key, label in TARGET_LABELS.items()}
    rows = []
    for problem in problems:
        column = column_of.get(problem["field"], "")
        label = labels.get(problem["field"], problem["field"].removeprefix("custom:"))
        same = label.casefold() == column.casefold()
        rows.append({**problem, "column": column, "label": label, "label_differs": not same})
    return rows


def report_csv(job: ContactImport) -> str:
    """The validation report, for spreadsheets: BOM for Excel, formulas defused."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Row"), _("Column"), _("Field"), _("Problem")])
    for p in with_columns(job.problems, job.mapping):
        writer.writerow([p["row"], _cell(p["column"]), _cell(p["label"]), _cell(p["message"])])
    return out.getvalue()


def _cell(value: str) -> str:
    """A column name from the uploaded file must not run as a spreadsheet formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def kept_contacts(account, public_ids: list[str]) -> list[Contact]:
    return list(Contact.objects.for_account(account).filter(public_id__in=public_ids))
