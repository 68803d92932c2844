"""A custom channel of the widget, made by the setup service, and a signed POST helper."""

from __future__ import annotations

import json

import pytest

from messagecenter.core import clock, webhooks
from messagecenter.core.actors import Actor
from messagecenter.transports.custom import setup
from tests.core.local_http import PUBLIC, fake_dns, http_server, loopback_only  # noqa: F401

HOOK = "https://hooks.example.com/mc"
CAPS = {
    "max_text_length": 300,
    "media_types": ["image"],
    "max_file_bytes": 2 * 1024 * 1024,
    "can_delete": True,
    "delete_window_seconds": 3600,
    "identity_kinds": ["external", "email"],
}


@pytest.fixture
def public_dns(fake_dns):  # noqa: F811
    fake_dns["hooks.example.com"] = [PUBLIC]
    return fake_dns


@pytest.fixture
def created(widget, alice, public_dns):
    """(connection, the secrets shown once)."""
    return setup.create(
        widget,
        name="Shop app",
        icon="phone",
        webhook_url=HOOK,
        capabilities=CAPS,
        actor=Actor.for_operator(alice),
    )


@pytest.fixture
def custom(created):
    return created[0]


@pytest.fixture
def inbound_secret(created):
    return created[1].inbound


def message(n: int = 1, text: str = "Hallo", **extra) -> dict:
    body = {"id": f"app-msg-{n}", "contact": {"id": "user-7", "name": "Kim"}, "text": text}
    return body | extra


def signed_post(client, connection, secret, data, *, msg_id: str = "evt-1", raw=None):
    body = raw if raw is not None else json.dumps(data).encode()
    headers = webhooks.sign(secret, msg_id, clock.now(), body)
    return client.post(
        f"/api/v1/channels/{connection.public_id}/messages",
        data=body,
        content_type="application/json",
        headers=headers,
    )


from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: E402, F401
from tests.realtime.conftest import asgi_server  # noqa: E402, F401
from tests.transports.custom.receiver import custom_receiver  # noqa: E402, F401
