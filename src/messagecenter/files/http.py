"""Serving a stored file over HTTP, the same way wherever it is downloaded.

Downloads are attachments, except raster images (and their thumbnails), which a viewer may
show inline. Every response is ``nosniff`` with a sandboxing CSP, so an HTML or SVG file can
never run as one of our pages, whatever its name says.

Under ASGI the bytes go through an async iterator reading one block at a time in a worker
thread: Django would otherwise read a synchronous file whole into memory before sending it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

from django.core.files.storage import default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from messagecenter.files import voice
from messagecenter.files.models import ScanState, StoredFile
from messagecenter.files.services import open_file, open_thumbnail

BLOCK = 256 * 1024
SANDBOX = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


def file_response(stored: StoredFile, *, inline: bool = False, request=None, variant="file"):
    """The file with its sniffed type; a download unless ``inline`` is allowed (a mail's cid:
    image, a raster image). Quarantined files are refused with the reason."""
    if stored.scan_state in (ScanState.INFECTED, ScanState.PENDING):
        return quarantined(stored)
    if variant == "voice":
        return voice_response(stored, request)
    thumb = variant == "thumb"
    inline = (inline or thumb) and stored.is_raster_image
    handle = open_thumbnail(stored) if thumb else open_file(stored)
    content_type = _thumb_type(stored) if thumb else stored.content_type
    if isinstance(request, ASGIRequest):
        response: HttpResponse | StreamingHttpResponse = _streamed(handle, stored, content_type)
        response["Content-Disposition"] = (
            content_disposition_header(not inline, stored.original_name) or "attachment"
        )
    else:
        response = FileResponse(
            handle,
            content_type=content_type,
            as_attachment=not inline,
            filename=stored.original_name,
        )
    return _harden(response)


# ``Range: bytes=<first>-<last>`` (either may be missing: a suffix, or to the end).
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def voice_response(stored: StoredFile, request) -> HttpResponse | StreamingHttpResponse:
    """What a voice player loads (``files.voice.playable``), with byte ranges: a media element
    seeks by asking for the part it needs, and treats a source without ranges as a stream it
    cannot seek."""
    key, content_type = voice.playable(stored)
    handle = default_storage.open(key, "rb")
    size = default_storage.size(key)
    start, end = 0, size - 1
    wanted = _RANGE.match((request.headers.get("Range", "") if request else "").strip())
    partial = bool(wanted and (wanted[1] or wanted[2]))
    if partial and wanted:
        if wanted[1]:
            start = int(wanted[1])
            end = min(int(wanted[2]), size - 1) if wanted[2] else size - 1
        else:
            start = max(0, size - int(wanted[2]))
        if start > end:
            handle.close()
            refused = HttpResponse(status=416)
            refused["Content-Range"] = f"bytes */{size}"
            return _harden(refused)
    handle.seek(start)
    length = end - start + 1
    blocks = _blocks(handle, length) if isinstance(request, ASGIRequest) else _sync(handle, length)
    response = StreamingHttpResponse(
        blocks, status=206 if partial else 200, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if partial:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Disposition"] = (
        content_disposition_header(
            True, voice.ogg_name(stored) if key == stored.voice_ogg_key else stored.original_name
        )
        or "attachment"
    )
    return _harden(response)


def _sync(handle, length: int):
    try:
        while length > 0 and (block := handle.read(min(BLOCK, length))):
            length -= len(block)
            yield block
    finally:
        handle.close()


def quarantined(stored: StoredFile) -> HttpResponse:
    if stored.scan_state == ScanState.INFECTED:
        reason = _("This file was found to be infected and is kept in quarantine.")
    else:
        reason = _("This file has not been scanned yet.")
    return _harden(HttpResponse(reason, status=403, content_type="text/plain; charset=utf-8"))


def _harden(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = "private, no-store"
    # The messenger shows images on the host website: a signed URL is the permission.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _thumb_type(stored: StoredFile) -> str:
    return "image/png" if stored.thumbnail_key.endswith(".png") else "image/jpeg"


def _streamed(handle, stored: StoredFile, content_type: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_blocks(handle), content_type=content_type)
    with contextlib.suppress(AttributeError, OSError):
        response["Content-Length"] = str(handle.size)
    return response


async def _blocks(handle, length: int | None = None) -> AsyncIterator[bytes]:
    """``length``: only that many bytes (a range), else to the end."""
    try:
        while length is None or length > 0:
            block = await asyncio.to_thread(
                handle.read, BLOCK if length is None else min(BLOCK, length)
            )
            if not block:
                break
            if length is not None:
                length -= len(block)
            yield block
    finally:
        await asyncio.to_thread(handle.close)
