"""Reading the audit trail: filtered, newest first, in keyset pages, and as a CSV stream.

Administrators and supervisors (``accounts.permissions``). Pages are cut by ``(at, id)``
rather than by offset, so a page stays right while new rows arrive and a deep page costs the
same as the first.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from messagecenter.accounts import permissions
from messagecenter.accounts.models import AuditEntry, Operator
from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed

PAGE_SIZE = 50
CSV_COLUMNS = [
    "at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "data",
]


@dataclass(frozen=True)
class AuditFilter:
    """What an administrator narrows the trail to; empty fields do not narrow."""

    actor_id: str = ""
    action: str = ""
    # An object's id ("op_…") or its type ("operator").
    target: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    actor_names: dict[str, str]
    next_cursor: str


def page(actor: Actor, filters: AuditFilter, cursor: str = "", size: int = PAGE_SIZE) -> AuditPage:
    """One page of ``actor``'s account trail, newest first, after ``cursor``."""
    rows = list(_after(_filtered(actor, filters), cursor)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = _cursor(rows[-1]) if more else ""
    return AuditPage(rows, actor_names(actor, rows), next_cursor)


def actions(actor: Actor) -> list[str]:
    """The action names that occur in the account's trail (for the filter's choices)."""
    _require_reader(actor)
    query = AuditEntry.objects.for_account(actor.account).order_by("action")
    return list(query.values_list("action", flat=True).distinct())


def csv_rows(actor: Actor, filters: AuditFilter) -> Iterator[str]:
    """The filtered trail as CSV lines, oldest first, produced row by row for streaming."""
    query = _filtered(actor, filters).order_by("at", "id")
    names = dict(Operator.objects.filter(account=actor.account).values_list("public_id", "name"))
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for entry in query.iterator(chunk_size=500):
        yield writer.writerow([_defuse(value) for value in _csv_values(entry, names)])


def actor_names(actor: Actor, entries: list[AuditEntry]) -> dict[str, str]:
    ids = {entry.actor_id for entry in entries if entry.actor_id}
    query = Operator.objects.filter(account=actor.account, public_id__in=ids)
    return dict(query.values_list("public_id", "name"))


def _filtered(actor: Actor, filters: AuditFilter) -> QuerySet[AuditEntry]:
    _require_reader(actor)
    query = AuditEntry.objects.for_account(actor.account)
    if filters.actor_id:
        query = query.filter(actor_id=filters.actor_id)
    if filters.action:
        query = query.filter(action=filters.action)
    if filters.target:
        query = query.filter(Q(target_id=filters.target) | Q(target_type=filters.target))
    if filters.since:
        query = query.filter(at__gte=filters.since)
    if filters.until:
        query = query.filter(at__lt=filters.until)
    return query.order_by("-at", "-id")


def _after(query: QuerySet[AuditEntry], cursor: str) -> QuerySet[AuditEntry]:
    if not cursor:
        return query
    at, pk = _parse_cursor(cursor)
    return query.filter(Q(at__lt=at) | Q(at=at, id__lt=pk))


def _cursor(entry: AuditEntry) -> str:
    return f"{entry.at.isoformat()}~{entry.pk}"


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    at_text, _sep, pk_text = cursor.rpartition("~")
    at = parse_datetime(at_text.replace(" ", "+"))
    if at is None or not pk_text.isdigit():
        raise ValidationFailed(_("This page link is not valid."), field="cursor")
    return at, int(pk_text)


def _csv_values(entry: AuditEntry, names: dict[str, str]) -> list[str]:
    data = ";".join(f"{key}={value}" for key, value in sorted(entry.data.items()))
    return [
        entry.at.isoformat(),
        entry.actor_kind,
        entry.actor_id,
        names.get(entry.actor_id, ""),
        entry.action,
        entry.target_type,
        entry.target_id,
        data,
    ]


class _Echo:
    """A file that hands back what is written: ``csv.writer(_Echo()).writerow`` returns the
    line instead of keeping it (Django's streaming CSV recipe)."""

    def write(self, value: str) -> str:
        return value


def _defuse(value: str) -> str:
    # A spreadsheet runs cells that start with = + - @ as formulas (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _require_reader(actor: Actor) -> None:
    permissions.require_audit_log(actor)
