"""CSV: a chart's table, and the per-conversation metrics (one row per conversation),
streamed in chunks like the archive's export."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest

from messagecenter.analytics.queries import Filters, metrics
from messagecenter.widgets.models import Widget

CHUNK_ROWS = 2000
FORMULA_START = ("=", "+", "-", "@")

COLUMNS = (
    "conversation",
    "started_at",
    "local_day",
    "local_hour",
    "channel",
    "widget",
    "status",
    "contact_messages",
    "operator_messages",
    "first_response_seconds",
    "reply_count",
    "reply_seconds_mean",
    "ended_at",
    "resolution_seconds",
    "reopened",
    "was_live",
    "rating",
    "first_response_business_seconds",
    "reply_business_mean",
    "resolution_business_seconds",
)
_FIELDS = (
    "conversation_key",
    "started_at",
    "local_day",
    "local_hour",
    "channel",
    "widget_id",
    "status",
    "contact_messages",
    "operator_messages",
    "first_response_seconds",
    "reply_count",
    "reply_seconds_mean",
    "ended_at",
    "resolution_seconds",
    "reopened",
    "was_live",
    "rating",
    "first_response_business_seconds",
    "reply_business_mean",
    "resolution_business_seconds",
)


def table_csv(columns: list[str], rows: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows([_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def conversation_chunks(filters: Filters) -> Iterator[str]:
    """The header, then one string per ``CHUNK_ROWS`` rows, read in pk order by keyset."""
    widgets = dict(
        Widget.objects.filter(account_id=filters.account_id).values_list("pk", "public_id")
    )
    rows = metrics(filters).order_by("pk")
    yield table_csv(list(COLUMNS), [])
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).values_list("pk", *_FIELDS)[:CHUNK_ROWS])
        if not batch:
            return
        last = batch[-1][0]
        cells = [_cells(row[1:], widgets) for row in batch]
        yield table_csv([], cells).split("\r\n", 1)[1]


def content(request, filters: Filters):
    """Asynchronous under ASGI (the server), plain under WSGI (tests)."""
    if isinstance(request, ASGIRequest):
        return _stream(filters)
    return (chunk.encode("utf-8") for chunk in conversation_chunks(filters))


async def _stream(filters: Filters) -> AsyncIterator[bytes]:
    chunks = conversation_chunks(filters)
    step = sync_to_async(lambda: next(chunks, None), thread_sensitive=True)
    while (chunk := await step()) is not None:
        yield chunk.encode("utf-8")


def _cells(row: tuple, widgets: dict[int, str]) -> list[Any]:
    cells = list(row)
    cells[1] = cells[1].isoformat()
    cells[5] = widgets.get(cells[5], "")
    cells[12] = cells[12].isoformat() if cells[12] else None
    cells[15] = "yes" if cells[15] else "no"
    return cells


def _safe(cell: Any) -> Any:
    """Text a spreadsheet would run as a formula is quoted."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell
