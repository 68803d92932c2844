"""A connected WhatsApp channel of the widget (against the fake Graph API) and a webhook
poster that signs the body and runs its job, as Meta and the worker would."""

from __future__ import annotations

import json

import pytest
from django.test import Client, TestCase

from messagecenter.core.actors import Actor
from messagecenter.transports.whatsapp import setup
from tests.transports.whatsapp.fake_api import (  # noqa: F401
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    WABA_ID,
    sign,
    whatsapp_api,
)


@pytest.fixture
def whatsapp(widget, alice, whatsapp_api):  # noqa: F811
    """Connected through the setup service: the number read, the app subscribed."""
    return setup.connect(
        widget,
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=WABA_ID,
        access_token=TOKEN,
        app_secret=APP_SECRET,
        actor=Actor.for_operator(alice),
    )


@pytest.fixture
def provider():
    return Client(enforce_csrf_checks=True)  # as Meta calls it: no cookie, no CSRF token


def post(client, connection, payload, *, signature: str | None = "good", raw: bytes | None = None):
    """Meta's POST of ``payload``; ``signature="good"``: signed with the app secret."""
    body = raw if raw is not None else json.dumps(payload).encode()
    if signature == "good":
        signature = sign(body)
    headers = {"X-Hub-Signature-256": signature} if signature is not None else {}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"/channels/whatsapp/{connection.public_id}/webhook",
            data=body,
            content_type="application/json",
            headers=headers,
        )


from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: E402, F401
from tests.realtime.conftest import asgi_server  # noqa: E402, F401
