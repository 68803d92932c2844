"""TURN credentials in coturn's REST API scheme, and keeping addresses private."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime

import pytest

from messagecenter.calls import ice
from messagecenter.calls.sockets import clean_signal
from messagecenter.realtime.protocol import ProtocolError
from tests.calls.conftest import SECRET
from tests.calls.coturn import coturn, relay  # noqa: F401
from tests.calls.turn_client import allocate

HOST = "candidate:1 1 udp 2122260223 192.168.1.20 54400 typ host generation 0"
RELAY = "candidate:2 1 udp 41885439 127.0.0.1 50012 typ relay raddr 0.0.0.0 rport 0"


def test_credentials_follow_coturns_rest_scheme(clock):
    username, password = ice.turn_credentials("cl_abc-o")
    # username = "<expiry>:<id>", the expiry MC_TURN_CREDENTIAL_SECONDS from now (the clock
    # stands at 2026-03-02 09:00 UTC)
    expiry, name = username.split(":", 1)
    assert int(expiry) == int(datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp()) + 3600
    assert name == "cl_abc-o"
    # password = base64(HMAC-SHA1(static-auth-secret, username)), as coturn computes it
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), username.encode(), hashlib.sha1).digest()
    ).decode()
    assert password == expected


def test_coturn_accepts_the_credentials_and_refuses_expired_or_forged_ones(relay, settings):  # noqa: F811
    """GIVEN the private coturn with the same static-auth-secret WHEN a client allocates a
    relay with minted credentials THEN coturn grants it; an expired or forged one gets 401."""
    username, password = ice.turn_credentials("cl_live-o")
    assert allocate(relay.port, username, password) == 0
    expired = f"{int(time.time()) - 10}:cl_live-o"
    assert allocate(relay.port, expired, _password(relay.secret, expired)) == 401
    assert allocate(relay.port, username, "forged") == 401


def _password(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def test_the_expiry_moves_with_the_clock(clock, settings):
    settings.TURN_CREDENTIAL_SECONDS = 600
    first, _ = ice.turn_credentials("a")
    clock.shift(60)
    second, _ = ice.turn_credentials("a")
    assert int(second.split(":")[0]) - int(first.split(":")[0]) == 60


def test_relay_only_by_default():
    config = ice.config_for("cl_x-o")
    assert config["ice_transport_policy"] == "relay"
    [server] = config["ice_servers"]
    assert server["urls"] == ["turn:turn.example.com:3478?transport=udp"]
    assert server["username"].endswith(":cl_x-o") and server["credential"]


def test_direct_connections_only_when_allowed(settings):
    settings.CALLS_ALLOW_DIRECT = True
    settings.STUN_URLS = ["stun:stun.example.com:3478"]
    config = ice.config_for("cl_x-o")
    assert config["ice_transport_policy"] == "all"
    assert {"urls": ["stun:stun.example.com:3478"]} in config["ice_servers"]


def test_stun_is_not_offered_in_relay_only_mode(settings):
    settings.STUN_URLS = ["stun:stun.example.com:3478"]
    assert all("stun:" not in u for s in ice.config_for("x")["ice_servers"] for u in s["urls"])


def test_candidates_that_reveal_an_address_are_dropped_in_relay_only_mode():
    assert (
        clean_signal({"candidate": {"candidate": HOST, "sdpMid": "0", "sdpMLineIndex": 0}}) is None
    )
    passed = clean_signal({"candidate": {"candidate": RELAY, "sdpMid": "0", "sdpMLineIndex": 0}})
    assert passed == {"candidate": {"candidate": RELAY, "sdpMid": "0", "sdpMLineIndex": 0}}
    assert clean_signal({"candidate": None}) == {"candidate": None}


def test_candidate_lines_are_removed_from_descriptions():
    sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=" + HOST[0:] + "\r\na=" + RELAY + "\r\n"
    cleaned = clean_signal({"description": {"type": "offer", "sdp": sdp}})
    assert "192.168.1.20" not in cleaned["description"]["sdp"]
    assert "typ relay" in cleaned["description"]["sdp"]


def test_with_direct_connections_candidates_pass(settings):
    settings.CALLS_ALLOW_DIRECT = True
    assert clean_signal({"candidate": {"candidate": HOST, "sdpMid": "0", "sdpMLineIndex": 0}})


@pytest.mark.parametrize(
    "frame",
    [
        {},
        {"description": {"type": "rollback", "sdp": ""}},
        {"description": {"type": "offer", "sdp": "x" * 30_001}},
        {"candidate": {"candidate": 5}},
        {"media": {"camera": "yes"}},
    ],
)
def test_malformed_signals_are_refused(frame):
    with pytest.raises(ProtocolError):
        clean_signal(frame)


@pytest.mark.parametrize("name", ["call.js", "peer.js"])
def test_the_messengers_call_modules_are_served_for_any_site(client, name):
    response = client.get(f"/messenger/modules/{name}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Access-Control-Allow-Origin"] == "*"
    body = b"".join(response) if response.streaming else response.content
    assert b"export" in body


def test_other_module_names_are_not_found(client):
    assert client.get("/messenger/modules/settings.py").status_code == 404
    assert client.get("/messenger/modules/..%2Fmessenger.js").status_code == 404
