"""The composer's resumable uploads (files.uploads), tus-like over plain HTTP:

- ``POST uploads/`` with ``name`` and ``size`` → 201 ``{"id", "url", "offset": 0}``;
- ``PATCH <url>`` with ``Upload-Offset`` and the chunk as the body → 204 with the new
  ``Upload-Offset``, or 200 with the finished file when the chunk completes it;
- ``HEAD <url>`` → ``Upload-Offset``/``Upload-Length`` (where to go on after a dropped
  connection); a chunk at the wrong offset gets 409 with the right one;
- ``DELETE <url>`` cancels.

A finished file is checked against the conversation's channel at once, so the composer shows
the reason next to the file; the reply (``actions.reply``) names the upload ids.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods, require_POST

from messagecenter.conversations import outgoing_files
from messagecenter.conversations.attachments import describe
from messagecenter.core.errors import DomainError, NotFound
from messagecenter.files import links, uploads
from messagecenter.files.models import Upload
from messagecenter.web.access import actor
from messagecenter.web.views.conversation import load
from messagecenter.web.views.respond import not_found_as_404


@login_required
@require_POST
def create(request, conversation_id: str):
    item = load(request, conversation_id)
    try:
        size = int(request.POST.get("size", ""))
        voice = request.POST.get("voice") == "1"
        if voice:  # a recording from the microphone (R-FILE-2): refused at once on SMS
            outgoing_files.check_voice(item)
        upload = uploads.create_upload(
            item.account,
            request.POST.get("name", ""),
            size,
            actor=actor(request),
            # The file is part of the contact's history: their erasure and export include it.
            contact=item.contact,
            conversation_id=item.public_id,
            voice=voice,
            duration_ms=_duration(request) if voice else None,
        )
    except ValueError:
        return _error("The file size is missing.", "upload_size", 400)
    except DomainError as error:
        return _refused(error)
    return JsonResponse(
        {"id": upload.public_id, "url": _url(item.public_id, upload), "offset": 0}, status=201
    )


@login_required
@require_http_methods(["HEAD", "PATCH", "DELETE"])
def upload(request, conversation_id: str, upload_id: str):
    item = load(request, conversation_id)
    who = actor(request)
    found = not_found_as_404(lambda: uploads.get_upload(item.account, upload_id, actor=who))
    if found.conversation_id != item.public_id:
        raise Http404
    if request.method == "HEAD":
        return _offset(found)
    if request.method == "DELETE":
        uploads.cancel(found)
        return HttpResponse(status=204)
    return _append(request, item, found, who)


def _append(request, item, found: Upload, who):
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
    except ValueError:
        return _error("Upload-Offset is missing.", "upload_offset", 400)
    try:
        done = uploads.append_chunk(found, offset, request, actor=who)
    except uploads.OffsetMismatch as error:
        response = _refused(error)
        response["Upload-Offset"] = str(error.details["offset"])
        return response
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return _refused(error)
    if not done.complete:
        return _offset(done, status=204)
    return _finished(item, done)


def _finished(item, done: Upload):
    stored = done.file
    assert stored is not None
    try:
        outgoing_files.check(item, stored)
    except DomainError as error:
        uploads.cancel(done)
        return _refused(error)
    url = links.download_url(stored)
    file = describe(stored, url) | {
        "thumb": links.download_url(stored, variant="thumb") if stored.thumbnail_key else ""
    }
    response = JsonResponse({"id": done.public_id, "offset": done.offset, "file": file})
    response["Upload-Offset"] = str(done.offset)
    return response


def _duration(request) -> int | None:
    """A recording's declared length (milliseconds); missing or malformed: refused later."""
    try:
        return int(request.POST.get("duration_ms", ""))
    except ValueError:
        return None


def _offset(found: Upload, status: int = 200) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Upload-Offset"] = str(found.offset)
    response["Upload-Length"] = str(found.length)
    response["Cache-Control"] = "no-store"
    return response


def _url(conversation_id: str, found: Upload) -> str:
    from django.urls import reverse

    return reverse("conversation_upload", args=[conversation_id, found.public_id])


def _refused(error: DomainError) -> JsonResponse:
    return _error(str(error.message), error.code, error.http_status)


def _error(message: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message, "code": code}, status=status)
