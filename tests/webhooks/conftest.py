"""A real webhook receiver on 127.0.0.1 that verifies every request with the official
``standardwebhooks`` library and keeps what it accepted by ``webhook-id`` (as a receiver
that dedupes does), an endpoint made by the service, and a helper that runs a write's
after-commit work (the outbox drain, the fan-out and the first attempts)."""

from __future__ import annotations

import json
import random
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import TestCase
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from messagecenter.core.actors import Actor
from messagecenter.webhooks import delivery, services
from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: F401
from tests.core.local_http import PUBLIC, fake_dns, loopback_only


class Receiver:
    """Answers each POST with the next scripted status or (status, headers), then 200, or
    with ``fail_rate`` of them failing at random (seeded). ``secret``: set once the endpoint
    exists; a request that does not verify is answered 401 and counted in ``forged``."""

    def __init__(self) -> None:
        self.script: list = []
        self.fail_rate = 0.0
        self.random = random.Random(1234)
        self.secret: str | None = None
        self.requests: list[tuple[dict[str, str], bytes, int]] = []
        self.by_id: dict[str, dict] = {}  # webhook-id -> the first accepted body
        self.duplicates = 0
        self.forged = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra = outer.answer(headers, body)
                answer = b'{"ok": true}' if status < 300 else b"receiver says no"
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/mc"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        with self.lock:
            try:
                Webhook(self.secret or "whsec_").verify(body, headers)
            except (WebhookVerificationError, Exception):
                self.forged += 1
                self.requests.append((headers, body, 401))
                return 401, {}
            extra: dict = {}
            if self.script:
                status = self.script.pop(0)
                if isinstance(status, tuple):
                    status, extra = status
            elif self.fail_rate and self.random.random() < self.fail_rate:
                status = 503
            else:
                status = 200
            self.requests.append((headers, body, status))
            if status < 300:
                msg_id = headers["webhook-id"]
                if msg_id in self.by_id:
                    self.duplicates += 1
                else:
                    self.by_id[msg_id] = json.loads(body)
            return status, extra

    def accepted_types(self, prefix: str = "") -> list[str]:
        return [e["type"] for e in self.by_id.values() if e["type"].startswith(prefix)]

    def accepted(self, prefix: str = "") -> list[dict]:
        return [e for e in self.by_id.values() if e["type"].startswith(prefix)]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver(settings):
    """The receiver, allow-listed for the SSRF guard (loopback is refused otherwise)."""
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    running = Receiver()
    yield running
    running.stop()


ALL_TYPES = [
    "conversation.started",
    "conversation.assigned",
    "conversation.status_changed",
    "conversation.ended",
    "conversation.rated",
    "call.offered",
    "call.accepted",
    "call.declined",
    "call.missed",
    "call.cancelled",
    "call.ended",
    "message.created",
    "message.deleted",
    "message.delivery_state",
    "contact.created",
    "contact.updated",
    "contact.erased",
]


def make_endpoint(account, admin, receiver, types=None, **kwargs):
    with after_commit():  # the "any endpoint?" flag is reset after commit
        made = services.create_endpoint(
            account, receiver.url, types or ALL_TYPES, actor=Actor.for_operator(admin), **kwargs
        )
    receiver.secret = made.secret
    return made.endpoint


@pytest.fixture
def endpoint(account, alice, receiver):
    return make_endpoint(account, alice, receiver)


@contextmanager
def after_commit():
    """Run the block's on-commit work (and the work that queues) before leaving it."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def run_due(clock=None) -> int:
    """What the every-minute sweep does; returns how many deliveries it queued."""
    with after_commit():
        return len(delivery.sweep())


__all__ = ["PUBLIC", "fake_dns", "loopback_only"]


@pytest.fixture
def fake_transport():
    from messagecenter.transports import registry
    from tests.transports.fakes import FakeTransport

    transport = registry.register(FakeTransport())
    yield transport
    registry.unregister(FakeTransport.kind)


@pytest.fixture(autouse=True)
def _default_language():
    """A page request activates its operator's language in this thread (the middleware):
    leave the default for the next test, whatever this one opened."""
    from django.utils import translation

    yield
    translation.deactivate()
