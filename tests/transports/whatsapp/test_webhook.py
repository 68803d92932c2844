"""The webhook: Meta's verification handshake, the signature over the raw body (fail closed),
the body committed before the 200, every element of every array processed once whatever Meta
redelivers, in whatever order."""

from __future__ import annotations

import json
import logging
import random

import pytest

from messagecenter.conversations.models import Message
from messagecenter.transports.whatsapp.models import WhatsAppDelivery
from tests.transports.whatsapp.conftest import post
from tests.transports.whatsapp.fake_api import APP_SECRET, TOKEN, sign
from tests.transports.whatsapp.payloads import (
    USER_ID,
    contact,
    message,
    text,
    value,
    webhook,
)

pytestmark = pytest.mark.django_db


def url(connection) -> str:
    return f"/channels/whatsapp/{connection.public_id}/webhook"


# --- the handshake ---------------------------------------------------------------------------


def test_the_verification_handshake_answers_the_challenge(provider, whatsapp):
    token = whatsapp.credentials["verify_token"]
    params = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"}

    response = provider.get(url(whatsapp), params)

    assert response.status_code == 200
    assert response.content == b"1158201444"


@pytest.mark.parametrize("given", ["wrong", ""])
def test_a_wrong_verify_token_is_refused(provider, whatsapp, given):
    params = {"hub.mode": "subscribe", "hub.verify_token": given, "hub.challenge": "1"}

    assert provider.get(url(whatsapp), params).status_code == 403


def test_a_connection_without_a_verify_token_refuses_the_handshake(provider, whatsapp):
    whatsapp.credentials = {**whatsapp.credentials, "verify_token": ""}
    whatsapp.save()

    params = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert provider.get(url(whatsapp), params).status_code == 403


# --- the signature ---------------------------------------------------------------------------


def test_a_signed_message_becomes_a_message(provider, whatsapp):
    response = post(provider, whatsapp, text("wamid.A1", "Wo bleibt mein Paket?"))

    assert response.status_code == 200
    message = Message.objects.get()
    assert message.body == "Wo bleibt mein Paket?"
    assert message.provider_message_id == "wamid.A1"
    assert message.conversation.contact.name == "Kim Berg"
    identity = message.conversation.contact.identities.get(kind="whatsapp")
    assert identity.value == USER_ID
    assert identity.attributes["phone"] == "+4915123456789"
    assert WhatsAppDelivery.objects.get().outcome == "done"


@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,
        sign(b"another body"),
        sign(json.dumps(text("wamid.A1")).encode(), "f" * 32),  # another app's secret
        "sha1=" + "0" * 40,
        "",
        None,
    ],
    ids=["zeros", "other-body", "other-secret", "sha1", "empty", "missing"],
)
def test_a_bad_or_missing_signature_is_refused_and_nothing_is_kept(provider, whatsapp, signature):
    response = post(provider, whatsapp, text("wamid.A1"), signature=signature)

    assert response.status_code == 403
    assert not WhatsAppDelivery.objects.exists() and not Message.objects.exists()


def test_the_signature_is_over_the_raw_bytes(provider, whatsapp):
    """GIVEN Meta's body with its own spacing WHEN our JSON would serialise it otherwise THEN
    the signature of the bytes as sent still holds (and re-serialised bytes would not)."""
    raw = json.dumps(text("wamid.A1"), indent=3, ensure_ascii=True).encode()

    assert post(provider, whatsapp, None, raw=raw, signature=sign(raw)).status_code == 200
    assert post(provider, whatsapp, None, raw=raw + b" ", signature=sign(raw)).status_code == 403
    assert Message.objects.count() == 1


def test_a_connection_without_an_app_secret_refuses_everything(provider, whatsapp):
    whatsapp.credentials = {"access_token": TOKEN, "verify_token": "v"}
    whatsapp.save()

    assert post(provider, whatsapp, text("wamid.A1")).status_code == 403
    assert post(provider, whatsapp, text("wamid.A1"), signature=sign(b"", "")).status_code == 403
    assert not WhatsAppDelivery.objects.exists() and not Message.objects.exists()


def test_a_disconnected_channel_is_not_found(provider, whatsapp):
    whatsapp.is_active = False
    whatsapp.save()

    assert post(provider, whatsapp, text("wamid.A1")).status_code == 404


def test_a_body_that_is_no_webhook_is_refused(provider, whatsapp):
    assert post(provider, whatsapp, None, raw=b"not json").status_code == 422
    assert post(provider, whatsapp, {"object": "whatsapp_business_account"}).status_code == 422


def test_the_secrets_are_never_in_the_logs(provider, whatsapp, caplog):
    with caplog.at_level(logging.DEBUG):
        post(provider, whatsapp, text("wamid.A1"))
        post(provider, whatsapp, text("wamid.A2"), signature="sha256=00")

    assert TOKEN not in caplog.text and APP_SECRET not in caplog.text
    assert whatsapp.credentials["verify_token"] not in caplog.text


# --- exactly once, every element ---------------------------------------------------------------


def test_webhooks_replayed_ten_times_and_shuffled_are_one_message_each(provider, whatsapp):
    deliveries = [text(f"wamid.R{n}", f"Nachricht {n}") for n in range(5)] * 10
    random.Random(14).shuffle(deliveries)

    answers = {post(provider, whatsapp, d).status_code for d in deliveries}

    assert answers == {200}
    bodies = sorted(Message.objects.values_list("body", flat=True))
    assert bodies == [f"Nachricht {n}" for n in range(5)]
    assert WhatsAppDelivery.objects.count() == 5  # the same bytes are the same row
    assert Message.objects.values("conversation").distinct().count() == 1


def test_the_same_message_in_another_webhook_is_still_one_message(provider, whatsapp):
    """Meta batches differently on a redelivery: the wamid decides, not the body."""
    post(provider, whatsapp, text("wamid.A1", "Hallo"))
    batched = webhook(
        ("messages", value(messages=[message("wamid.A1"), message("wamid.A2", "Und?")]))
    )
    post(provider, whatsapp, batched)

    assert sorted(Message.objects.values_list("body", flat=True)) == ["Hallo", "Und?"]
    assert WhatsAppDelivery.objects.count() == 2


def test_every_entry_change_and_message_of_a_batch_is_taken(provider, whatsapp):
    """GIVEN two entries of two changes each, each change with two messages (and a second
    sender in one of them) THEN all eight messages are stored, each sender in their own
    conversation."""
    other = contact(user_id="DE.999", phone="4915700000000", name="Lea")
    changes = []
    for c in range(2):
        items = [message(f"wamid.B{c}{m}", f"Text {c}{m}") for m in range(2)]
        changes.append(("messages", value(messages=items)))
    changes.append(("messages", value(messages=[message("wamid.L1", "Von Lea", user_id="DE.999",
                                                        phone="4915700000000")],
                                      contacts=[other])))  # fmt: skip
    payload = webhook(*changes, entries=1)
    payload["entry"].append(
        {
            "id": "2",
            "changes": [
                {
                    "field": "messages",
                    "value": value(
                        messages=[
                            message("wamid.C1", "Zweiter Eintrag"),
                            message("wamid.C2", "Noch einer"),
                        ]
                    ),
                }
            ],
        }
    )

    assert post(provider, whatsapp, payload).status_code == 200

    assert Message.objects.count() == 7
    lea = Message.objects.get(provider_message_id="wamid.L1").conversation
    assert lea.contact.name == "Lea"
    assert Message.objects.exclude(conversation=lea).values("conversation").distinct().count() == 1


def test_other_fields_are_left_with_200(provider, whatsapp):
    payload = webhook(("account_update", {"event": "VERIFIED_ACCOUNT"}),
                      ("message_template_status_update", {"event": "APPROVED"}))  # fmt: skip

    assert post(provider, whatsapp, payload).status_code == 200
    assert WhatsAppDelivery.objects.get().outcome == "ignored"
    assert not Message.objects.exists()


def test_a_group_message_is_refused_politely(provider, whatsapp, whatsapp_api, caplog):
    payload = webhook(("messages", value(messages=[message("wamid.G1", group_id="120363044")])))
    with caplog.at_level(logging.INFO, logger="messagecenter.transports.whatsapp"):
        response = post(provider, whatsapp, payload)

    assert response.status_code == 200  # Meta must not redeliver it
    assert not Message.objects.exists()
    assert whatsapp_api.sent == []  # no answer in the group
    assert "group" in caplog.text


def test_a_change_for_a_number_no_connection_serves_is_left(provider, whatsapp):
    """Meta posts every number of an app to the app's one callback URL: a change naming
    another phone number id is not this connection's."""
    elsewhere = value(messages=[message("wamid.Z1")])
    elsewhere["metadata"]["phone_number_id"] = "999999999999"

    assert post(provider, whatsapp, webhook(("messages", elsewhere))).status_code == 200

    assert not Message.objects.exists()
    assert WhatsAppDelivery.objects.get().outcome == "ignored"


def test_processed_webhooks_are_pruned_after_two_weeks(provider, whatsapp, clock):
    """The raw bodies hold what contacts wrote: kept only as long as Meta may redeliver
    (7 days) and then as long again; the messages stay."""
    from messagecenter.transports.whatsapp import inbound

    post(provider, whatsapp, text("wamid.P1"))
    clock.shift(13 * 86400)
    assert inbound.prune() == 0

    clock.shift(2 * 86400)
    assert inbound.prune() == 1
    assert not WhatsAppDelivery.objects.exists() and Message.objects.count() == 1
