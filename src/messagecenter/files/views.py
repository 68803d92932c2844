"""The download endpoints: a short-lived signed URL serves the bytes; a lasting link (what a
contact keeps in a mail or an SMS) mints a fresh URL and redirects to it. Neither needs a
session: the signature is the permission, and a bad or expired one is a plain 404."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_safe

from messagecenter.core.errors import NotFound
from messagecenter.files import links
from messagecenter.files.http import file_response


@require_safe
def download(request, token: str, name: str):
    try:
        stored, variant = links.resolve_download(token)
    except NotFound:
        raise Http404 from None
    return file_response(stored, inline=stored.is_raster_image, request=request, variant=variant)


@require_safe
def link(request, token: str):
    try:
        stored, variant = links.resolve_link(token)
    except NotFound:
        raise Http404 from None
    return redirect(links.download_url(stored, variant=variant))
