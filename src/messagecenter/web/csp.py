"""The Content-Security-Policy of every page the Message Center serves.

No inline script anywhere: page scripts are static ES modules, their data travels in
``json_script`` blocks (``type="application/json"`` is data, which the policy does not govern)
and ``data-`` attributes. Styles come from static stylesheets; scripts that build styles at run
time use constructed stylesheets (``adoptedStyleSheets``) or the CSSOM (``element.style``), which
the policy allows, never ``<style>`` text or ``style`` attributes. Two exceptions, for vendored
libraries that cannot do otherwise, are named below with their reason.

Framing: no page may be framed (``frame-ancestors 'none'``) except the hosted chat page, which
a widget's allowed websites may embed (``allow_framing_by``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.http import HttpRequest, HttpResponse

# emoji-picker-element 1.29.1 (vendor/emoji-picker-element) appends one fixed <style> to its
# shadow root; its hash lets exactly that text in. A library update that changes the text shows
# as a violation in tests/web/app/test_csp_browser.py, which names the new hash.
EMOJI_PICKER_STYLE = "'sha256-rg2BpwZ4T9EADaas/dlxn0KsISPDXXIabE9pnJ++3UQ='"

_FRAMING = "_mc_csp_frame_ancestors"
_STYLE_ATTRIBUTES = "_mc_csp_style_attributes"
_REMOTE_IMAGES = "_mc_csp_remote_images"


def policy(
    *,
    frame_ancestors: Iterable[str] = ("'none'",),
    style_attributes: bool = False,
    remote_images: bool = False,
) -> str:
    """The header value. ``style_attributes`` only for a page hosting a library that positions
    its parts with ``style`` attributes (the emoji picker: see ``allow_style_attributes``);
    ``remote_images`` only where an operator may ask for a mail's images
    (``allow_remote_images``)."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", EMOJI_PICKER_STYLE],
        "style-src-elem": ["'self'", EMOJI_PICKER_STYLE],
        "style-src-attr": ["'unsafe-inline'"] if style_attributes else ["'none'"],
        # data: for the favicon placeholder and inline SVG images; blob: for local previews.
        "img-src": ["'self'", "data:", "blob:", *(["https:"] if remote_images else [])],
        "font-src": ["'self'"],
        # 'self' also covers the WebSockets (ws:/wss:) of this origin.
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": list(frame_ancestors),
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def allow_framing_by(response: HttpResponse, origins: Iterable[str]) -> HttpResponse:
    """Let this origin and ``origins`` (a widget's allowed websites) frame the response."""
    setattr(response, _FRAMING, ["'self'", *origins])
    response.xframe_options_exempt = True  # frame-ancestors says who may; X-Frame-Options can't
    return response


def allow_style_attributes(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the one page with the emoji picker: emoji-picker-element sets ``style`` attributes
    (grid columns, the category indicator's position) from its own templates. Attributes
    cannot load anything or select elements, unlike ``<style>`` text, which stays forbidden."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        setattr(response, _STYLE_ATTRIBUTES, True)
        return response

    return wrapper


def allow_remote_images(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the conversation page: a mail's remote images load when the operator asks for them
    ("Load remote images"). The sanitiser keeps their address only in ``data-mc-remote-src``,
    so nothing loads before that click; the policy still refuses plain-http images and every
    other remote resource."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        setattr(response, _REMOTE_IMAGES, True)
        return response

    return wrapper


class ContentSecurityPolicyMiddleware:
    """Sets the policy on every response that does not have one yet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = policy(
                frame_ancestors=getattr(response, _FRAMING, ("'none'",)),
                style_attributes=getattr(response, _STYLE_ATTRIBUTES, False),
                remote_images=getattr(response, _REMOTE_IMAGES, False),
            )
        return response
