"""A real HTTP receiver on 127.0.0.1 for custom-channel deliveries: it answers each POST with
the next scripted status (then 200), and keeps every request it got and which it accepted."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    def __init__(self) -> None:
        self.script: list = []  # the next answers' statuses (or (status, headers)); then 200
        self.requests: list[tuple[dict[str, str], bytes, int]] = []  # headers, body, status
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with outer.lock:
                    step = outer.script.pop(0) if outer.script else 200
                status, extra = step if isinstance(step, tuple) else (step, {})
                with outer.lock:
                    outer.requests.append(
                        ({k.lower(): v for k, v in self.headers.items()}, body, status)
                    )
                answer = b'{"id": "rcv-%d"}' % len(outer.requests) if status == 200 else b"nope"
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def accepted(self) -> list[dict]:
        return [json.loads(body) for _headers, body, status in self.requests if status == 200]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def custom_receiver(settings):
    """The receiver, allow-listed for the SSRF guard (loopback is refused otherwise)."""
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    receiver = Receiver()
    yield receiver
    receiver.stop()
