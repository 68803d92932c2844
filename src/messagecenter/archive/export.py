"""CSV export of a selection, streamed: constant memory however many rows.

Rows come from one query read in chunks through Django's chunked cursor (a server-side cursor
on PostgreSQL, stepped reads on SQLite: what ``iterator(chunk_size=…)`` uses, without its
per-value conversions, which cost more than the query) as plain tuples, and leave as CSV text
a chunk at a time. Under ASGI a synchronous iterator would be read to the end before the first
byte is sent, so the response gets an asynchronous iterator that fetches each chunk in the
database thread.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterator

from asgiref.sync import sync_to_async
from django.core.exceptions import EmptyResultSet
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.db.models import Func, OuterRef, QuerySet, Subquery, TextField
from django.utils.translation import gettext as _

from messagecenter.archive.queries import newest_first
from messagecenter.contacts.models import ContactIdentity, IdentityKind

CHUNK_ROWS = 2000
COLUMNS = (
    ("id", "public_id"),
    ("created_at", "created_at"),
    ("last_activity_at", "last_activity_at"),
    ("ended_at", "ended_at"),
    ("status", "status"),
    ("channel", "connection__kind"),
    ("widget", "widget__name"),
    ("contact_id", "contact__public_id"),
    ("contact_name", "contact__name"),
    ("contact_email", "contact_email"),
    ("operator", "assigned_operator__name"),
    ("group", "assigned_group__name"),
    ("topic", "topic__name"),
    ("language", "locale"),
    ("subject", "subject"),
    ("rating", "rating"),
    ("feedback", "feedback"),
    ("contact_messages", "contact_message_count"),
    ("had_bot", "had_bot"),
)
_TIMES = {"created_at", "last_activity_at", "ended_at"}
_FLAGS = {"had_bot"}
_TEXTS = {"widget", "contact_name", "contact_email", "operator", "group", "topic", "subject",
          "feedback"}  # fmt: skip
# A cell starting with these is a formula to a spreadsheet (CSV injection): quote it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def header() -> list[str]:
    return [name for name, _source in COLUMNS]


class IsoUtc(Func):
    """A timestamp as ISO 8601 text in UTC, written by the database: parsing a million
    timestamps into Python objects only to print them again cost a quarter of the export."""

    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores "2026-03-02 09:00:00.123456" (UTC) in SQLite.
        return self.as_sql(
            compiler, connection, template="REPLACE(%(expressions)s, ' ', 'T') || '+00:00'"
        )

    def as_postgresql(self, compiler, connection, **extra):
        template = (
            "TO_CHAR(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
        )
        return self.as_sql(compiler, connection, template=template)


def rows(conversations: QuerySet) -> Iterator[tuple]:
    """The selection's rows, newest activity first, as the database returns them."""
    email = ContactIdentity.objects.filter(
        contact_id=OuterRef("contact_id"), kind=IdentityKind.EMAIL
    ).order_by("created_at", "id")
    times = {f"{name}_text": IsoUtc(name) for name in _TIMES}
    query = newest_first(conversations).annotate(
        contact_email=Subquery(email.values("value")[:1]), **times
    )
    query = query.values_list(
        *[f"{source}_text" if name in _TIMES else source for name, source in COLUMNS]
    )
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:
        return  # a condition nothing satisfies (a search without matches)
    with connections[query.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(CHUNK_ROWS):
            yield from batch


def csv_chunks(conversations: QuerySet) -> Iterator[str]:
    """The CSV text: the header, then one string per ``CHUNK_ROWS`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header())
    as_cells = cell_writer()
    pending = 0
    for row in rows(conversations):
        writer.writerow(as_cells(row))
        pending += 1
        if pending >= CHUNK_ROWS:
            yield _drain(buffer)
            pending = 0
    yield _drain(buffer)


def content(request, conversations: QuerySet):
    """The response body: asynchronous under ASGI (the server), plain under WSGI (tests)."""
    if isinstance(request, ASGIRequest):
        return stream(conversations)
    return (chunk.encode("utf-8") for chunk in csv_chunks(conversations))


async def stream(conversations: QuerySet) -> AsyncIterator[bytes]:
    """``csv_chunks`` for an ASGI response: each chunk read in the database thread."""
    chunks = csv_chunks(conversations)
    step = sync_to_async(lambda: next(chunks, None), thread_sensitive=True)
    while (chunk := await step()) is not None:
        yield chunk.encode("utf-8")


def filename(now) -> str:
    return _("conversations") + now.strftime("-%Y%m%d-%H%M%S.csv")


def cell_writer() -> Callable[[tuple], list]:
    """Raw row -> CSV cells: flags as yes/no, text a spreadsheet would run as a formula
    quoted. ``None`` stays empty (the csv module writes it so); times come as text already."""
    flags = [n for n, (name, _s) in enumerate(COLUMNS) if name in _FLAGS]
    texts = [n for n, (name, _s) in enumerate(COLUMNS) if name in _TEXTS]

    def convert(row: tuple) -> list:
        cells = list(row)
        for n in flags:
            cells[n] = "yes" if cells[n] else "no"
        for n in texts:
            value = cells[n]
            if value and value.startswith(_FORMULA_START):
                cells[n] = "'" + value
        return cells

    return convert


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
