"""A real HTTP(S) server on 127.0.0.1 for the outbound-client tests, a replaceable resolver,
and a guard that fails a test trying to open a socket anywhere but the loopback interface."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from messagecenter.core import ssrf

PUBLIC = "93.184.215.14"  # never connected to: the guard refuses it


@pytest.fixture
def loopback_only(monkeypatch):
    """Whatever the code under test does, no socket leaves this machine."""
    real = socket.create_connection
    opened: list[str] = []

    def guarded(address, *args, **kwargs):
        host = address[0]
        opened.append(host)
        if not ipaddress.ip_address(host).is_loopback:
            raise AssertionError(f"the test tried to connect to {host}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    return opened


class Names(dict):
    """host -> answers; a list of answer lists is served one per call (the last one repeats)."""

    def __init__(self):
        super().__init__()
        self.asked: list[str] = []

    def resolve(self, host, port):
        self.asked.append(host)
        answer = self[host]
        if answer and isinstance(answer[0], list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        return [ipaddress.ip_address(a) for a in answer]


@pytest.fixture
def fake_dns(monkeypatch):
    table = Names()
    monkeypatch.setattr(ssrf, "resolve", table.resolve)
    return table


@pytest.fixture
def http_server():
    running = Server()
    yield running
    running.stop()


class Server:
    """A real HTTP server on 127.0.0.1: ``routes[path] = (status, headers, body)``."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.routes: dict[str, tuple[int, dict, bytes]] = {}
        self.hits: list[tuple[str, str, dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.hits.append((self.command, self.path, dict(self.headers), body))
                status, headers, payload = outer.routes.get(self.path, (404, {}, b"no route"))
                if callable(payload):
                    payload = payload()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def paths(self) -> list[str]:
        return [path for _method, path, _headers, _body in self.hits]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
