"""Outgoing webhooks end to end: a write's outbox event becomes one signed POST per
subscribed endpoint (verified by the official ``standardwebhooks`` library on a real local
receiver), for every event type, with a stable ``webhook-id``."""

from __future__ import annotations

import json

import pytest
from standardwebhooks.webhooks import Webhook

from messagecenter.contacts import gdpr
from messagecenter.contacts.services import create_contact, update_contact
from messagecenter.conversations import inbound, ratings, services
from messagecenter.conversations.models import Conversation, Status
from messagecenter.core.actors import Actor
from messagecenter.transports.base import InboundMessage
from messagecenter.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)
from messagecenter.widgets.models import ChannelConnection
from tests.helpers import start
from tests.webhooks.conftest import after_commit, make_endpoint

pytestmark = pytest.mark.django_db


def test_a_new_conversation_is_posted_signed_with_a_stable_id(endpoint, receiver, widget, contact):
    with after_commit():
        conversation = start(widget, contact, "Hallo, wo ist mein Paket?")

    assert receiver.forged == 0
    assert receiver.accepted_types("con") == ["contact.created", "conversation.started"]
    assert receiver.accepted_types("message.") == ["message.created"]
    headers, body, status = receiver.requests[-1]
    assert status == 200
    # The official library accepts it, and the id is the body's and the event row's.
    event = Webhook(receiver.secret).verify(body, headers)
    assert event["id"] == headers["webhook-id"]
    assert WebhookEvent.objects.filter(public_id=headers["webhook-id"]).exists()
    assert event["data"]["conversation"]["id"] == conversation.public_id
    assert event["data"]["entry"]["message"]["body"] == "Hallo, wo ist mein Paket?"
    assert headers["content-type"] == "application/json"
    assert int(headers["webhook-timestamp"]) > 0


def test_only_the_subscribed_types_are_sent(account, alice, receiver, widget, contact):
    make_endpoint(account, alice, receiver, types=["conversation.started"])
    with after_commit():
        start(widget, contact)
    assert receiver.accepted_types() == ["conversation.started"]  # not contact.created


def test_a_disabled_endpoint_gets_nothing(endpoint, alice, receiver, widget, contact):
    from messagecenter.webhooks import services as webhooks

    webhooks.set_enabled(endpoint, False, actor=Actor.for_operator(alice))
    with after_commit():
        start(widget, contact)
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_another_accounts_writes_are_not_sent(endpoint, receiver, charlie, other_account):
    from messagecenter.widgets.services import create_widget

    theirs = create_widget(other_account, "Globex site")
    with after_commit():
        start(theirs, create_contact(other_account, name="Gina"))
    assert receiver.requests == []


def test_status_assignment_end_and_deletion(endpoint, receiver, widget, contact, alice):
    conversation = start(widget, contact)
    me = Actor.for_operator(alice)
    with after_commit():
        services.assign_operator(conversation, alice, actor=me)
        entry = services.post_operator_message(conversation, "Schon unterwegs", actor=me)
        services.delete_message(conversation, entry.seq, actor=me)
        services.set_status(conversation, "waiting", actor=me)
        services.end_conversation(conversation, actor=me)

    types = receiver.accepted_types()
    # Order is not promised (as in Standard Webhooks): receivers order by the body's time.
    assert sorted(types[types.index("conversation.assigned") :]) == [
        "conversation.assigned",
        "conversation.ended",
        "conversation.status_changed",  # to waiting
        "conversation.status_changed",  # to ended
        "message.created",
        "message.deleted",
    ], types
    ended = receiver.accepted()[-1]
    assert ended["data"]["entry"]["data"]["to"] == "ended"
    assert ended["data"]["conversation"]["status"] == "ended"


def test_contact_created_updated_and_erased(endpoint, receiver, account, alice):
    me = Actor.for_operator(alice)
    with after_commit():
        contact = create_contact(account, name="Erik", email="erik@example.com", actor=me)
        update_contact(contact, actor=me, company="Erik GmbH")
    created, updated = receiver.by_id.values()
    assert created["type"] == "contact.created" and created["data"]["contact"]["name"] == "Erik"
    assert updated["data"]["contact"]["company"] == "Erik GmbH"
    assert {"kind": "email", "value": "erik@example.com"} in updated["data"]["contact"][
        "identities"
    ]

    with after_commit():
        gdpr.erase_contact(contact, actor=me)
    erased = list(receiver.by_id.values())[-1]
    assert erased["type"] == "contact.erased"
    assert erased["data"] == {"contact": {"id": contact.public_id}}
    # What we stored about the contact for webhooks (their name, their messages) is gone.
    assert list(WebhookEvent.objects.values_list("type", flat=True)) == ["contact.erased"]


def test_a_rating_is_sent(endpoint, receiver, widget, contact, alice):
    conversation = start(widget, contact)
    Conversation.objects.filter(pk=conversation.pk).update(rating_requested_at="2026-01-01T00:00Z")
    conversation.refresh_from_db()
    with after_commit():
        ratings.submit_rating(conversation, 5, "Super", actor=Actor.for_contact(contact))
    rated = receiver.accepted()[-1]
    assert rated["type"] == "conversation.rated"
    assert rated["data"]["entry"]["data"] == {"state": "rated", "rating": 5, "feedback": "Super"}


def test_a_call_sends_each_of_its_steps(endpoint, receiver, widget, contact, alice, settings):
    """An offered call that the contact declines: ``call.offered`` then ``call.declined``,
    each with the call's timeline entry (the call id, video or not, who ended it)."""
    from messagecenter.calls import services as calls
    from tests.helpers import contact_opens_messenger, conversation_in

    settings.TURN_URLS, settings.TURN_SECRET = ["turn:turn.example.com:3478"], "s3cret"
    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    contact_opens_messenger(contact)
    with after_commit():
        call = calls.offer_call(
            conversation, video=True, actor=Actor.for_operator(alice), channel_name="op.1"
        )
    with after_commit():
        calls.decline_call(call.public_id, actor=Actor.for_contact(contact))
    steps = [e for e in receiver.accepted() if e["type"].startswith("call.")]
    assert [e["type"] for e in steps] == ["call.offered", "call.declined"]
    declined = steps[-1]["data"]["entry"]["data"]
    assert declined["call"] == call.public_id and declined["video"] is True


def test_a_delivery_state_change_is_sent(endpoint, receiver, widget, alice, fake_transport):
    channel = ChannelConnection.objects.create(account=widget.account, widget=widget, kind="fake")
    message = InboundMessage(
        body="Hallo", identity_kind="external", identity_value="kim-1", provider_message_id="in-1"
    )
    conversation = inbound.receive(channel, message).conversation
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    with after_commit():
        services.post_operator_message(conversation, "Antwort", actor=me)
    states = [e for e in receiver.by_id.values() if e["type"] == "message.delivery_state"]
    assert [e["data"]["state"] for e in states] == ["sent"]
    assert states[0]["data"]["entry"]["message"]["body"] == "Antwort"


def test_a_second_endpoint_gets_its_own_delivery_of_the_same_event(
    endpoint, receiver, account, alice, widget, contact
):
    from tests.webhooks.conftest import Receiver

    other = Receiver()
    try:
        make_endpoint(account, alice, other, types=["conversation.started"])
        with after_commit():
            start(widget, contact)
        first = {h["webhook-id"] for h, _b, s in receiver.requests if s == 200}
        second = {h["webhook-id"] for h, _b, s in other.requests if s == 200}
        # One event, one id, delivered to both.
        assert second and second <= first
        # contact.created, conversation.started and message.created here; one there.
        assert WebhookDelivery.objects.filter(state=DeliveryState.SUCCEEDED).count() == 4
    finally:
        other.stop()


def test_the_outbox_handler_twice_makes_nothing_twice(endpoint, receiver, widget, contact):
    """GIVEN an outbox event handled once (deliveries written and sent), WHEN a crash made
    the outbox run the handler again, THEN no second event or delivery is made."""
    from messagecenter.webhooks import delivery

    with after_commit():
        conversation = start(widget, contact)
    payload = {"type": "timeline.entry", "conversation": conversation.public_id, "seq": 1}
    before = (WebhookEvent.objects.count(), WebhookDelivery.objects.count())
    with after_commit():
        assert delivery.fan_out(payload) == 0
    assert (WebhookEvent.objects.count(), WebhookDelivery.objects.count()) == before
    assert receiver.duplicates == 0


def test_every_attempt_is_logged(endpoint, receiver, widget, contact):
    with after_commit():
        start(widget, contact)
    attempt = WebhookAttempt.objects.order_by("pk").first()
    assert attempt.outcome == "succeeded" and attempt.response_status == 200
    assert attempt.response_excerpt == '{"ok": true}' and attempt.duration_ms is not None
    assert json.loads(attempt.delivery.event.body)["type"] == "contact.created"


def test_an_import_announces_its_contacts(endpoint, receiver, account, alice):
    from tests.contacts.test_import import EXCEL, run

    with after_commit():
        run(account, alice, EXCEL)
    names = sorted(e["data"]["contact"]["name"] for e in receiver.accepted("contact.created"))
    assert names == ["Anna Schmidt", "Jörg Müller"]
