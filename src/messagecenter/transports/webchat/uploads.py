"""The messenger's resumable uploads: the contact's side of files.uploads, over HTTP from the
website that embeds the messenger (so cross-origin, with CORS for the widget's allowed
origins, as its socket checks them).

The contact proves who they are with their messenger token (``X-MC-Token``, the one ``hello``
gave them), never with cookies: no CSRF to guard, and another site's page cannot act for them.
The protocol is the composer's (``web.views.uploads``): ``POST`` announces, ``PATCH`` sends a
chunk at ``Upload-Offset``, ``HEAD`` tells the offset, ``DELETE`` cancels. The widget's media
switch and kinds are checked when the file is complete, and again when the message is sent.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError, NotFound
from messagecenter.files import uploads
from messagecenter.files.models import Upload
from messagecenter.realtime.origins import messenger_origin_allowed
from messagecenter.transports.base import CapabilityRefused
from messagecenter.transports.webchat import visitors
from messagecenter.transports.webchat.events import contact_file as describe
from messagecenter.widgets.models import Widget

TOKEN_HEADER = "X-MC-Token"
ALLOWED_HEADERS = f"Content-Type, Upload-Offset, {TOKEN_HEADER}"


def widget_refusal(widget: Widget, media_kind: str) -> str:
    """Why the widget does not take this kind of file from a contact ('' when it does)."""
    media = widget.media or {}
    if not media.get("enabled", True):
        return _("Files are switched off for this widget.")
    if media_kind not in media.get("types", []):
        return _("This widget does not accept this kind of file.")
    return ""


@csrf_exempt
def create(request, widget_key: str):
    widget = _widget(widget_key)
    if request.method == "OPTIONS":
        return _cors(request, widget, HttpResponse(status=204))
    if request.method != "POST":
        return _cors(request, widget, HttpResponse(status=405))
    contact = _contact(request, widget)
    media = widget.media or {}
    if not media.get("enabled", True) or not media.get("types"):
        off = CapabilityRefused(_("Files are switched off for this widget."))
        return _refused(request, widget, off)
    voice = request.POST.get("voice") == "1"
    if voice and widget_refusal(widget, "audio"):  # a recording needs the widget's audio
        return _refused(request, widget, CapabilityRefused(widget_refusal(widget, "audio")))
    try:
        size = int(request.POST.get("size", ""))
        upload = uploads.create_upload(
            widget.account,
            request.POST.get("name", ""),
            size,
            actor=Actor.for_contact(contact),
            contact=contact,
            voice=voice,
            duration_ms=_duration(request) if voice else None,
        )
    except ValueError:
        return _cors(request, widget, JsonResponse({"ok": False, "error": "size"}, status=400))
    except DomainError as error:
        return _refused(request, widget, error)
    body = {"id": upload.public_id, "url": _url(widget, upload), "offset": 0}
    return _cors(request, widget, JsonResponse(body, status=201))


@csrf_exempt
def upload(request, widget_key: str, upload_id: str):
    widget = _widget(widget_key)
    if request.method == "OPTIONS":
        return _cors(request, widget, HttpResponse(status=204))
    contact = _contact(request, widget)
    who = Actor.for_contact(contact)
    try:
        found = uploads.get_upload(widget.account, upload_id, actor=who)
    except NotFound:
        raise Http404 from None
    if request.method == "HEAD":
        return _cors(request, widget, _offset(found))
    if request.method == "DELETE":
        uploads.cancel(found)
        return _cors(request, widget, HttpResponse(status=204))
    if request.method != "PATCH":
        return _cors(request, widget, HttpResponse(status=405))
    return _cors(request, widget, _append(request, widget, found, who))


def _append(request, widget: Widget, found: Upload, who: Actor) -> HttpResponse:
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
        done = uploads.append_chunk(found, offset, request, actor=who)
    except ValueError:
        return JsonResponse({"ok": False, "error": "Upload-Offset"}, status=400)
    except uploads.OffsetMismatch as error:
        response = _error(error)
        response["Upload-Offset"] = str(error.details["offset"])
        return response
    except DomainError as error:
        return _error(error)
    if not done.complete:
        return _offset(done, status=204)
    stored = done.file
    assert stored is not None
    reason = widget_refusal(widget, stored.media_kind)
    if reason:
        uploads.cancel(done)
        return _error(CapabilityRefused(reason))
    response = JsonResponse({"id": done.public_id, "offset": done.offset, "file": describe(stored)})
    response["Upload-Offset"] = str(done.offset)
    return response


def _duration(request) -> int | None:
    try:
        return int(request.POST.get("duration_ms", ""))
    except ValueError:
        return None


def _widget(widget_key: str) -> Widget:
    widget = Widget.objects.select_related("account").filter(key=widget_key).first()
    if widget is None:
        raise Http404
    return widget


def _contact(request, widget: Widget):
    contact = visitors.contact_for_upload(widget, request.headers.get(TOKEN_HEADER))
    if contact is None or contact.blocked:
        raise Http404
    return contact


def _url(widget: Widget, found: Upload) -> str:
    from django.urls import reverse

    return reverse("webchat:upload", args=[widget.key, found.public_id])


def _offset(found: Upload, status: int = 200) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Upload-Offset"] = str(found.offset)
    response["Upload-Length"] = str(found.length)
    response["Cache-Control"] = "no-store"
    return response


def _error(error: DomainError) -> JsonResponse:
    body = {"ok": False, "error": str(error.message), "code": error.code}
    return JsonResponse(body, status=error.http_status)


def _refused(request, widget: Widget, error: DomainError) -> HttpResponse:
    return _cors(request, widget, _error(error))


def _cors(request, widget: Widget, response: HttpResponse) -> HttpResponse:
    """The widget's allowed origins (and our own pages) may call; others get no CORS headers,
    so their browser keeps the answer from them."""
    origin = request.headers.get("Origin", "")
    scope = {"headers": [(b"origin", origin.encode()), (b"host", request.get_host().encode())]}
    if origin and messenger_origin_allowed(scope, widget):
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST, PATCH, HEAD, DELETE, OPTIONS"
        response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response["Access-Control-Expose-Headers"] = "Upload-Offset, Upload-Length"
        response["Access-Control-Max-Age"] = "600"
        response["Vary"] = "Origin"
    return response
