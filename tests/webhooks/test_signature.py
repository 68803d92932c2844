"""Webhook signatures: the Standard Webhooks test vectors (from
/work/shared/corpora/webhooks/standard-webhooks, copied to tests/core/data), checked against
our signer and the official ``standardwebhooks`` library, and a real delivery's headers
recomputed with that library."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from messagecenter.core import webhooks
from tests.helpers import start
from tests.webhooks.conftest import after_commit

VECTORS = Path(__file__).parents[1] / "core/data/standard-webhooks/test-vectors.json"
SIGN_CASES = [
    case
    for case in json.loads(VECTORS.read_text())["cases"]
    if case["kind"] == "sign" and "expected_signature" in case
]


@pytest.mark.parametrize("case", SIGN_CASES, ids=[c["name"] for c in SIGN_CASES])
def test_our_signer_and_the_official_library_agree_with_the_vectors(case):
    body = case["payload"].encode()
    ours = webhooks.sign(case["secret"], case["msg_id"], case["timestamp"], body)
    at = datetime.fromtimestamp(case["timestamp"], tz=UTC)
    official = Webhook(case["secret"]).sign(case["msg_id"], at, body)
    assert ours["webhook-signature"] == official == case["expected_signature"]


@pytest.mark.django_db
def test_a_real_delivery_carries_the_signature_the_library_computes(
    endpoint, receiver, widget, contact
):
    with after_commit():
        start(widget, contact)
    for headers, body, _status in receiver.requests:
        stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
        expected = Webhook(receiver.secret).sign(headers["webhook-id"], stamp, body)
        assert expected in headers["webhook-signature"].split(" ")
        assert json.loads(body)["id"] == headers["webhook-id"]
    assert receiver.requests and receiver.forged == 0
