"""Fake DeepL and LibreTranslate servers on 127.0.0.1, written from the published APIs.

DeepL API v2 (https://developers.deepl.com/docs, the OpenAPI spec): ``Authorization:
DeepL-Auth-Key <key>`` (403 otherwise); ``POST /v2/translate`` (JSON ``text`` list,
``target_lang``, optional ``source_lang``, ``formality``, ``glossary_id`` — which needs
``source_lang`` —, ``tag_handling``, ``ignore_tags``) answers ``{"translations": [{
"detected_source_language", "text", "billed_characters"}]}``; ``GET /v2/usage`` answers
``{"character_count", "character_limit"}``; ``GET /v2/languages?type=target``; ``POST
/v2/glossaries`` (``entries`` as TSV) answers 201 with the glossary, ``DELETE
/v2/glossaries/{id}`` 204. Errors: 429 too many requests, 456 quota exceeded, 5xx.

LibreTranslate (https://docs.libretranslate.com): ``POST /translate`` (JSON ``q``, ``source``
— ``auto`` detects —, ``target``, ``format`` ``text``/``html``, ``api_key``) answers
``{"translatedText"}`` plus ``detectedLanguage`` for ``auto``; ``POST /detect`` answers
``[{"confidence", "language"}]``; ``GET /languages`` answers ``[{"code", "name",
"targets"}]``; errors are ``{"error": …}`` with 400, 403 (API key), 429, 500.

The "engine" is a small dictionary, so tests know what comes back: known words are replaced
and the text is prefixed with ``[DE]``; tags (``<x i="0"/>``) pass untouched, as the real
services keep markup. Tests script failures (``fail``) and read what was asked (``requests``).
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

import pytest

WORDS = {
    "de": {
        "hello": "hallo",
        "order": "Bestellung",
        "thanks": "danke",
        "your": "Ihre",
        "is": "ist",
        "shipped": "versandt",
        "help": "helfen",
        "how": "wie",
        "can": "kann",
        "i": "ich",
        "you": "Ihnen",
    },
    "en": {
        "hallo": "hello",
        "bestellung": "order",
        "meine": "my",
        "ist": "is",
        "wo": "where",
        "danke": "thanks",
        "bonjour": "hello",
        "commande": "order",
        "ma": "my",
        "où": "where",
        "est": "is",
    },
    "fr": {
        "hello": "bonjour",
        "order": "commande",
        "your": "votre",
        "is": "est",
        "shipped": "expédiée",
        "thanks": "merci",
    },
}
GERMAN = {"hallo", "meine", "bestellung", "ist", "wo", "ich", "und", "bitte", "danke"}
FRENCH = {"bonjour", "commande", "ma", "où", "est", "merci", "je"}
TAG = re.compile(r"(<[^>]+>)")
WORD = re.compile(r"[^\W\d_]+")


def detect(text: str) -> str:
    words = {w.lower() for w in WORD.findall(TAG.sub(" ", text))}
    if words & FRENCH:
        return "fr"
    if words & GERMAN:
        return "de"
    return "en"


def translate(text: str, target: str, glossary: dict[str, str] | None = None) -> str:
    words = WORDS.get(target, {})

    def word(match: re.Match) -> str:
        found = match.group(0)
        if glossary and found in glossary:
            return glossary[found]
        return words.get(found.lower(), found)

    parts = [part if TAG.fullmatch(part) else WORD.sub(word, part) for part in TAG.split(text)]
    return f"[{target.upper()}] " + "".join(parts)


class _Server:
    """One fake on its own port; ``fail(path, status, times)`` scripts errors."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, Any]] = []
        self.failures: dict[str, list[int]] = {}
        self.delay = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer._handle(self, "GET")

            def do_POST(self):
                outer._handle(self, "POST")

            def do_DELETE(self):
                outer._handle(self, "DELETE")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def fail(self, path: str, status: int, times: int = 1) -> None:
        with self.lock:
            self.failures.setdefault(path, []).extend([status] * times)

    def calls(self, path: str) -> list[Any]:
        return [body for _m, p, body in self.requests if p == path]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handle(self, handler, method: str) -> None:
        url = urlparse(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = _body(handler.headers.get("Content-Type", ""), raw, url.query)
        with self.lock:
            self.requests.append((method, url.path, body))
            scripted = self.failures.get(url.path) or []
            status = scripted.pop(0) if scripted else None
        if self.delay:
            time.sleep(self.delay)
        if status is not None:
            return _send(
                handler, status, {"message" if self.deepl else "error": f"scripted {status}"}
            )
        status, answer = self.answer(handler, method, url.path, body)
        _send(handler, status, answer)


class FakeDeepL(_Server):
    deepl = True

    def __init__(self, key: str, *, limit: int = 500_000) -> None:
        super().__init__()
        self.key = key
        self.limit = limit
        self.count = 0
        self.glossaries: dict[str, dict[str, Any]] = {}
        self.made = 0

    def answer(self, handler, method, path, body):
        if handler.headers.get("Authorization") != f"DeepL-Auth-Key {self.key}":
            return 403, {"message": "Wrong endpoint. Use https://api.deepl.com"}
        if path == "/v2/translate" and method == "POST":
            return self._translate(body)
        if path == "/v2/usage":
            return 200, {"character_count": self.count, "character_limit": self.limit}
        if path == "/v2/languages":
            return 200, [
                {"language": "DE", "name": "German", "supports_formality": True},
                {"language": "EN-GB", "name": "English (British)", "supports_formality": False},
                {"language": "FR", "name": "French", "supports_formality": True},
            ]
        if path == "/v2/glossaries" and method == "POST":
            return self._glossary(body)
        if path.startswith("/v2/glossaries/") and method == "DELETE":
            found = self.glossaries.pop(path.rsplit("/", 1)[1], None)
            return (204, None) if found else (404, {"message": "Glossary not found"})
        return 404, {"message": "Not found"}

    def _translate(self, body):
        texts = body.get("text") or []
        target = str(body.get("target_lang", "")).split("-")[0].lower()
        if not texts or not target:
            return 400, {"message": "Value for 'target_lang' not supported."}
        glossary = None
        if body.get("glossary_id"):
            if not body.get("source_lang"):
                return 400, {"message": "Use of a glossary requires the source_lang parameter"}
            glossary = self.glossaries.get(body["glossary_id"], {}).get("entries")
            if glossary is None:
                return 404, {"message": "Glossary not found"}
        characters = sum(len(t) for t in texts)
        if self.count + characters > self.limit:
            return 456, {"message": "Quota Exceeded"}
        self.count += characters
        return 200, {
            "translations": [
                {
                    "detected_source_language": (body.get("source_lang") or detect(t)).upper(),
                    "text": translate(t, target, glossary),
                    "billed_characters": len(t),
                }
                for t in texts
            ]
        }

    def _glossary(self, body):
        entries = dict(
            line.split("\t", 1)
            for line in str(body.get("entries", "")).splitlines()
            if "\t" in line
        )
        self.made += 1
        glossary_id = f"def3a26b-3e84-45b3-84ae-0c0aaf3525{self.made:02d}"
        self.glossaries[glossary_id] = {**body, "entries": entries}
        return 201, {
            "glossary_id": glossary_id,
            "name": body.get("name"),
            "ready": True,
            "source_lang": str(body.get("source_lang", "")).lower(),
            "target_lang": str(body.get("target_lang", "")).lower(),
            "creation_time": "2026-12-04T19:00:00.000000Z",
            "entry_count": len(entries),
        }


class FakeLibreTranslate(_Server):
    deepl = False

    def __init__(self, api_key: str = "") -> None:
        super().__init__()
        self.api_key = api_key

    def answer(self, handler, method, path, body):
        if path == "/languages" and method == "GET":
            return 200, [
                {"code": code, "name": name, "targets": ["de", "en", "fr"]}
                for code, name in (("de", "German"), ("en", "English"), ("fr", "French"))
            ]
        if self.api_key and body.get("api_key") != self.api_key:
            return 403, {"error": "Invalid API key"}
        if path == "/translate" and method == "POST":
            return self._translate(body)
        if path == "/detect" and method == "POST":
            return 200, [{"confidence": 90.0, "language": detect(str(body.get("q", "")))}]
        return 404, {"error": "Not found"}

    def _translate(self, body):
        text, target, source = body.get("q"), body.get("target"), body.get("source", "auto")
        if not text:
            return 400, {"error": "Invalid request: missing q parameter"}
        if target not in ("de", "en", "fr"):
            return 400, {"error": f"{target} is not supported"}
        answer: dict[str, Any] = {"translatedText": translate(text, target)}
        if source == "auto":
            answer["detectedLanguage"] = {"confidence": 90, "language": detect(text)}
        return 200, answer


def _body(content_type: str, raw: bytes, query: str) -> dict[str, Any]:
    if "json" in content_type and raw:
        return json.loads(raw)
    if raw:
        return dict(parse_qsl(raw.decode()))
    return dict(parse_qsl(query))


def _send(handler, status: int, answer: Any) -> None:
    data = b"" if answer is None else json.dumps(answer).encode()
    handler.send_response(status)
    if data:
        handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


DEEPL_KEY = "0b5ffc2e-7a9d-4d41-9f6c-2f8b1e3a4c5d:fx"


@pytest.fixture
def deepl_api(settings):
    fake = FakeDeepL(DEEPL_KEY)
    settings.DEEPL_API_URL = fake.url
    settings.TRANSLATION_TIMEOUT_SECONDS = 2
    yield fake
    fake.stop()


@pytest.fixture
def libre_api(settings):
    fake = FakeLibreTranslate(api_key="libre-key")
    settings.TRANSLATION_TIMEOUT_SECONDS = 2
    yield fake
    fake.stop()
