"""A fake Meta Graph API for the WhatsApp Cloud API on 127.0.0.1, written from Meta's published
Cloud API reference (developers.facebook.com/docs/whatsapp/cloud-api): real HTTP, the same
paths, answers and error objects.

- Every call carries ``Authorization: Bearer <access token>``; an unknown token answers
  ``401`` with ``{"error": {"code": 190, "type": "OAuthException", "message": "Invalid OAuth
  access token - Cannot parse access token", …}}``.
- ``GET /<version>/<phone number id>?fields=…``: the number (``display_phone_number``,
  ``verified_name``, ``quality_rating``, ``id``); an id the token cannot see is ``400`` with
  code 100, subcode 33 ("Unsupported get request. Object with ID … does not exist").
- ``POST/DELETE /<version>/<WABA id>/subscribed_apps``: our app subscribed to the business
  account's webhooks (``{"success": true}``).
- ``POST /<version>/<phone number id>/messages`` (JSON: ``messaging_product: "whatsapp"``,
  ``to`` a phone number or ``recipient`` a business-scoped user id, ``type: "text"``,
  ``text.body`` of 1-4096 characters): ``{"messaging_product", "contacts": [{"input",
  "wa_id" | "user_id"}], "messages": [{"id": "wamid.…"}]}``. A recipient outside the 24-hour
  window is code 131047 (re-engagement); scripted failures return any other code.
- ``POST /<version>/<phone number id>/media`` (multipart ``file``, ``type``,
  ``messaging_product``): ``{"id": "<media id>"}``; a message of ``type: "audio"`` names
  one by ``audio.id``, and with ``audio.voice`` (a voice note) it must be OGG/Opus.
- ``GET /<version>/<WABA id>/message_templates?fields=…&limit=N&after=<cursor>`` (Business
  Management API): ``{"data": [{"name", "language", "status", "category", "id",
  "parameter_format", "components": [HEADER, BODY, FOOTER, BUTTONS]}], "paging": {"cursors":
  {"before", "after"}, "next"?}}``, ``limit`` per page (``next`` only while more follow).
- A ``type: "template"`` message (``template.name``, ``template.language.code``,
  ``template.components[].parameters``) must name an APPROVED template of the number's
  business account in that language, with as many body/header parameters as its text has
  (code 132001 "Template name does not exist in the translation", 132000 "Number of
  parameters does not match the expected number of params", 132015 "Template is paused");
  a template is allowed outside the 24-hour window, free text is not.
- ``GET /<version>/<media id>``: ``{"messaging_product", "url", "mime_type", "sha256",
  "file_size", "id"}``; the ``url`` is downloaded with the same bearer token (``/download/…``).

Errors are Graph error objects: ``{"error": {"message": "(#<code>) <title>", "type",
"code", "error_subcode"?, "error_data": {"messaging_product": "whatsapp", "details"},
"fbtrace_id"}}`` with HTTP 400 (401 for a token, 5xx for Meta's own trouble).

Tests script failures (``fail``) and read what was sent (``sent``, ``subscribed``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

VERSION = "v21.0"
TOKEN = "EAAG-fake-whatsapp-access-token-for-the-tests-0123456789"
APP_SECRET = "0123456789abcdef0123456789abcdef"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
PATH = re.compile(r"^/(?P<version>v\d+\.\d+)/(?P<node>[^/]+)(?:/(?P<edge>[a-z_]+))?$")
DOWNLOAD = re.compile(r"^/download/(?P<media_id>[^/]+)$")
TITLES = {
    100: "Invalid parameter",
    131047: "Re-engagement message",
    130429: "Rate limit hit",
    131026: "Message undeliverable",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131000: "Something went wrong",
    190: "Invalid OAuth access token",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132015: "Template is Paused",
}
DETAILS = {
    131047: "Message failed to send because more than 24 hours have passed since the customer "
    "last replied to this number.",
    130429: "Cloud API message throughput has been reached.",
    131026: "Message Undeliverable.",
}


@dataclass
class Number:
    id: str
    display_phone_number: str
    verified_name: str
    waba_id: str


@dataclass
class Media:
    id: str
    content: bytes
    mime_type: str
    size: int


def error_object(code: int, message: str = "", *, details: str = "", subcode: int | None = None,
                 kind: str = "OAuthException") -> dict[str, Any]:  # fmt: skip
    title = message or TITLES.get(code, "Error")
    error: dict[str, Any] = {
        "message": f"(#{code}) {title}" if code != 190 else f"{title} - Cannot parse access token",
        "type": kind,
        "code": code,
        "error_data": {"messaging_product": "whatsapp",
                       "details": details or DETAILS.get(code, title)},
        "fbtrace_id": "AbCdEfGhIjKlMnOpQrStUv",
    }  # fmt: skip
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


class FakeGraph:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: dict[str, set[str]] = {}  # token -> phone number ids it may use
        self.numbers: dict[str, Number] = {}
        self.media: dict[str, Media] = {}
        self.sent: list[dict[str, Any]] = []  # every accepted message body, with its "id"
        self.subscribed: set[str] = set()  # WABA ids our app is subscribed to
        self.outside_window: set[str] = set()  # recipients whose 24-hour window is closed
        self.calls: list[tuple[str, str]] = []  # (method, path)
        self.authorizations: list[str] = []
        self.script: list[tuple[str, int, int, str]] = []  # (edge, http status, code, message)
        self.templates: dict[str, list[dict[str, Any]]] = {}  # WABA id -> Meta's objects
        self.uploads: list[dict[str, Any]] = []  # each accepted media upload's fields
        self._ids = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer._answer(self, "GET", b"")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                outer._answer(self, "POST", body)

            def do_DELETE(self):
                outer._answer(self, "DELETE", b"")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    # --- what tests set up -------------------------------------------------------------

    def add_number(self, token: str = TOKEN, *, id: str = PHONE_NUMBER_ID,
                   waba_id: str = WABA_ID, display: str = "+49 30 1234567",
                   name: str = "Acme Support") -> Number:  # fmt: skip
        number = Number(id, display, name, waba_id)
        self.numbers[id] = number
        self.tokens.setdefault(token, set()).add(id)
        return number

    def add_media(self, media_id: str, content: bytes, mime_type: str, *, size: int | None = None):
        self.media[media_id] = Media(media_id, content, mime_type,
                                     len(content) if size is None else size)  # fmt: skip

    def fail(self, edge: str, code: int, *, status: int = 400, message: str = "", times: int = 1):
        """The next ``times`` calls of ``edge`` ("messages", "media", "number", "download")
        answer this Graph error."""
        self.script += [(edge, status, code, message)] * times

    def add_template(self, name: str, body: str, *, language: str = "de",
                     category: str = "UTILITY", status: str = "APPROVED",
                     waba_id: str = WABA_ID, header: str = "", footer: str = "",
                     buttons: list[dict[str, Any]] | None = None,
                     named: bool = False,
                     header_format: str = "TEXT") -> dict[str, Any]:  # fmt: skip
        components: list[dict[str, Any]] = []
        if header or header_format != "TEXT":
            part: dict[str, Any] = {"type": "HEADER", "format": header_format}
            if header:
                part["text"] = header
            components.append(part)
        components.append({"type": "BODY", "text": body})
        if footer:
            components.append({"type": "FOOTER", "text": footer})
        if buttons:
            components.append({"type": "BUTTONS", "buttons": buttons})
        number = 700000 + len(self.templates.get(waba_id, []))
        template = {"name": name, "parameter_format": "NAMED" if named else "POSITIONAL",
                    "components": components, "language": language, "status": status,
                    "category": category, "id": str(number)}  # fmt: skip
        self.templates.setdefault(waba_id, []).append(template)
        return template

    def templates_sent(self) -> list[dict[str, Any]]:
        return [m["template"] for m in self.sent if m.get("type") == "template"]

    def texts(self) -> list[str]:
        return [m["text"]["body"] for m in self.sent if m.get("type") == "text"]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- the API -------------------------------------------------------------------------

    def _answer(self, handler, method: str, body: bytes) -> None:
        path = urlparse(handler.path).path
        auth = handler.headers.get("authorization") or ""
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        with self.lock:
            self.calls.append((method, path))
            self.authorizations.append(auth)
        if token not in self.tokens:
            return _send(handler, 401, error_object(190))
        download = DOWNLOAD.match(path)
        if download:
            return self._download(handler, download["media_id"])
        match = PATH.match(path)
        if match is None:
            return _send(
                handler, 404, error_object(100, "Unknown path", kind="GraphMethodException")
            )
        edge = match["edge"] or ("number" if match["node"] in self.numbers else "node")
        scripted = self._scripted(edge)
        if scripted is not None:
            _edge, status, code, message = scripted
            return _send(handler, status, error_object(code, message))
        node = match["node"]
        if edge == "messages" and method == "POST":
            return self._message(handler, token, node, body)
        if edge == "media" and method == "POST":
            return self._upload(handler, token, node, body)
        if edge == "message_templates" and method == "GET":
            return self._templates(handler, token, node)
        if edge == "subscribed_apps":
            return self._subscription(handler, token, node, method)
        if edge == "number" and method == "GET":
            return self._number(handler, token, node)
        if edge == "node" and method == "GET" and node in self.media:
            return self._media_url(handler, node)
        return _send(handler, 400, _unknown_object(node))

    def _scripted(self, edge: str):
        with self.lock:
            found = next((s for s in self.script if s[0] == edge), None)
            if found is not None:
                self.script.remove(found)
        return found

    def _number(self, handler, token: str, node: str) -> None:
        if node not in self.tokens[token]:
            return _send(handler, 400, _unknown_object(node))
        number = self.numbers[node]
        _send(handler, 200, {"verified_name": number.verified_name,
                             "display_phone_number": number.display_phone_number,
                             "quality_rating": "GREEN", "id": number.id})  # fmt: skip

    def _subscription(self, handler, token: str, waba: str, method: str) -> None:
        if not any(self.numbers[n].waba_id == waba for n in self.tokens[token]):
            return _send(handler, 400, _unknown_object(waba))
        if method == "POST":
            self.subscribed.add(waba)
        elif method == "DELETE":
            self.subscribed.discard(waba)
        else:
            data = [{"whatsapp_business_api_data": {"name": "Message Center"}}]
            return _send(handler, 200, {"data": data if waba in self.subscribed else []})
        _send(handler, 200, {"success": True})

    def _message(self, handler, token: str, node: str, body: bytes) -> None:
        if node not in self.tokens[token]:
            return _send(handler, 400, _unknown_object(node))
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return _send(handler, 400, error_object(100, details="The request body is not JSON."))
        if data.get("messaging_product") != "whatsapp":
            return _send(handler, 400, error_object(100, details="messaging_product is required"))
        to, recipient = str(data.get("to") or ""), str(data.get("recipient") or "")
        if not to and not recipient:
            return _send(handler, 400, error_object(100, details="The parameter to is required."))
        if data.get("type") == "text":
            text = str((data.get("text") or {}).get("body") or "")
            if not text.strip() or len(text) > 4096:
                details = "Param text['body'] must be between 1 and 4096 characters long."
                return _send(handler, 400, error_object(100, details=details))
        if data.get("type") == "template":
            refused = self._check_template(node, data.get("template"))
            if refused is not None:
                return _send(handler, 400, refused)
        elif data.get("type") == "audio":
            audio = data.get("audio") or {}
            media = self.media.get(str(audio.get("id") or ""))
            if media is None:
                return _send(handler, 400, error_object(100, details="Invalid media id."))
            if audio.get("voice") and media.content[:4] != b"OggS":
                # Voice notes are OGG files with the Opus codec (Meta's audio messages guide).
                return _send(handler, 400, error_object(131053, "Media upload error"))
        if data.get("type") != "template" and (to or recipient) in self.outside_window:
            return _send(handler, 400, error_object(131047))
        with self.lock:
            self._ids += 1
            wamid = f"wamid.FAKE{self._ids:06d}"
            self.sent.append(data | {"id": wamid})
        contact = {"input": to or recipient} | (
            {"wa_id": to.lstrip("+")} if to else {"user_id": recipient}
        )
        _send(handler, 200, {"messaging_product": "whatsapp", "contacts": [contact],
                             "messages": [{"id": wamid}]})  # fmt: skip

    def _templates(self, handler, token: str, waba: str) -> None:
        if not any(self.numbers[n].waba_id == waba for n in self.tokens[token]):
            return _send(handler, 400, _unknown_object(waba))
        query = parse_qs(urlparse(handler.path).query)
        limit = int((query.get("limit") or ["25"])[0])
        start = int((query.get("after") or ["0"])[0] or 0)
        every = self.templates.get(waba, [])
        page = every[start : start + limit]
        paging: dict[str, Any] = {
            "cursors": {"before": str(start), "after": str(start + len(page))}
        }
        if start + len(page) < len(every):
            paging["next"] = (
                f"{self.url}/{VERSION}/{waba}/message_templates?after={start + len(page)}"
            )
        _send(handler, 200, {"data": page, "paging": paging})

    def _check_template(self, node: str, sent: Any) -> dict[str, Any] | None:
        waba = self.numbers[node].waba_id
        sent = sent if isinstance(sent, dict) else {}
        code = str((sent.get("language") or {}).get("code") or "")
        found = next((t for t in self.templates.get(waba, [])
                      if t["name"] == sent.get("name") and t["language"] == code),
                     None)  # fmt: skip
        if found is None or found["status"] in ("DELETED", "REJECTED", "PENDING"):
            return error_object(132001, details=f"template name ({sent.get('name')}) does not "
                                f"exist in {code}")  # fmt: skip
        if found["status"] != "APPROVED":
            return error_object(132015)
        for part in found["components"]:
            kind = part["type"].lower()
            if kind not in ("header", "body"):
                continue
            expected = len(set(re.findall(r"\{\{\s*(\w+)\s*\}\}", part.get("text") or "")))
            given = next((c for c in sent.get("components") or [] if c.get("type") == kind), {})
            parameters = given.get("parameters") or []
            if len(parameters) != expected or any(not p.get("text") for p in parameters):
                return error_object(132000, details=f"{kind}: expected number of params "
                                    f"({expected}) does not match the received number of "
                                    f"params ({len(parameters)})")  # fmt: skip
        return None

    def _upload(self, handler, token: str, node: str, body: bytes) -> None:
        if node not in self.tokens[token]:
            return _send(handler, 400, _unknown_object(node))
        content_type = handler.headers.get("content-type") or ""
        if "multipart/form-data" not in content_type or b'name="file"' not in body:
            return _send(handler, 400, error_object(100, details="The parameter file is required."))
        fields = _multipart(content_type, body)
        upload = fields.get("file")
        if fields.get("messaging_product") != "whatsapp" or not isinstance(upload, dict):
            return _send(handler, 400, error_object(100, details="The parameter file is required."))
        mime = str(fields.get("type") or upload["content_type"])
        with self.lock:
            self._ids += 1
            media_id = f"{900000 + self._ids}"
            self.media[media_id] = Media(media_id, upload["content"], mime, len(upload["content"]))
            self.uploads.append({"id": media_id} | {k: v for k, v in fields.items()
                                                    if k != "file"})  # fmt: skip
        _send(handler, 200, {"id": media_id})

    def _media_url(self, handler, media_id: str) -> None:
        media = self.media[media_id]
        _send(handler, 200, {"messaging_product": "whatsapp",
                             "url": f"{self.url}/download/{media_id}",
                             "mime_type": media.mime_type,
                             "sha256": hashlib.sha256(media.content).hexdigest(),
                             "file_size": media.size, "id": media_id})  # fmt: skip

    def _download(self, handler, media_id: str) -> None:
        scripted = self._scripted("download")
        if scripted is not None:
            return _send(handler, scripted[1], error_object(scripted[2], scripted[3]))
        media = self.media.get(media_id)
        if media is None:
            return _send(handler, 404, _unknown_object(media_id))
        handler.send_response(200)
        handler.send_header("Content-Type", media.mime_type)
        handler.send_header("Content-Length", str(len(media.content)))
        handler.end_headers()
        handler.wfile.write(media.content)


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Fields as strings, files as ``{"filename", "content_type", "content"}``."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True) or b""
        if part.get_filename():
            fields[name] = {
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "content": content,
            }
        else:
            fields[name] = content.decode()
    return fields


def _unknown_object(node: str) -> dict[str, Any]:
    return error_object(
        100,
        f"Unsupported get request. Object with ID '{node}' does not exist, cannot be loaded due "
        "to missing permissions, or does not support this operation",
        subcode=33,
        kind="GraphMethodException",
    )


def _send(handler, status: int, answer: dict[str, Any]) -> None:
    data = json.dumps(answer).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    """``X-Hub-Signature-256`` as Meta sends it: ``sha256=`` + HMAC-SHA256 of the raw body with
    the app secret, in hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def whatsapp_api(settings):
    """The fake Graph API with one phone number (``PHONE_NUMBER_ID`` of ``WABA_ID``) that
    ``TOKEN`` may use, and our settings pointing at it."""
    fake = FakeGraph()
    fake.add_number()
    settings.WHATSAPP_API_URL = fake.url
    settings.PUBLIC_URL = "https://mc.example.com"
    yield fake
    fake.stop()
