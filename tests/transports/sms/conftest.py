"""A connected SMS channel of the widget (against the fake Twilio) and a webhook poster that
signs the way Twilio does and runs the event's job, as the worker would after the commit."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client, TestCase

from messagecenter.core.actors import Actor
from messagecenter.transports.sms import config, setup
from tests.transports.sms.fake_twilio import (  # noqa: F401
    ACCOUNT_SID,
    API_KEY_SECRET,
    API_KEY_SID,
    AUTH_TOKEN,
    NUMBER,
    SERVICE_SID,
    sign,
    twilio_api,
)

PUBLIC_URL = "https://support.acme.test"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.PUBLIC_URL = PUBLIC_URL


@pytest.fixture
def sms(widget, alice, twilio_api):  # noqa: F811
    """Connected through the setup service with a phone number and the auth token."""
    entered = setup.SmsSettings(ACCOUNT_SID, AUTH_TOKEN, phone_number=NUMBER)
    return setup.connect(widget, entered, actor=Actor.for_operator(alice))


@pytest.fixture
def service_sms(widget, alice, twilio_api):  # noqa: F811
    """Connected with a Messaging Service (a pool of numbers) and an API key for REST."""
    entered = setup.SmsSettings(ACCOUNT_SID, AUTH_TOKEN, messaging_service_sid=SERVICE_SID,
                                api_key_sid=API_KEY_SID, api_key_secret=API_KEY_SECRET)  # fmt: skip
    return setup.connect(widget, entered, actor=Actor.for_operator(alice))


@pytest.fixture
def provider():
    return Client(enforce_csrf_checks=True)  # as Twilio calls it: no cookie, no CSRF token


def path_of(connection, kind: str = "inbound") -> str:
    return f"/channels/sms/{connection.public_id}/{kind}"


def post(client, connection, params, *, kind: str = "inbound", signature: str | None = "valid",
         url: str | None = None, headers: dict | None = None):  # fmt: skip
    """Twilio's POST of ``params``; ``signature="valid"``: signed over the public URL with
    the auth token (``url``: signed over this one instead)."""
    path = path_of(connection, kind)
    if signature == "valid":
        signature = sign(AUTH_TOKEN, url or f"{settings.PUBLIC_URL}{path}", params)
    sent = dict(headers or {})
    if signature is not None:
        sent["X-Twilio-Signature"] = signature
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            path,
            data=urlencode(params),
            headers=sent,
            content_type="application/x-www-form-urlencoded",
        )


def status_url(connection) -> str:
    return config.status_url(connection)


from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: E402, F401
from tests.realtime.conftest import asgi_server  # noqa: E402, F401
