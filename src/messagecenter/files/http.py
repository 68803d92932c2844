"""Serving a stored file over HTTP, the same way wherever it is downloaded (operator app, API)."""

from __future__ import annotations

from django.http import FileResponse

from messagecenter.files.models import StoredFile
from messagecenter.files.services import open_file


def file_response(stored: StoredFile, *, inline: bool = False) -> FileResponse:
    """The file with its sniffed type; a download unless ``inline`` (a mail's cid: image).
    Sandboxed and never sniffed by the browser: an HTML or SVG file cannot run as our page."""
    response = FileResponse(
        open_file(stored),
        content_type=stored.content_type,
        as_attachment=not inline,
        filename=stored.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
