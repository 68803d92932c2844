"""Standard Webhooks signing and verification against the published test vectors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from messagecenter.core import webhooks
from messagecenter.core.webhooks import SignatureError, new_secret, sign, verify

# A copy of ../shared/corpora/webhooks/standard-webhooks/ (upstream licences beside it), so
# the suite does not depend on where the corpora folder is laid.
VECTORS = Path(__file__).parent / "data/standard-webhooks/test-vectors.json"
CASES = json.loads(VECTORS.read_text())["cases"]


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_the_corpus_has_all_33_cases():
    assert len(CASES) == 33


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case):
    body = case["payload"].encode()
    if case["kind"] == "sign":
        if "expected_error" in case:
            with pytest.raises(SignatureError) as caught:
                sign(case["secret"], case["msg_id"], case["timestamp"], body)
            assert caught.value.reason == case["expected_error"]
        else:
            headers = sign(case["secret"], case["msg_id"], case["timestamp"], body)
            assert headers == {
                "webhook-id": case["msg_id"],
                "webhook-timestamp": str(case["timestamp"]),
                "webhook-signature": case["expected_signature"],
            }
            verify([case["secret"]], headers, body, now=at(case["timestamp"]))
    elif case["kind"] == "construct":
        with pytest.raises(SignatureError) as caught:
            sign(case["secret"], case["msg_id"], case["timestamp"], body)
        assert caught.value.reason == case["expected_error"]
        with pytest.raises(SignatureError) as caught:
            verify([case["secret"]], {}, body, now=at(case["timestamp"]))
        assert caught.value.reason == case["expected_error"]
    else:
        now = at(case["now"])
        if "expected_error" in case:
            with pytest.raises(SignatureError) as caught:
                verify([case["secret"]], case["headers"], body, now=now)
            assert caught.value.reason == case["expected_error"]
        else:
            verify([case["secret"]], case["headers"], body, now=now)
            # and our signer produces the very signature the vector expects
            stamp = int(case["headers"].get("webhook-timestamp") or case["timestamp"])
            signed = sign(case["secret"], case["msg_id"], stamp, body)
            assert signed["webhook-signature"] == case["expected_signature"]


def test_without_a_secret_nothing_verifies():
    secret = new_secret()
    headers = sign(secret, "msg_1", 1_700_000_000, b"{}")
    for nothing in ([], (), "", secret):  # a bare string is not a list of secrets
        with pytest.raises(SignatureError) as caught:
            verify(nothing, headers, b"{}", now=at(1_700_000_000))
        assert caught.value.reason == "no_secret"


def test_a_replay_outside_the_tolerance_is_refused_with_our_clock(clock):
    secret = new_secret()
    body = b'{"type":"message.created"}'
    headers = sign(secret, "msg_replayed", datetime.now(UTC), body)
    verify([secret], headers, body)  # fresh: accepted with the default (controllable) clock
    clock.shift(300)
    verify([secret], headers, body)  # exactly at the edge: still accepted
    clock.shift(1)
    with pytest.raises(SignatureError) as caught:
        verify([secret], headers, body)
    assert caught.value.reason == "timestamp_too_old"


def test_a_timestamp_from_the_future_is_refused(clock):
    secret = new_secret()
    headers = sign(secret, "msg_future", int(datetime.now(UTC).timestamp()) + 301, b"x")
    with pytest.raises(SignatureError) as caught:
        verify([secret], headers, b"x")
    assert caught.value.reason == "timestamp_too_new"


def test_rotation_receiver_with_two_secrets_accepts_either_sender():
    old, new = new_secret(), new_secret()
    now = at(1_700_000_000)
    for sender_secret in (old, new):
        headers = sign(sender_secret, "msg_rot", now, b"body")
        verify([old, new], headers, b"body", now=now)
    with pytest.raises(SignatureError) as caught:
        verify([new_secret()], sign(old, "msg_rot", now, b"body"), b"body", now=now)
    assert caught.value.reason == "invalid_signature"


def test_rotation_sender_signs_with_both_secrets():
    old, new = new_secret(), new_secret()
    now = at(1_700_000_000)
    headers = sign([old, new], "msg_rot", now, b"body")
    assert len(headers["webhook-signature"].split(" ")) == 2
    verify([old], headers, b"body", now=now)  # a receiver not yet rotated
    verify([new], headers, b"body", now=now)  # and one already rotated


def test_the_raw_bytes_are_signed_not_text():
    secret = new_secret()
    body = b"\xff\xfe not utf-8 \x00"
    now = at(1_700_000_000)
    headers = sign(secret, "msg_bin", now, body)
    verify([secret], headers, body, now=now)
    with pytest.raises(SignatureError):
        verify([secret], headers, body + b" ", now=now)


def test_other_id_or_timestamp_breaks_the_signature():
    secret = new_secret()
    now = at(1_700_000_000)
    headers = sign(secret, "msg_a", now, b"{}")
    for changed in ({"webhook-id": "msg_b"}, {"webhook-timestamp": "1700000001"}):
        with pytest.raises(SignatureError) as caught:
            verify([secret], {**headers, **changed}, b"{}", now=now)
        assert caught.value.reason == "invalid_signature"


@pytest.mark.parametrize("stamp", ["+1700000000", " 1700000000", "1_700_000_000", "1.7e9", "-5"])
def test_odd_timestamp_forms_are_invalid(stamp):
    secret = new_secret()
    headers = {**sign(secret, "m", 1_700_000_000, b""), "webhook-timestamp": stamp}
    with pytest.raises(SignatureError) as caught:
        verify([secret], headers, b"", now=at(1_700_000_000))
    assert caught.value.reason == "invalid_timestamp"


def test_a_secret_that_is_not_base64_is_refused():
    with pytest.raises(SignatureError) as caught:
        sign("whsec_not*base64!", "m", 1, b"")
    assert caught.value.reason == "invalid_secret"


def test_new_secrets_are_random_and_usable():
    first, second = new_secret(), new_secret()
    assert first != second
    assert first.startswith("whsec_")
    assert len(webhooks._key(first)) == webhooks.SECRET_BYTES


def test_more_signatures_than_the_limit_are_not_all_tried():
    secret = new_secret()
    now = at(1_700_000_000)
    good = sign(secret, "m", now, b"")["webhook-signature"]
    padding = " ".join(["v1,AAAA"] * webhooks.MAX_SIGNATURES)
    with pytest.raises(SignatureError):
        verify(
            [secret],
            sign(secret, "m", now, b"") | {"webhook-signature": f"{padding} {good}"},
            b"",
            now=now,
        )
