"""The website messenger's public pages: the embed script, the hosted chat page, the demo shop.

None of these needs a login. The embed script is served from a fixed, unversioned URL
(``/messenger.js``, the one in every customer's snippet), so it is cached briefly and
revalidated by ETag; it is served with CORS headers because module scripts are fetched in
CORS mode from the customer's site.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from dataclasses import dataclass
from urllib.parse import quote

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from messagecenter.web import csp
from messagecenter.widgets.models import Widget

SCRIPT_PATH = "webchat/messenger.js"
# Modules the messenger loads only when needed (a call rings), from /messenger/modules/<name>.
MODULES = {"call.js": "calls/js/messenger-call.js", "peer.js": "calls/js/peer.js"}

# Voice messages (R-FILE-2): recorder and player, imported by the messenger when it needs them.
VOICE_SCRIPT_PATH = "webchat/voice.js"
SCRIPT_MAX_AGE = 300  # seconds; then revalidated by ETag (the URL never changes)
DEMO_ACCOUNT_NAME = "Demo GmbH"  # messagecenter.demo.ACCOUNT_NAME (not imported: heavy module)


@dataclass(frozen=True)
class _Script:
    mtime: float
    body: bytes
    gzipped: bytes
    etag: str


_scripts: dict[str, _Script] = {}
_script_lock = threading.Lock()


def _load_script(static_path: str = SCRIPT_PATH) -> _Script:
    """The module's bytes, gzipped once; reloaded when the file changes (development)."""
    path = finders.find(static_path)
    if not path:
        raise Http404(f"{static_path} is missing")
    mtime = os.stat(path).st_mtime
    cached = _scripts.get(static_path)
    if cached is not None and cached.mtime == mtime:
        return cached
    with _script_lock:
        with open(path, "rb") as handle:
            body = handle.read()
        digest = hashlib.sha256(body).hexdigest()[:20]
        script = _Script(mtime, body, gzip.compress(body, 9, mtime=0), f'"{digest}"')
        _scripts[static_path] = script
        return script


@require_safe
def messenger_script(request: HttpRequest) -> HttpResponse:
    return _serve_script(request, _load_script())


@require_safe
def messenger_module(request: HttpRequest, name: str) -> HttpResponse:
    """A part of the messenger loaded on demand (the call window), served like the script."""
    if name not in MODULES:
        raise Http404("no such module")
    return _serve_script(request, _load_script(MODULES[name]))


@require_safe
def voice_script(request: HttpRequest) -> HttpResponse:
    """``/messenger-voice.js``: the messenger's voice messages, served like the messenger."""
    return _serve_script(request, _load_script(VOICE_SCRIPT_PATH))


def _serve_script(request: HttpRequest, script: _Script) -> HttpResponse:
    if script.etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
        response = HttpResponse(
            script.gzipped if accepts_gzip else script.body,
            content_type="text/javascript; charset=utf-8",
        )
        if accepts_gzip:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = script.etag
    response["Cache-Control"] = f"public, max-age={SCRIPT_MAX_AGE}, stale-while-revalidate=86400"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


# --- hosted pages ----------------------------------------------------------------------------


def hosted_chat(request: HttpRequest, widget_key: str) -> HttpResponse:
    """The messenger as a full page (linked from e-mails): the same module in page mode."""
    widget = Widget.objects.filter(key=widget_key).first()
    if widget is None:
        raise Http404("Unknown widget")
    # Embeddable only by the widget's allowed websites (none listed: only by this server).
    response = render(request, "webchat/chat.html", {"widget": widget})
    return csp.allow_framing_by(response, widget.allowed_origins)


DEMO_TEXT = {
    "en": {
        "note": "This is a demo shop. Play the customer: open the chat in the bottom right "
        "corner and write a message.",
        "answer": "Answer as an operator in the Message Center",
        "missing": "No demo widget was found. Open this page with ?widget=YOUR_WIDGET_KEY.",
        "tagline": "Beautiful things for everyday life",
        "nav": [
            ("all", "All"),
            ("living", "Living"),
            ("kitchen", "Kitchen"),
            ("outdoor", "Outdoor"),
        ],
        "hero_title": "Spring collection",
        "hero_text": "Handmade homeware from small workshops. Free shipping from €50, "
        "30-day returns.",
        "hero_cta": "Shop now",
        "add": "Add to cart",
        "cart": "Cart",
        "perks": ["Free shipping from €50", "30-day returns", "Support via live chat"],
        "footer": "Musterladen is a fictional shop for trying the Message Center messenger.",
    },
    "de": {
        "note": "Das ist ein Demo-Shop. Spielen Sie den Kunden: Öffnen Sie den Chat unten "
        "rechts und schreiben Sie eine Nachricht.",
        "answer": "Als Mitarbeiter im Message Center antworten",
        "missing": "Kein Demo-Widget gefunden. Öffnen Sie diese Seite mit ?widget=IHR_WIDGET_KEY.",
        "tagline": "Schöne Dinge für jeden Tag",
        "nav": [
            ("all", "Alle"),
            ("living", "Wohnen"),
            ("kitchen", "Küche"),
            ("outdoor", "Draußen"),
        ],
        "hero_title": "Frühjahrskollektion",
        "hero_text": "Handgemachte Wohnaccessoires aus kleinen Werkstätten. Versandkostenfrei "
        "ab 50 €, 30 Tage Rückgaberecht.",
        "hero_cta": "Jetzt entdecken",
        "add": "In den Warenkorb",
        "cart": "Warenkorb",
        "perks": ["Versandkostenfrei ab 50 €", "30 Tage Rückgabe", "Beratung per Live-Chat"],
        "footer": "Der Musterladen ist ein erfundener Shop zum Ausprobieren des "
        "Message-Center-Messengers.",
    },
}

# art, category, English name, German name, price in cents, background
PRODUCTS = [
    ("mug", "kitchen", "Ceramic mug “Dawn”", "Keramikbecher „Morgenrot“", 1490, "#fde7dc"),
    ("lamp", "living", "Desk lamp “Lumen”", "Schreibtischleuchte „Lumen“", 4900, "#fdf3d0"),
    ("plant", "living", "Plant pot “Sprout”", "Pflanztopf „Grünling“", 2450, "#dcf3e4"),
    ("backpack", "outdoor", "Linen backpack", "Leinenrucksack „Wanderlust“", 6900, "#e3e8f8"),
    ("teapot", "kitchen", "Teapot “Kyoto”", "Teekanne „Kyoto“", 3400, "#efe4f7"),
    ("bottle", "outdoor", "Steel bottle 0.75 l", "Trinkflasche 0,75 l", 2200, "#d9eff5"),
]


def _price(cents: int, language: str) -> str:
    euros, rest = divmod(cents, 100)
    return f"€{euros}.{rest:02d}" if language == "en" else f"{euros},{rest:02d} €"


def _demo_widget(request: HttpRequest) -> Widget | None:
    key = request.GET.get("widget")
    if key:
        widget = Widget.objects.filter(key=key).first()
        if widget is None:
            raise Http404("Unknown widget")
        return widget
    return (
        Widget.objects.filter(account__name=DEMO_ACCOUNT_NAME)
        .order_by("account__created_at", "created_at", "pk")
        .first()
    )


def demo(request: HttpRequest) -> HttpResponse:
    """A fictional shop embedding the messenger, so a new user can play the contact."""
    language = request.GET.get("lang")
    if language not in DEMO_TEXT:
        language = "de" if getattr(request, "LANGUAGE_CODE", "en") == "de" else "en"
    widget = _demo_widget(request)
    products = [
        {
            "art": art,
            "category": category,
            "name": name_en if language == "en" else name_de,
            "price": _price(cents, language),
            "background": background,
        }
        for art, category, name_en, name_de, cents, background in PRODUCTS
    ]
    context = {
        "widget": widget,
        "language": language,
        "other_language": "de" if language == "en" else "en",
        "text": DEMO_TEXT[language],
        "products": products,
        # Links of the page keep an explicitly chosen widget.
        "keep": f"&widget={quote(request.GET['widget'])}" if request.GET.get("widget") else "",
    }
    return render(request, "webchat/demo.html", context, status=200 if widget else 404)
