"""API test clients for the personas, each holding a real token made by the token service.

``alice_api`` (admin, personal token, every scope), ``bob_api`` (teammate), ``charlie_api``
(outsider from Globex, admin there), ``bot_api`` (Acme's integration token) and
``reader_api`` (bob, read scope only).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from messagecenter.accounts import tokens
from tests.conftest import as_actor

BASE = "/api/v1"
ALL_SCOPES = sorted(tokens.SCOPES)


class ApiClient:
    """The Django test client with a bearer token and JSON bodies."""

    def __init__(self, secret: str | None):
        self.client = Client()
        self.secret = secret
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(BASE + path, params or {}, **self.headers)

    def post(self, path: str, body: dict | None = None, *, key: str | None = None):
        return self._send("post", path, body, key)

    def patch(self, path: str, body: dict | None = None):
        return self._send("patch", path, body, None)

    def delete(self, path: str):
        return self.client.delete(BASE + path, **self.headers)

    def upload(self, path: str, data: bytes, name: str, *, key: str | None = None):
        """A file as the request's body, its name in the query (the REST upload)."""
        headers = dict(self.headers)
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        url = f"{BASE}{path}?{urlencode({'name': name})}"
        return self.client.post(url, data, content_type="application/octet-stream", **headers)

    def _send(self, method: str, path: str, body, key: str | None):
        headers = dict(self.headers)
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        data = json.dumps(body) if body is not None else ""
        send = getattr(self.client, method)
        return send(BASE + path, data, content_type="application/json", **headers)


def personal(operator, scopes=ALL_SCOPES) -> ApiClient:
    return ApiClient(tokens.create_personal_token(operator, "tests", scopes).secret)


@pytest.fixture
def alice_api(alice):
    return personal(alice)


@pytest.fixture
def bob_api(bob):
    return personal(bob)


@pytest.fixture
def charlie_api(charlie):
    return personal(charlie)


@pytest.fixture
def reader_api(bob):
    return personal(bob, ["conversations:read"])


@pytest.fixture
def bot_token(account, alice):
    return tokens.create_integration_token(account, "Shop bot", ALL_SCOPES, actor=as_actor(alice))


@pytest.fixture
def bot_api(bot_token):
    return ApiClient(bot_token.secret)


def assert_problem(response, status: int, code: str) -> dict:
    """The response is an RFC 9457 problem with ``status`` and ``code``; returns its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    return body
