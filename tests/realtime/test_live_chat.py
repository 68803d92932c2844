"""Live messaging over real WebSockets: messenger <-> operator, resume, bad input."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import time_machine
from websockets.exceptions import InvalidStatus

from messagecenter.conversations import tasks
from messagecenter.conversations.models import Conversation, Status
from messagecenter.transports.webchat.visitors import identity_signature
from tests.helpers import conversation_in, go_online
from tests.realtime.conftest import receive, send, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def from_operator(frame):
    return frame["entry"]["message"]["author_kind"] == "operator"


def messenger(asgi_server, widget, **hello):
    ws = asgi_server.ws(f"/ws/messenger/{widget.key}")
    send(ws, type="hello", page={"url": "https://shop.example/cart", "title": "Warenkorb"}, **hello)
    return ws, receive(ws, "welcome")


def test_contact_and_operator_talk_live_both_ways(asgi_server, widget, alice):
    go_online(alice)
    operator = asgi_server.ws("/ws/operator", cookie=session_cookie(alice))
    assert receive(operator, "hello")["operator"] == alice.public_id

    contact, _ = messenger(asgi_server, widget)
    send(contact, type="message.send", body="Hallo, wo ist mein Paket?", client_id="m1")
    ack = receive(contact, "ack")
    assert ack["client_id"] == "m1" and ack["status"] == "open"

    changed = receive(operator, "conversation.changed")
    assert changed["preview"] == "Hallo, wo ist mein Paket?"
    assert changed["summary"]["assigned_operator"] == alice.public_id
    assert changed["summary"]["is_live"] is True

    send(operator, type="subscribe", conversation=ack["conversation"], after=0)
    batch = receive(operator, "timeline.batch")
    assert batch["entries"][0]["message"]["body"] == "Hallo, wo ist mein Paket?"

    send(
        operator,
        type="message.send",
        conversation=ack["conversation"],
        body="Ich schaue **sofort** nach",
        client_id="r1",
    )
    assert receive(operator, "ack")["client_id"] == "r1"
    reply = receive(contact, "messenger.entry", where=from_operator)
    assert reply["entry"]["message"]["html"] == "<p>Ich schaue <strong>sofort</strong> nach</p>"
    assert reply["entry"]["message"]["author_name"] == "Alice Admin"

    send(contact, type="message.send", body="Danke!", client_id="m2")
    live = receive(
        operator, "timeline.entry", where=lambda f: f["entry"]["actor"]["kind"] == "contact"
    )
    assert live["entry"]["message"]["body"] == "Danke!"
    assert live["entry"]["message"]["client_info"]["device_class"] in {
        "desktop",
        "mobile",
        "tablet",
    }
    contact.close()
    operator.close()


def test_reconnecting_contact_resumes_without_gaps_or_duplicates(asgi_server, widget, alice):
    contact, welcome = messenger(asgi_server, widget)
    send(contact, type="message.send", body="Erste Frage", client_id="a")
    ack = receive(contact, "ack")
    contact.close()
    conversation = Conversation.objects.get(public_id=ack["conversation"])
    from messagecenter.conversations import services
    from messagecenter.core.actors import Actor

    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    services.post_operator_message(conversation, "Antwort eins", actor=me)
    services.post_operator_message(conversation, "Antwort zwei", actor=me)

    again, welcome2 = messenger(
        asgi_server, widget, token=welcome["token"], conversations={ack["conversation"]: ack["seq"]}
    )
    # A visitor (no contact yet) until the first message; then recognised by the stored token.
    assert welcome["contact"] is None
    assert welcome2["contact"] == conversation.contact.public_id
    batch = receive(again, "messenger.batch")
    bodies = [e["message"]["html"] for e in batch["entries"]]
    assert bodies == ["<p>Antwort eins</p>", "<p>Antwort zwei</p>"]
    assert all(e["seq"] > ack["seq"] for e in batch["entries"])
    again.close()


def test_retried_send_creates_exactly_one_message(asgi_server, widget):
    contact, _ = messenger(asgi_server, widget)
    send(contact, type="message.send", body="Hallo", client_id="same")
    first = receive(contact, "ack")
    send(contact, type="message.send", body="Hallo", client_id="same")
    second = receive(contact, "ack")
    assert first["seq"] == second["seq"]
    assert Conversation.objects.get(public_id=first["conversation"]).messages.count() == 1
    contact.close()


def test_embedded_periodic_task_event_reaches_connected_socket(asgi_server, widget, contact, alice):
    """The auto-end job runs in another thread; its event must hop onto the server's loop.

    The conversation is made WAITING 31 days ago (the clock travels back for the set-up only:
    the in-memory channel layer expires group memberships by wall-clock time)."""
    with time_machine.travel(time.time() - timedelta(days=31).total_seconds(), tick=False):
        conversation = conversation_in(Status.WAITING, widget, contact, alice)
    operator = asgi_server.ws("/ws/operator", cookie=session_cookie(alice))
    receive(operator, "hello")
    send(operator, type="subscribe", conversation=conversation.public_id, after=0)
    receive(operator, "timeline.batch")

    tasks.auto_end_waiting.call_local()

    event = receive(
        operator, "timeline.entry", where=lambda f: f["entry"]["kind"] == "status_changed"
    )
    assert event["entry"]["data"] == {"from": "waiting", "to": "ended"}
    assert event["entry"]["actor"]["kind"] == "system"
    conversation.refresh_from_db()
    assert conversation.status == Status.ENDED


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "malformed"),
        ("[1, 2]", "malformed"),
        (json.dumps({"type": "explode"}), "unknown_type"),
        (json.dumps({"type": "message.send", "body": ""}), "invalid"),
        (json.dumps({"type": "message.send", "body": "x" * 70_000}), "frame_too_large"),
        (
            json.dumps({"type": "message.send", "body": "hi", "conversation": "cv_nope"}),
            "not_found",
        ),
    ],
)
def test_bad_frames_get_a_clear_error_and_change_nothing(asgi_server, widget, raw, code):
    contact, _ = messenger(asgi_server, widget)
    contact.send(raw)
    assert receive(contact, "error")["code"] == code
    assert not Conversation.objects.exists()
    contact.close()


def test_frames_before_hello_are_refused(asgi_server, widget):
    ws = asgi_server.ws(f"/ws/messenger/{widget.key}")
    send(ws, type="message.send", body="hi")
    assert receive(ws, "error")["code"] == "hello_first"
    ws.close()


def test_flood_from_one_contact_is_rate_limited(asgi_server, widget, settings):
    settings.MESSENGER_RATE_PER_MINUTE = 3
    contact, _ = messenger(asgi_server, widget)
    for n in range(3):
        send(contact, type="message.send", body=f"spam {n}", client_id=str(n))
        receive(contact, "ack")
    send(contact, type="message.send", body="one more", client_id="4")
    assert receive(contact, "error") == {
        "type": "error",
        "code": "rate_limited",
        "client_id": "4",
        "message": "You are sending too fast. Please wait a moment.",
    }
    contact.close()


def test_messenger_refuses_origins_the_widget_does_not_allow(asgi_server, widget):
    widget.allowed_origins = ["https://shop.example"]
    widget.save()
    with pytest.raises(InvalidStatus) as refused:
        asgi_server.ws(f"/ws/messenger/{widget.key}", origin="https://evil.example")
    assert refused.value.response.status_code == 403
    ok = asgi_server.ws(f"/ws/messenger/{widget.key}", origin="https://shop.example")
    send(ok, type="hello")
    assert receive(ok, "welcome")
    ok.close()


def test_unknown_widget_key_is_closed(asgi_server, db):
    with pytest.raises(InvalidStatus) as refused:
        asgi_server.ws("/ws/messenger/no-such-widget")
    assert refused.value.response.status_code == 403


def test_operator_socket_needs_a_session_and_our_origin(asgi_server, alice):
    with pytest.raises(InvalidStatus):
        asgi_server.ws("/ws/operator")
    with pytest.raises(InvalidStatus):
        asgi_server.ws("/ws/operator", origin="https://evil.example", cookie=session_cookie(alice))
    assert receive(asgi_server.ws("/ws/operator", cookie=session_cookie(alice)), "hello")


def test_operator_cannot_subscribe_to_another_accounts_conversation(asgi_server, widget, charlie):
    contact, _ = messenger(asgi_server, widget)
    send(contact, type="message.send", body="geheim", client_id="s")
    conversation_id = receive(contact, "ack")["conversation"]
    outsider = asgi_server.ws("/ws/operator", cookie=session_cookie(charlie))
    receive(outsider, "hello")
    send(outsider, type="subscribe", conversation=conversation_id, after=0)
    assert receive(outsider, "error")["code"] == "not_found"
    send(outsider, type="message.send", conversation=conversation_id, body="x", client_id="z")
    assert receive(outsider, "error")["code"] == "not_found"


def test_signed_identity_links_the_visitor_to_the_customer(asgi_server, widget):
    expires = int(time.time()) + 600
    signature = identity_signature(widget.identity_secret, "K-1001", expires)
    _, first = messenger(
        asgi_server,
        widget,
        identity={"customer_id": "K-1001", "expires": expires, "signature": signature},
    )
    _, second = messenger(
        asgi_server,
        widget,
        identity={"customer_id": "K-1001", "expires": expires, "signature": signature},
    )
    assert first["contact"] == second["contact"]  # same customer on another device


def test_expired_or_forged_identity_is_refused(asgi_server, widget):
    ws = asgi_server.ws(f"/ws/messenger/{widget.key}")
    past = int(time.time()) - 1
    send(
        ws,
        type="hello",
        identity={
            "customer_id": "K-1",
            "expires": past,
            "signature": identity_signature(widget.identity_secret, "K-1", past),
        },
    )
    assert receive(ws, "error")["code"] == "identity_expired"
    send(
        ws, type="hello", identity={"customer_id": "K-1", "expires": past + 999, "signature": "00"}
    )
    assert receive(ws, "error")["code"] == "identity_invalid"
    ws.close()


def test_privacy_mode_records_no_page_views_or_client(asgi_server, widget):
    from messagecenter.contacts.models import Contact, PageView

    widget.privacy_mode = True
    widget.save()
    contact_ws, _welcome = messenger(asgi_server, widget)
    send(contact_ws, type="message.send", body="Hallo", client_id="p")
    receive(contact_ws, "ack")
    contact = Contact.objects.get()
    assert not PageView.objects.filter(contact=contact).exists()
    assert contact.last_client == {} and contact.last_location == {}
    assert contact.conversations.get().messages.get().client_info == {}


def test_history_frame_sends_a_backlog_without_reconnecting(asgi_server, widget, charlie):
    contact, _ = messenger(asgi_server, widget)
    send(contact, type="message.send", body="Eins", client_id="h1")
    conversation_id = receive(contact, "ack")["conversation"]
    send(contact, type="history", conversation=conversation_id, after=0)
    batch = receive(contact, "messenger.batch")
    assert [e["message"]["html"] for e in batch["entries"]] == ["<p>Eins</p>"]
    other, _ = messenger(asgi_server, widget)  # another visitor may not read it
    send(other, type="history", conversation=conversation_id, after=0)
    assert receive(other, "error")["code"] == "not_found"


def test_verification_code_and_rating_over_the_messenger(asgi_server, widget, alice):
    import re

    from django.core import mail

    from messagecenter.conversations import commands
    from messagecenter.core.actors import Actor

    contact_ws, _welcome = messenger(asgi_server, widget)
    send(contact_ws, type="message.send", body="Hallo", client_id="v1")
    conversation = Conversation.objects.get(public_id=receive(contact_ws, "ack")["conversation"])
    contact = conversation.contact
    from messagecenter.contacts.services import update_contact

    update_contact(contact, actor=Actor.for_operator(alice), email="clara@example.com")
    from messagecenter.conversations import services as conv

    conv.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    commands.run_command(conversation, "$verify", actor=Actor.for_operator(alice))
    assert receive(contact_ws, "messenger.verification")["state"] == "code_sent"
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    send(contact_ws, type="verification.submit", code="000000" if code != "000000" else "111111")
    assert receive(contact_ws, "error")["code"] == "wrong_code"
    send(contact_ws, type="verification.submit", code=code)
    assert receive(contact_ws, "verification.result")["state"] == "verified"

    commands.run_command(conversation, "$rating", actor=Actor.for_operator(alice))
    request = receive(contact_ws, "messenger.rating_request")
    send(
        contact_ws,
        type="rating.submit",
        conversation=request["conversation"],
        rating=5,
        feedback="Super",
    )
    receive(contact_ws, "rating.result")
    conversation.refresh_from_db()
    assert (conversation.rating, conversation.feedback) == (5, "Super")
