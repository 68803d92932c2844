"""A custom channel's inbound POST: verified over the raw bytes (Standard Webhooks vectors
included), idempotent on the sender's message id, validated with clear problems, and refused
with the capability's code when the channel cannot carry it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from messagecenter.contacts.models import ContactIdentity
from messagecenter.conversations.models import Conversation, Message
from messagecenter.core import webhooks
from messagecenter.core.actors import Actor
from messagecenter.transports.custom import setup
from tests.transports.custom.conftest import message, signed_post

pytestmark = pytest.mark.django_db

VECTORS = Path(__file__).parents[2] / "core/data/standard-webhooks/test-vectors.json"
VERIFY_CASES = [c for c in json.loads(VECTORS.read_text())["cases"] if c["kind"] == "verify"]


@pytest.fixture
def api():
    return Client()


def test_a_signed_message_starts_a_conversation_with_a_new_contact(api, custom, inbound_secret):
    response = signed_post(api, custom, inbound_secret, message(text="Wo ist mein Paket?"))

    assert response.status_code == 200, response.content
    answer = response.json()
    conversation = Conversation.objects.get(public_id=answer["conversation"])
    assert (answer["seq"], answer["duplicate"]) == (1, False)
    assert conversation.connection_id == custom.pk
    assert conversation.contact.name == "Kim"
    assert conversation.messages.get().body == "Wo ist mein Paket?"
    identity = ContactIdentity.objects.get(contact=conversation.contact)
    assert (identity.kind, identity.value) == ("external", "user-7")


def test_a_replayed_message_is_stored_once_and_answered_with_the_same_ids(
    api, custom, inbound_secret
):
    first = signed_post(api, custom, inbound_secret, message(1), msg_id="evt-1").json()

    again = signed_post(api, custom, inbound_secret, message(1), msg_id="evt-1")

    assert again.status_code == 200
    assert again.json() | {"duplicate": False} == first
    assert again.json()["duplicate"] is True
    assert Message.objects.filter(connection=custom).count() == 1


def test_the_next_message_continues_the_contacts_conversation(api, custom, inbound_secret):
    first = signed_post(api, custom, inbound_secret, message(1)).json()

    second = signed_post(api, custom, inbound_secret, message(2, "Noch was")).json()

    assert second["conversation"] == first["conversation"] and second["seq"] > first["seq"]


def test_a_thread_keeps_its_own_conversation(api, custom, inbound_secret):
    a = signed_post(api, custom, inbound_secret, message(1, thread="order-1")).json()
    b = signed_post(api, custom, inbound_secret, message(2, thread="order-2")).json()
    c = signed_post(api, custom, inbound_secret, message(3, thread="order-1")).json()

    assert a["conversation"] != b["conversation"]
    assert c["conversation"] == a["conversation"]


def test_an_unsigned_or_tampered_request_is_refused_without_a_message(api, custom, inbound_secret):
    body = json.dumps(message()).encode()
    unsigned = api.post(
        f"/api/v1/channels/{custom.public_id}/messages", data=body, content_type="application/json"
    )
    good = signed_post(api, custom, inbound_secret, None, raw=body)
    assert good.status_code == 200
    tampered = signed_post(api, custom, "whsec_" + "A" * 43, None, raw=body.replace(b"1", b"2"))

    assert unsigned.status_code == 401
    assert unsigned.json()["code"] == "invalid_signature"
    assert unsigned.json()["reason"] == "missing_header"
    assert tampered.status_code == 401 and tampered.json()["reason"] == "invalid_signature"
    assert inbound_secret not in tampered.content.decode()
    assert Message.objects.filter(connection=custom).count() == 1


def test_an_old_signature_is_refused(api, custom, inbound_secret, clock):
    body = json.dumps(message()).encode()
    headers = webhooks.sign(inbound_secret, "evt-1", timezone.now(), body)
    clock.shift(301)
    response = api.post(
        f"/api/v1/channels/{custom.public_id}/messages",
        data=body,
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 401 and response.json()["reason"] == "timestamp_too_old"


@pytest.mark.parametrize("case", VERIFY_CASES, ids=[c["name"] for c in VERIFY_CASES])
def test_the_standard_webhooks_vectors_through_the_endpoint(api, custom, case):
    custom.credentials = {"outbound": [], "inbound": [case["secret"]]}
    custom.save(update_fields=["credentials"])

    with time_machine.travel(datetime.fromtimestamp(case["now"], UTC), tick=False):
        response = api.post(
            f"/api/v1/channels/{custom.public_id}/messages",
            data=case["payload"].encode(),
            content_type="application/json",
            headers=case["headers"],
        )

    if "expected_error" in case:
        assert response.status_code == 401
        assert response.json()["reason"] == case["expected_error"]
    else:
        # Verified; the vector's payload is no message, so validation answers.
        assert response.status_code == 422, response.content
        assert response.json()["code"] == "validation_failed"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"contact": {"id": "u"}, "text": "Hallo"}, "id"),
        ({"id": "m1", "contact": {"id": "u"}}, "text"),
        ({"id": "m1", "text": "Hallo"}, "contact"),
        ({"id": "m1", "contact": {"phone": "+4930123456"}, "text": "Hallo"}, "contact"),
        ({"id": ["m1"], "contact": {"id": "u"}, "text": "Hallo"}, "id"),
    ],
)
def test_a_malformed_message_gets_a_422_naming_the_field(api, custom, inbound_secret, data, field):
    response = signed_post(api, custom, inbound_secret, data)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Message.objects.filter(connection=custom).exists()


def test_a_body_that_is_not_json_gets_a_422(api, custom, inbound_secret):
    response = signed_post(api, custom, inbound_secret, None, raw=b"\xff not json")

    assert response.status_code == 422 and response.json()["field"] == "body"


def test_a_text_longer_than_the_channel_carries_is_refused_with_the_capability(
    api, custom, inbound_secret
):
    response = signed_post(api, custom, inbound_secret, message(text="x" * 301))

    assert response.status_code == 409
    assert response.json()["code"] == "channel_text_too_long"
    assert "300" in response.json()["detail"]


def test_an_email_identity_when_the_channel_addresses_people_by_email(api, custom, inbound_secret):
    data = message() | {"contact": {"email": "Kim@Example.com", "name": "Kim"}}

    answer = signed_post(api, custom, inbound_secret, data).json()

    contact = Conversation.objects.get(public_id=answer["conversation"]).contact
    assert contact.identities.get().value == "kim@example.com"


def test_a_deactivated_or_unknown_channel_is_not_found(api, custom, inbound_secret, alice):
    setup.deactivate(custom, actor=Actor.for_operator(alice))

    gone = signed_post(api, custom, inbound_secret, message())
    custom.public_id = "ch_unknown"
    unknown = signed_post(api, custom, inbound_secret, message())

    assert gone.status_code == 404 and unknown.status_code == 404


def test_an_api_token_of_another_account_is_no_signature(api, custom, charlie):
    """Tokens do not authenticate this endpoint: only the channel's secret does."""
    from messagecenter.accounts import tokens

    secret = tokens.create_personal_token(charlie, "t", ["conversations:write"]).secret

    response = api.post(
        f"/api/v1/channels/{custom.public_id}/messages",
        data=json.dumps(message()),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 401 and response.json()["code"] == "invalid_signature"
    assert not Message.objects.filter(connection=custom).exists()


def test_naming_a_conversation_of_someone_else_is_not_found(api, custom, inbound_secret):
    theirs = signed_post(api, custom, inbound_secret, message(1)).json()["conversation"]
    stranger = message(2) | {"contact": {"id": "user-8"}, "conversation": theirs}

    response = signed_post(api, custom, inbound_secret, stranger)

    assert response.status_code == 404
    assert Message.objects.filter(conversation__public_id=theirs).count() == 1
