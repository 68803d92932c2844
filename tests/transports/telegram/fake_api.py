"""A fake Telegram Bot API on 127.0.0.1, written from the published Bot API documentation
(https://core.telegram.org/bots/api): real HTTP, the same URLs, answers and errors.

- ``POST /bot<token>/<method>`` with a JSON (or form) body; every answer is
  ``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": …, "description": …}``
  (``parameters.retry_after`` with 429). An unknown token is ``401 Unauthorized``.
- methods: ``getMe``, ``setWebhook`` (an HTTPS ``url``; ``secret_token`` of 1-256 characters
  ``A-Za-z0-9_-``), ``deleteWebhook``, ``sendMessage`` (text 1-4096 characters; a user who
  blocked the bot is ``403 Forbidden: bot was blocked by the user``), ``deleteMessage``
  (``400 Bad Request: message to delete not found``), ``getFile`` (``400 Bad Request: file
  is too big`` above the 20 MB bots may download).
- ``sendPhoto``, ``sendDocument``, ``sendVoice`` (multipart uploads).
- ``GET /file/bot<token>/<file_path>``: a file's bytes.

Tests script failures (``fail``) and read what the bots did (``sent``, ``deleted``,
``webhooks``).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

import pytest

DOWNLOAD_LIMIT = 20 * 1024 * 1024
SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
HTTPS_REQUIRED = "An HTTPS URL must be provided for webhook"
FILE_PATH = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


@dataclass
class Bot:
    id: int
    username: str
    first_name: str
    webhook: dict[str, Any] = field(default_factory=dict)


@dataclass
class StoredFile:
    file_id: str
    path: str
    content: bytes
    size: int


class FakeTelegram:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bots: dict[str, Bot] = {}
        self.files: dict[str, StoredFile] = {}
        self.sent: list[dict[str, Any]] = []  # every message a bot sent, with its message_id
        self.deleted: list[tuple[int, int]] = []  # (chat id, message id)
        self.blocked: set[int] = set()  # users who blocked the bots
        self.calls: list[tuple[str, dict[str, Any]]] = []  # (method, params), no tokens
        self.script: list[tuple[str, int, str, int | None]] = []
        self._ids: dict[int, int] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                outer._answer_method(self, body)

            def do_GET(self):
                outer._answer_get(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    # --- what tests set up -------------------------------------------------------------

    def add_bot(self, token: str, *, id: int = 7000001, username: str = "acme_support_bot",
                first_name: str = "Acme Support") -> Bot:  # fmt: skip
        bot = Bot(id, username, first_name)
        self.bots[token] = bot
        return bot

    def add_file(self, file_id: str, content: bytes, *, path: str = "", size: int | None = None):
        stored = StoredFile(file_id, path or f"documents/{file_id}.bin", content,
                            len(content) if size is None else size)  # fmt: skip
        self.files[file_id] = stored
        return stored

    def fail(self, method: str, status: int, description: str, *, retry_after: int | None = None,
             times: int = 1) -> None:  # fmt: skip
        """The next ``times`` calls of ``method`` answer this error."""
        self.script += [(method, status, description, retry_after)] * times

    def texts(self) -> list[str]:
        return [message["text"] for message in self.sent]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- the API -------------------------------------------------------------------------

    def _answer_method(self, handler, body: bytes) -> None:
        match = PATH.match(urlparse(handler.path).path)
        if match is None:
            return _send(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        bot = self.bots.get(match["token"])
        if bot is None:
            return _send(handler, 401, _error(401, "Unauthorized"))
        params = _params(handler.headers.get("content-type") or "", body)
        method = match["method"]
        with self.lock:
            self.calls.append((method, params))
            scripted = next((s for s in self.script if s[0] == method), None)
            if scripted is not None:
                self.script.remove(scripted)
        if scripted is not None:
            _m, status, description, retry_after = scripted
            answer = _error(status, description)
            if retry_after is not None:
                answer["parameters"] = {"retry_after": retry_after}
            return _send(handler, status, answer)
        work = getattr(self, f"_{method}", None)
        if work is None:
            return _send(handler, 404, _error(404, "Not Found: method not found"))
        status, answer = work(bot, params)
        _send(handler, status, answer)

    def _answer_get(self, handler) -> None:
        match = FILE_PATH.match(urlparse(handler.path).path)
        bot = self.bots.get(match["token"]) if match else None
        found = next((f for f in self.files.values() if match and f.path == match["path"]), None)
        if bot is None or found is None:
            return _send(handler, 404, _error(404, "Not Found"))
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(found.content)))
        handler.end_headers()
        handler.wfile.write(found.content)

    def _getMe(self, bot: Bot, params):
        user = {"id": bot.id, "is_bot": True, "first_name": bot.first_name}
        return 200, _ok(user | {"username": bot.username, "can_join_groups": True})

    def _setWebhook(self, bot: Bot, params):
        url = str(params.get("url") or "")
        if not url.startswith("https://"):
            return 400, _error(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not SECRET.match(str(secret)):
            return 400, _error(400, "Bad Request: secret token contains unallowed characters")
        bot.webhook = {"url": url, "secret_token": secret,
                       "allowed_updates": params.get("allowed_updates")}  # fmt: skip
        return 200, _ok(True, description="Webhook was set")

    def _deleteWebhook(self, bot: Bot, params):
        bot.webhook = {}
        return 200, _ok(True, description="Webhook was deleted")

    def _sendMessage(self, bot: Bot, params):
        text, chat_id = str(params.get("text") or ""), _int(params.get("chat_id"))
        if chat_id is None:
            return 400, _error(400, "Bad Request: chat not found")
        if not text.strip():
            return 400, _error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return 400, _error(400, "Bad Request: message is too long")
        if chat_id in self.blocked:
            return 403, _error(403, "Forbidden: bot was blocked by the user")
        with self.lock:
            message_id = self._ids[chat_id] = self._ids.get(chat_id, 100) + 1
            message = {"message_id": message_id, "chat_id": chat_id, "text": text}
            self.sent.append(message)
        return 200, _ok({"message_id": message_id, "date": int(time.time()), "text": text,
                         "from": {"id": bot.id, "is_bot": True, "first_name": bot.first_name,
                                  "username": bot.username},
                         "chat": {"id": chat_id, "type": "private"}})  # fmt: skip

    def _sendPhoto(self, bot: Bot, params):
        return self._send_media(bot, params, "photo")

    def _sendDocument(self, bot: Bot, params):
        return self._send_media(bot, params, "document")

    def _sendVoice(self, bot: Bot, params):
        """A voice note: "audio must be in an .OGG file encoded with OPUS, or in .MP3 format,
        or in .M4A format" (sent as a document otherwise); ``duration`` in seconds."""
        upload = params.get("voice")
        if isinstance(upload, dict) and upload["content"][:4] not in (b"OggS", b"ID3\x03"):
            return 400, _error(400, "Bad Request: VOICE_MESSAGES_FORBIDDEN")
        return self._send_media(bot, params, "voice")

    def _send_media(self, bot: Bot, params, field: str):
        chat_id, upload = _int(params.get("chat_id")), params.get(field)
        if chat_id is None:
            return 400, _error(400, "Bad Request: chat not found")
        if not isinstance(upload, dict) or not upload["content"]:
            return 400, _error(400, f"Bad Request: there is no {field} in the request")
        with self.lock:
            message_id = self._ids[chat_id] = self._ids.get(chat_id, 100) + 1
            message = {"message_id": message_id, "chat_id": chat_id, field: upload}
            self.sent.append(message)
        return 200, _ok({"message_id": message_id, "date": int(time.time()),
                         "chat": {"id": chat_id, "type": "private"}})  # fmt: skip

    def _deleteMessage(self, bot: Bot, params):
        chat_id, message_id = _int(params.get("chat_id")), _int(params.get("message_id"))
        known = any(m["chat_id"] == chat_id and m["message_id"] == message_id for m in self.sent)
        if not known or (chat_id, message_id) in self.deleted:
            return 400, _error(400, "Bad Request: message to delete not found")
        self.deleted.append((chat_id, message_id))
        return 200, _ok(True)

    def _getFile(self, bot: Bot, params):
        found = self.files.get(str(params.get("file_id") or ""))
        if found is None:
            return 400, _error(400, "Bad Request: invalid file_id")
        if found.size > DOWNLOAD_LIMIT:
            return 400, _error(400, "Bad Request: file is too big")
        return 200, _ok({"file_id": found.file_id, "file_unique_id": "u" + found.file_id,
                         "file_size": found.size, "file_path": found.path})  # fmt: skip


def _ok(result: Any, description: str = "") -> dict[str, Any]:
    answer: dict[str, Any] = {"ok": True, "result": result}
    if description:
        answer["description"] = description
    return answer


def _error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    if "json" in content_type:
        return json.loads(body or b"{}")
    if content_type.startswith("multipart/form-data"):
        return _multipart(content_type, body)
    return dict(parse_qsl(body.decode()))


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Fields as strings, files as ``{"filename", "content_type", "content"}`` (the Bot API
    takes files uploaded as multipart/form-data)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    params: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename:
            params[name] = {
                "filename": filename,
                "content_type": part.get_content_type(),
                "content": content,
            }
        else:
            params[name] = content.decode()
    return params


def _send(handler, status: int, answer: dict[str, Any]) -> None:
    data = json.dumps(answer).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


TOKEN = "7000001:AAF-fake_token_for_the_tests_0123456789"


@pytest.fixture
def telegram_api(settings):
    """The fake Bot API with one bot (``TOKEN``), and our settings pointing at it; the public
    URL is HTTPS, as Telegram requires for webhooks."""
    fake = FakeTelegram()
    fake.add_bot(TOKEN)
    settings.TELEGRAM_API_URL = fake.url
    settings.PUBLIC_URL = "https://mc.example.com"
    yield fake
    fake.stop()
