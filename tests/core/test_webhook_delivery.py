"""A signed POST to a receiver, classified for the delivery log (ok, transient, permanent)."""

from __future__ import annotations

import logging
import time

import pytest

from messagecenter.core.webhooks import new_secret, post_signed, verify

pytestmark = pytest.mark.usefixtures("loopback_only")

BODY = b'{"type":"message.created","data":{"text":"Hallo"}}'


@pytest.fixture
def receiver(http_server, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    http_server.base = f"http://127.0.0.1:{http_server.port}"
    return http_server


def test_an_accepted_delivery_is_signed_and_verifiable_by_the_receiver(receiver):
    secret = new_secret()
    receiver.routes["/hook"] = (204, {}, b"")
    result = post_signed(f"{receiver.base}/hook", secret, "evt_01", BODY, timeout=5)
    assert result.ok and result.status == 204 and not result.permanent
    assert result.error == "" and result.duration_ms >= 0
    method, _path, headers, body = receiver.hits[0]
    assert (method, body) == ("POST", BODY)
    assert headers["Content-Type"] == "application/json"
    assert headers["webhook-id"] == "evt_01"
    verify([secret], headers, body)  # what a Standard Webhooks receiver does


def test_the_response_excerpt_is_short(receiver):
    receiver.routes["/hook"] = (200, {}, b"thanks " * 2000)
    result = post_signed(f"{receiver.base}/hook", new_secret(), "evt_02", BODY)
    assert result.ok
    assert result.response_excerpt.startswith("thanks thanks")
    assert len(result.response_excerpt) == 500


@pytest.mark.parametrize(
    "status,permanent",
    [
        (500, False),
        (502, False),
        (503, False),
        (408, False),
        (429, False),
        (400, True),
        (401, True),
        (404, True),
        (410, True),
        (422, True),
    ],
)
def test_failures_are_transient_or_permanent_by_status(receiver, status, permanent):
    receiver.routes["/hook"] = (status, {}, b'{"error":"nope"}')
    result = post_signed(f"{receiver.base}/hook", new_secret(), "evt_03", BODY)
    assert not result.ok
    assert (result.status, result.permanent, result.error) == (status, permanent, f"HTTP {status}")
    assert result.response_excerpt == '{"error":"nope"}'


def test_retry_after_is_passed_on(receiver):
    receiver.routes["/hook"] = (429, {"Retry-After": "120"}, b"slow down")
    result = post_signed(f"{receiver.base}/hook", new_secret(), "evt_04", BODY)
    assert (result.permanent, result.retry_after) == (False, 120)


def test_a_blocked_address_is_permanent_and_nothing_is_sent(http_server, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    http_server.routes["/hook"] = (200, {}, b"")
    result = post_signed(f"http://127.0.0.1:{http_server.port}/hook", new_secret(), "e", BODY)
    assert (result.status, result.permanent) == (None, True)
    assert "loopback" in result.error
    assert http_server.hits == []


def test_a_redirect_to_an_internal_address_is_permanent(receiver, fake_dns, settings):
    fake_dns["hooks.example.com"] = ["127.0.0.1"]
    settings.OUTBOUND_ALLOWED_HOSTS = ["hooks.example.com"]
    receiver.routes["/hook"] = (307, {"Location": f"http://127.0.0.1:{receiver.port}/x"}, b"")
    result = post_signed(f"http://hooks.example.com:{receiver.port}/hook", new_secret(), "e", BODY)
    assert (result.status, result.permanent) == (None, True)
    assert receiver.paths() == ["/hook"]


def test_a_refused_connection_is_transient(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = post_signed(f"http://127.0.0.1:{port}/hook", new_secret(), "evt_05", BODY)
    assert (result.status, result.permanent, result.ok) == (None, False, False)
    assert "ConnectError" in result.error


def test_a_timeout_is_transient(receiver):
    def slow():
        time.sleep(1.0)
        return b"late"

    receiver.routes["/hook"] = (200, {}, slow)
    result = post_signed(f"{receiver.base}/hook", new_secret(), "evt_06", BODY, timeout=0.2)
    assert (result.status, result.permanent) == (None, False)
    assert "timed out" in result.error


def test_an_invalid_url_or_secret_is_permanent(receiver):
    for url, secret in (("ftp://example.com/", new_secret()), (f"{receiver.base}/h", "")):
        result = post_signed(url, secret, "evt_07", BODY)
        assert (result.ok, result.permanent) == (False, True)
    assert receiver.hits == []


def test_the_url_and_its_token_are_not_logged(receiver, caplog):
    receiver.routes["/hook?token=s3cr3t-in-url"] = (200, {}, b"")
    with caplog.at_level(logging.INFO):
        result = post_signed(f"{receiver.base}/hook?token=s3cr3t-in-url", new_secret(), "e", BODY)
    assert result.ok
    assert "s3cr3t-in-url" not in caplog.text
