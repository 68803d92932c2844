"""Streamed download bodies. Under ASGI a synchronous iterator would be read to the end
before the first byte leaves (Django buffers it), so the server gets an asynchronous one that
pulls each chunk in the database thread, as the archive's CSV export does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from itertools import islice

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest

LINES_PER_CHUNK = 500


def body(request, lines: Iterable[str]) -> Iterator[bytes] | AsyncIterator[bytes]:
    """``lines`` as a response body: asynchronous under ASGI, plain under WSGI (tests)."""
    chunks = _chunks(iter(lines))
    if isinstance(request, ASGIRequest):
        return _stream(chunks)
    return chunks


def _chunks(lines: Iterator[str]) -> Iterator[bytes]:
    while batch := list(islice(lines, LINES_PER_CHUNK)):
        yield "".join(batch).encode("utf-8")


async def _stream(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    step = sync_to_async(lambda: next(chunks, None), thread_sensitive=True)
    while (chunk := await step()) is not None:
        yield chunk
