"""A real add-on on 127.0.0.1: it verifies every request with the official
``standardwebhooks`` library (401 and counted in ``forged`` when it does not verify), keeps
what it received, and answers what the test scripted: content, actions, an error, broken
JSON, or nothing until the test lets it go (a timeout)."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import TestCase
from standardwebhooks.webhooks import Webhook

from messagecenter.addons import services
from messagecenter.conversations import services as conversations
from messagecenter.core.actors import Actor
from tests.archive.conftest import make  # noqa: F401  (conversations built as people build them)
from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: F401

JSON = {"HTTP_ACCEPT": "application/json"}


class AddonServer:
    def __init__(self) -> None:
        self.secret: str | None = None
        self.status = 200
        self.content_type = "text/html; charset=utf-8"
        self.body: bytes = b"<p>Hello from the add-on</p>"
        self.received: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.forged = 0
        self.hold: threading.Event | None = None
        # event -> (status, content type, body), for answers that depend on the conversation
        self.responder = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, content_type, body = outer.answer(headers, raw)
                if outer.hold is not None:
                    outer.hold.wait(10)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the Message Center gave up waiting (the timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/addon"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, headers: dict[str, str], raw: bytes) -> tuple[int, str, bytes]:
        try:
            event = Webhook(self.secret or "whsec_").verify(raw, headers)
        except Exception:
            self.forged += 1
            return 401, "text/plain", b"bad signature"
        self.received.append(event)
        self.headers.append(headers)
        if self.responder is not None:
            return self.responder(event)
        return self.status, self.content_type, self.body

    def answers_html(self, html: str) -> None:
        self.status, self.content_type, self.body = 200, "text/html; charset=utf-8", html.encode()

    def answers_json(self, data, status: int = 200) -> None:
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        self.status, self.content_type, self.body = status, "application/json", body

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def addon_server(settings):
    """The add-on, allow-listed for the SSRF guard (loopback is refused otherwise)."""
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    running = AddonServer()
    yield running
    running.stop()


def make_addon(account, admin, server, **kwargs):
    options = {"name": "Shop orders", "url": server.url} | kwargs
    made = services.create_addon(account, actor=Actor.for_operator(admin), **options)
    server.secret = made.secret
    return made.addon


@pytest.fixture
def addon(account, alice, addon_server):
    return make_addon(account, alice, addon_server, in_bulk=True)


@pytest.fixture
def conversation(widget, contact):
    with after_commit():
        return conversations.start_conversation(
            widget, contact, "Where is my order 4711?", actor=Actor.for_contact(contact)
        )


@contextmanager
def after_commit():
    """Run the block's on-commit work (the queued run, in immediate mode) before leaving."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    from django.utils import translation

    yield
    translation.deactivate()
