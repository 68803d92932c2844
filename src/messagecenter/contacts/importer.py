"""Contact import from CSV (R-CONTACT-3): mapping, dry run, batches, progress, undo.

Files come from spreadsheets: UTF-8 or Windows-1252 (Excel), with or without BOM, separated
by comma, semicolon or tab, with quoted fields. Rows are checked before anything is written;
each batch of rows is written in one transaction, so a failure never leaves half a row, and
progress is committed after every batch for the progress bar. Duplicates are matched on
e-mail, phone or customer id and either skipped or updated. A finished import can be undone
for 24 hours: created contacts are removed and updated fields restored, except for contacts
that have since been in a conversation, which are kept and named in the result.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account
from messagecenter.contacts.events import publish_contacts
from messagecenter.contacts.fields import clean_values, fields_of
from messagecenter.contacts.identities import normalise
from messagecenter.contacts.models import (
    Contact,
    ContactIdentity,
    ContactImport,
    ImportChange,
    ImportState,
)
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError, InvalidTransition, ValidationFailed
from messagecenter.jobs import runner
from messagecenter.jobs.models import Job
from messagecenter.search.indexing import index_new_contacts

BATCH = 1000
UNDO_WINDOW = timedelta(hours=24)
# A failed import (a broken row further down, or given up after crashes) keeps what it wrote
# until then, so it can be undone like a finished one.
UNDOABLE = (ImportState.DONE, ImportState.FAILED)
MAX_ROWS = 500_000
PROFILE = ("name", "company", "customer_id", "country", "postcode", "locale")
IDENTITIES = ("email", "phone")
TARGETS = (*PROFILE, *IDENTITIES)
JOB_KIND = "contacts.import"
PROGRESS = ["processed_rows", "created_count", "updated_count", "refused_count", "problems"]


@dataclass
class Outcome:
    """The plan for one row: create, update, skip (duplicate) or refuse (with reasons)."""

    row: int
    action: str
    values: dict = field(default_factory=dict)
    contact_id: int | None = None
    problems: list[dict] = field(default_factory=list)


# --- reading -----------------------------------------------------------------------------


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed(_("The file is neither UTF-8 nor a Windows spreadsheet export."))


def read_rows(text: str) -> tuple[list[str], Iterator[list[str]]]:
    """The header and an iterator over the data rows, with the separator sniffed."""
    sample = text[:20_000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = _records(text, dialect)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise ValidationFailed(_("The file has no header row."))
    return [h.strip() for h in header], reader


def _records(text: str, dialect) -> Iterator[list[str]]:
    """The file's records, refusing an unclosed quote. Python's lenient reader ends such a
    field at the end of the file, so the rest of the file would become one value (one
    contact named with thousands of lines); a record that runs to the end of the file is
    read again strictly, which tells a never-closed quote from a closed multi-line value."""
    lines = _Lines(text)
    reader = csv.reader(lines, dialect)
    start = 1
    for record in reader:
        if lines.ended:
            _refuse_unclosed(lines.since(start), dialect, start)
        yield record
        start = reader.line_num + 1
        lines.forget_before(start)


class _Lines:
    """The file's lines for the reader, keeping those of the record being read."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text))
        self._kept: list[str] = []
        self._first = 1  # the line number of ``_kept[0]``
        self.ended = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self._lines)
        except StopIteration:
            self.ended = True
            raise
        self._kept.append(line)
        return line

    def since(self, number: int) -> str:
        return "".join(self._kept[number - self._first :])

    def forget_before(self, number: int) -> None:
        del self._kept[: number - self._first]
        self._first = number


def _refuse_unclosed(raw: str, dialect, line: int) -> None:
    try:
        list(csv.reader(io.StringIO(raw), dialect, strict=True))
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise ValidationFailed(
                _(
                    "Line %(line)d has a quotation mark that is never closed, so everything "
                    "after it would be read as one value. Close or remove that quotation "
                    "mark and upload the file again; nothing was imported."
                )
                % {"line": line}
            ) from None


def preview(data: bytes, rows: int = 5) -> dict:
    """For the mapping step: the columns, a few rows and a suggested mapping."""
    header, reader = read_rows(decode(data))
    sample = [row for _n, row in zip(range(rows), reader, strict=False)]
    return {"columns": header, "rows": sample, "suggested": suggest_mapping(header)}


def suggest_mapping(header: list[str]) -> dict[str, str]:
    aliases = {
        "name": {"name", "full name", "vollständiger name", "kontakt"},
        "email": {"email", "e-mail", "mail", "e-mail-adresse", "email address"},
        "phone": {"phone", "telefon", "mobile", "handy", "mobil", "telephone"},
        "company": {"company", "firma", "unternehmen"},
        "customer_id": {"customer id", "customer_id", "kundennummer", "kunden-id", "id"},
        "country": {"country", "land"},
        "postcode": {"postcode", "zip", "plz", "postleitzahl"},
        "locale": {"language", "sprache", "locale"},
    }
    mapping: dict[str, str] = {}
    for column in header:
        for target, names in aliases.items():
            if column.strip().lower() in names and target not in mapping.values():
                mapping[column] = target
    return mapping


# --- planning ------------------------------------------------------------------------------


def plan(
    account: Account,
    data: bytes,
    mapping: dict,
    on_duplicate: str,
    *,
    done: int = 0,
    beat: Callable[[], None] | None = None,
) -> Iterator[list[Outcome]]:
    """Classify every row, batch by batch, without writing anything (also the dry run).
    A resumed run passes the rows it has ``done``: they are read again only to know the
    file's earlier contacts (a later row repeating one is refused as before), not planned."""
    _check_mapping(account, mapping, on_duplicate)
    header, reader = read_rows(decode(data))
    missing = [c for c in mapping if c not in header]
    if missing:
        raise ValidationFailed(_("Columns not in the file: %(c)s") % {"c": ", ".join(missing)})
    index = {column: header.index(column) for column in mapping}
    definitions = fields_of(account.pk)
    seen: dict[tuple[str, str], int] = {}
    batch: list[tuple[int, dict]] = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if number > MAX_ROWS + 1:
            raise ValidationFailed(_("At most %(n)d rows per import.") % {"n": MAX_ROWS})
        raw = {mapping[c]: (row[i] if i < len(row) else "") for c, i in index.items()}
        if done:
            done -= 1
            _remember(_clean_row(number, raw, definitions), seen)
            if beat is not None and done % BATCH == 0:
                beat()  # re-reading a long file must not look like a dead worker
            continue
        batch.append((number, raw))
        if len(batch) == BATCH:
            yield _classify(account, batch, definitions, on_duplicate, seen)
            batch = []
    if batch:
        yield _classify(account, batch, definitions, on_duplicate, seen)


def dry_run(account: Account, data: bytes, mapping: dict, on_duplicate: str) -> dict:
    counts = {"create": 0, "update": 0, "skip": 0, "refuse": 0}
    problems: list[dict] = []
    for batch in plan(account, data, mapping, on_duplicate):
        for outcome in batch:
            counts[outcome.action] += 1
            problems.extend(outcome.problems)
    return {"counts": counts, "problems": problems[:1000]}


def _classify(account, batch, definitions, on_duplicate, seen) -> list[Outcome]:
    outcomes = [_clean_row(number, raw, definitions) for number, raw in batch]
    existing = _existing_matches(account, [o for o in outcomes if o.action != "refuse"])
    for outcome in outcomes:
        if outcome.action == "refuse" or not _remember(outcome, seen):
            continue
        keys = _keys(outcome.values)
        match = next((existing[k] for k in keys if k in existing), None)
        if match is not None:
            outcome.contact_id = match
            outcome.action = "update" if on_duplicate == "update" else "skip"
    return outcomes


def _remember(outcome: Outcome, seen: dict[tuple[str, str], int]) -> bool:
    """Note the row's identifiers; False (and the row refused) when an earlier row of the
    file had one of them."""
    if outcome.action == "refuse":
        return False
    keys = _keys(outcome.values)
    earlier = next((seen[k] for k in keys if k in seen), None)
    if earlier is not None:
        outcome.action = "refuse"
        outcome.problems.append(
            _problem(outcome.row, "", _("Same contact as row %(n)d.") % {"n": earlier})
        )
        return False
    for key in keys:
        seen[key] = outcome.row
    return True


def _clean_row(number: int, raw: dict, definitions) -> Outcome:
    values, problems = {}, []
    for target, value in raw.items():
        value = (value or "").strip()
        if not value or target == "ignore":
            continue
        try:
            values[target] = _clean_value(target, value, definitions)
        except DomainError as exc:
            problems.append(_problem(number, target, str(exc)))
    if not problems and not values:
        problems.append(_problem(number, "", _("The row is empty.")))
    return Outcome(number, "refuse" if problems else "create", values, problems=problems)


def _clean_value(target: str, value: str, definitions):
    if target in IDENTITIES:
        return normalise(target, value)
    if target.startswith("custom:"):
        key = target[7:]
        return clean_values(0, {key: value}, definitions)[key]
    limits = {
        "name": 200,
        "company": 200,
        "customer_id": 100,
        "country": 2,
        "postcode": 20,
        "locale": 8,
    }
    if target == "country":
        value = value.upper()
    if len(value) > limits[target]:
        raise ValidationFailed(_("The value is too long."))
    return value


def _existing_matches(account, outcomes: list[Outcome]) -> dict[tuple[str, str], int]:
    """One query per identifier kind for the whole batch, not one per row."""
    matches: dict[tuple[str, str], int] = {}
    for kind in IDENTITIES:
        values = {o.values[kind] for o in outcomes if kind in o.values}
        found = ContactIdentity.objects.filter(account=account, kind=kind, value__in=values)
        matches |= {(kind, v): c for v, c in found.values_list("value", "contact_id")}
    ids = {o.values["customer_id"] for o in outcomes if "customer_id" in o.values}
    found_ids = Contact.objects.filter(account=account, customer_id__in=ids)
    matches |= {("customer_id", v): c for v, c in found_ids.values_list("customer_id", "pk")}
    return matches


def _keys(values: dict) -> list[tuple[str, str]]:
    return [(k, values[k]) for k in ("email", "phone", "customer_id") if values.get(k)]


def _problem(row: int, column: str, message: str) -> dict:
    return {"row": row, "field": column, "message": message}


def _check_mapping(account: Account, mapping: dict, on_duplicate: str) -> None:
    if on_duplicate not in ("skip", "update"):
        raise ValidationFailed(_("Duplicates are skipped or updated."))
    definitions = fields_of(account.pk)
    allowed = set(TARGETS) | {f"custom:{k}" for k in definitions} | {"ignore"}
    wrong = [t for t in mapping.values() if t not in allowed]
    if wrong:
        raise ValidationFailed(_("Unknown target field: %(t)s") % {"t": ", ".join(wrong)})
    used = [t for t in mapping.values() if t != "ignore"]
    if len(used) != len(set(used)):
        raise ValidationFailed(_("Two columns are mapped to the same field."))
    if not used:
        raise ValidationFailed(_("Map at least one column."))


# --- running -------------------------------------------------------------------------------


def start_import(account: Account, stored_file, mapping: dict, on_duplicate: str, *, actor: Actor):
    """Record the import and hand it to the job queue."""
    _check_mapping(account, mapping, on_duplicate)
    with transaction.atomic():
        job = ContactImport.objects.create(
            account=account,
            created_by=actor.operator,
            source=stored_file,
            mapping=mapping,
            on_duplicate=on_duplicate,
            created_at=clock.now(),
        )
        audit.record(actor, "contacts.import_started", "import", job.public_id)
        runner.submit(JOB_KIND, {"import": job.pk}, account=account)
    return job


def work(lease: runner.Lease) -> None:
    """The job: run the import from its checkpoint (rows done), reading the stored file."""
    job = ContactImport.objects.select_related("account", "source").get(
        pk=lease.job.payload["import"]
    )
    if job.state not in (ImportState.PENDING, ImportState.RUNNING):
        _drop_source(job)  # finished by an earlier worker that died before tidying up
        return
    if job.source is None:
        fail(job, "The uploaded file is gone.")
        return
    from messagecenter.files.services import open_file

    with open_file(job.source) as handle:
        data = handle.read()
    run_import(job, data, lease=lease)


def give_up(job: Job) -> None:
    """After the last attempt: the import fails, and what it wrote can still be undone."""
    contact_import = ContactImport.objects.select_related("created_by").filter(
        pk=job.payload["import"], state__in=(ImportState.PENDING, ImportState.RUNNING)
    )
    found = contact_import.first()
    if found is None:
        return
    language = found.created_by.language if found.created_by else None
    with translation.override(language):
        message = _(
            "The import stopped %(n)d times and was given up. The rows it imported can be undone."
        ) % {"n": job.attempts}
    _finish(found, ImportState.FAILED, message)


runner.register(runner.Kind(JOB_KIND, work, give_up))


def run_import(job: ContactImport, data: bytes, lease: runner.Lease | None = None) -> ContactImport:
    """Write the plan batch by batch; each batch commits with its progress and the job's
    checkpoint, so a resumed run (``lease`` of a later attempt) continues after the last
    committed batch: every row is written exactly once."""
    try:
        _header, rows = read_rows(decode(data))
        # Counted first, so the progress bar has its total from the start (and a broken
        # file fails here, before any row is written).
        job.total_rows = sum(1 for row in rows if any(cell.strip() for cell in row))
        ContactImport.objects.filter(pk=job.pk).update(
            state=ImportState.RUNNING, total_rows=job.total_rows
        )
        done = job.processed_rows
        beat = lease.beat if lease is not None else None
        batches = plan(job.account, data, job.mapping, job.on_duplicate, done=done, beat=beat)
        for batch in batches:
            with transaction.atomic():
                _write_batch(job, batch)
                job.save(update_fields=PROGRESS)
                if lease is not None:
                    rows = job.processed_rows
                    lease.save({"rows": rows}, done=rows, total=job.total_rows)
    except DomainError as exc:
        return _finish(job, ImportState.FAILED, str(exc))
    return _finish(job, ImportState.DONE)


def _write_batch(job: ContactImport, batch: list[Outcome]) -> None:
    created = [o for o in batch if o.action == "create"]
    contacts = Contact.objects.bulk_create(
        [Contact(account=job.account, **_profile(o.values)) for o in created]
    )
    identities = [
        ContactIdentity(account=job.account, contact=contact, kind=kind, value=o.values[kind])
        for o, contact in zip(created, contacts, strict=True)
        for kind in IDENTITIES
        if kind in o.values
    ]
    ContactIdentity.objects.bulk_create(identities)
    # bulk_create sends no signals: put the new contacts into the search index explicitly,
    # from the values at hand (the contacts are new: no document to replace, none to re-read).
    index_new_contacts(
        [
            (contact, [o.values["email"]] if "email" in o.values else [])
            for o, contact in zip(created, contacts, strict=True)
        ]
    )
    changes = [ImportChange(contact_import=job, contact=c, created=True) for c in contacts]
    changes += [_update(job, o) for o in batch if o.action == "update"]
    ImportChange.objects.bulk_create(changes)
    # The durable side (webhooks): one outbox INSERT per kind for the batch.
    publish_contacts("contact.created", [c.public_id for c in contacts], job.account_id)
    updated = [change.contact.public_id for change in changes if not change.created]
    publish_contacts("contact.updated", updated, job.account_id)
    job.processed_rows += len(batch)
    job.created_count += len(created)
    job.updated_count += sum(1 for o in batch if o.action == "update")
    refused = [p for o in batch if o.action == "refuse" for p in o.problems]
    job.refused_count += sum(1 for o in batch if o.action == "refuse")
    job.problems = (job.problems + refused)[:5000]


def _update(job: ContactImport, outcome: Outcome) -> ImportChange:
    assert outcome.contact_id is not None  # an update always has its match
    contact = Contact.objects.get(pk=outcome.contact_id)
    values = outcome.values
    previous = {k: getattr(contact, k) for k in _profile(values)}
    previous["custom_fields"] = dict(contact.custom_fields)
    for name, value in _profile(values).items():
        setattr(contact, name, value)
    contact.save()
    for kind in IDENTITIES:
        if kind in values:
            previous[kind] = _set_identity(contact, kind, values[kind])
    return ImportChange(contact_import=job, contact=contact, created=False, previous=previous)


def _set_identity(contact: Contact, kind: str, value: str) -> str:
    current = contact.identities.filter(kind=kind).first()
    old = current.value if current else ""
    if old == value:
        return old
    clash = ContactIdentity.objects.filter(account_id=contact.account_id, kind=kind, value=value)
    if clash.exclude(contact=contact).exists():
        return old  # the value belongs to another contact; keep ours unchanged
    if current:
        current.delete()
    ContactIdentity.objects.create(
        account_id=contact.account_id, contact=contact, kind=kind, value=value
    )
    return old


def _profile(values: dict) -> dict:
    profile = {k: v for k, v in values.items() if k in PROFILE}
    custom = {k[7:]: v for k, v in values.items() if k.startswith("custom:")}
    if custom:
        profile["custom_fields"] = custom
    return profile


def fail(job: ContactImport, error: str) -> ContactImport:
    return _finish(job, ImportState.FAILED, error)


def _finish(job: ContactImport, state: str, error: str = "") -> ContactImport:
    job.state, job.error, job.finished_at = state, error, clock.now()
    job.total_rows = job.processed_rows
    job.save(update_fields=["state", "error", "finished_at", "total_rows"])
    _drop_source(job)
    return job


def _drop_source(job: ContactImport) -> None:
    """The uploaded file holds personal data that a later erasure could not reach; undo works
    from the recorded changes, so the file goes as soon as the run is over."""
    if job.source_id is not None:
        from messagecenter.files.services import delete_file

        source, job.source = job.source, None
        job.save(update_fields=["source"])
        delete_file(source)


# --- undo ------------------------------------------------------------------------------------


def undo_import(job: ContactImport, *, actor: Actor) -> dict:
    """Within 24 hours: remove created contacts, restore updated values. Contacts that have
    been in a conversation since are kept, and the result names them."""
    if actor.account.pk != job.account_id or actor.operator is None:
        raise ValidationFailed(_("Not found."))
    if job.state not in UNDOABLE:
        raise InvalidTransition(_("Only a finished import can be undone."))
    if clock.now() - (job.finished_at or job.created_at) > UNDO_WINDOW:
        raise InvalidTransition(_("An import can only be undone within 24 hours."))
    kept: list[str] = []
    with transaction.atomic():
        for change in job.changes.select_related("contact"):
            if change.contact.conversations.exists():
                kept.append(change.contact.public_id)
            elif change.created:
                change.contact.delete()
            else:
                _restore(change)
        job.state, job.undone_at = ImportState.UNDONE, clock.now()
        job.save(update_fields=["state", "undone_at"])
        audit.record(actor, "contacts.import_undone", "import", job.public_id, kept=len(kept))
    return {"kept": kept, "reason": _("They have been in a conversation since the import.")}


def _restore(change: ImportChange) -> None:
    contact, previous = change.contact, dict(change.previous)
    for kind in IDENTITIES:
        if kind in previous:
            old = previous.pop(kind)
            contact.identities.filter(kind=kind).delete()
            if old:
                ContactIdentity.objects.create(
                    account_id=contact.account_id, contact=contact, kind=kind, value=old
                )
    for name, value in previous.items():
        setattr(contact, name, value)
    contact.save()
