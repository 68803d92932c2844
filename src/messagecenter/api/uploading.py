"""A REST upload in one request: the body is the file, streamed to storage by the files app's
upload service (``files.uploads``: announced with its length, appended as one chunk, sniffed,
scanned), then checked against the conversation's channel as the composer checks it. A file
the channel refuses is removed at once, so nothing is left to sweep.

The API takes the whole file in one request (no resumable chunks): integrations retry a
request, not a byte range, and ``Idempotency-Key`` makes that retry safe.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from messagecenter.conversations import outgoing_files
from messagecenter.conversations.attachments import describe
from messagecenter.conversations.models import Conversation
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError, ValidationFailed
from messagecenter.files import links, uploads


class LengthRequired(DomainError):
    code = "length_required"
    http_status = 411


def upload_whole(conversation: Conversation, name: str, request, *, actor: Actor) -> dict:
    """Store the request's body as a finished upload for ``conversation``; its description."""
    upload = uploads.create_upload(
        conversation.account,
        name,
        _declared_length(request),
        actor=actor,
        # The file is part of the contact's history: their erasure and export include it.
        contact=conversation.contact,
        conversation_id=conversation.public_id,
    )
    try:
        upload = uploads.append_chunk(upload, 0, request, actor=actor)
        if not upload.complete or upload.file is None:
            raise ValidationFailed(_("The file is shorter than announced."), code="upload_short")
        outgoing_files.check(conversation, upload.file)
    except Exception:
        uploads.cancel(upload)  # the parts, and the finished file if the channel refused it
        raise
    return {"id": upload.public_id, "file": _described(upload.file)}


def _described(stored) -> dict[str, Any]:
    return describe(stored, links.download_url(stored))


def _declared_length(request) -> int:
    raw = request.META.get("CONTENT_LENGTH") or ""
    if not raw and "chunked" not in request.headers.get("Transfer-Encoding", ""):
        return 0  # neither length nor chunks: no body at all (RFC 9112 §6.3)
    try:
        length = int(raw)
    except ValueError:
        length = -1
    if length < 0:
        raise LengthRequired(_("Send the file's size in the Content-Length header."))
    return length
