"""A connected Telegram channel of the widget (against the fake Bot API) and a webhook poster
that runs the update's job, as the worker would after the webhook's commit."""

from __future__ import annotations

import json

import pytest
from django.test import Client, TestCase

from messagecenter.core.actors import Actor
from messagecenter.transports.telegram import config, setup
from tests.transports.telegram.fake_api import TOKEN, telegram_api  # noqa: F401


@pytest.fixture
def telegram(widget, alice, telegram_api):  # noqa: F811
    """Connected through the setup service: getMe, then setWebhook with our secret."""
    return setup.connect(widget, TOKEN, actor=Actor.for_operator(alice))


@pytest.fixture
def provider():
    return Client(enforce_csrf_checks=True)  # as Telegram calls it: no cookie, no CSRF token


def post(client, connection, update, *, secret: str | None = "stored", raw: bytes | None = None):
    """Telegram's POST of ``update``; ``secret="stored"``: the header it was given."""
    if secret == "stored":
        secret = config.webhook_secret(connection)
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"/channels/telegram/{connection.public_id}/webhook",
            data=raw if raw is not None else json.dumps(update).encode(),
            content_type="application/json",
            headers=headers,
        )


from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: E402, F401
from tests.realtime.conftest import asgi_server  # noqa: E402, F401
