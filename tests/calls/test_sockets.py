"""The call frames over real WebSockets (docs/realtime.md, "Calls"): an offer rings every
messenger tab, one tab accepts and gets its TURN login, signals pass between the two tabs of
the call (relay candidates only), a closed tab ends the call, and refusals answer ``error``."""

from __future__ import annotations

import pytest

from messagecenter.calls.models import Call, CallState
from messagecenter.conversations.models import Conversation
from messagecenter.core.actors import Actor
from messagecenter.transports.webchat.visitors import issue_token
from messagecenter.widgets import services as widgets
from tests.calls.test_ice import HOST, RELAY
from tests.helpers import go_online
from tests.realtime.conftest import asgi_server, receive, send, session_cookie  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def messenger(server, widget, token=None):
    ws = server.ws(f"/ws/messenger/{widget.key}")
    send(ws, type="hello", **({"token": token} if token else {}))
    return ws, receive(ws, "welcome")


@pytest.fixture
def talking(asgi_server, widget, alice):  # noqa: F811
    """Clara wrote from the messenger (two tabs open); Alice is assigned, her app open."""
    go_online(alice)
    operator = asgi_server.ws("/ws/operator", cookie=session_cookie(alice))
    receive(operator, "hello")
    tab, _ = messenger(asgi_server, widget)
    send(tab, type="message.send", body="Rufen Sie mich an?", client_id="m1")
    receive(tab, "ack")
    conversation = Conversation.objects.get()
    return operator, tab, conversation


def offer(operator, conversation, video=False):
    send(
        operator,
        type="call.offer",
        conversation=conversation.public_id,
        video=video,
        client_id="c1",
    )
    return receive(operator, "call.ringing")


def test_offer_accept_signal_and_hang_up(talking, asgi_server, widget):  # noqa: F811
    operator, tab, conversation = talking
    ringing = offer(operator, conversation)
    assert ringing["client_id"] == "c1" and ringing["ice"]["ice_transport_policy"] == "relay"
    assert ringing["ice"]["ice_servers"][0]["username"].endswith(f":{ringing['call']}-o")
    offered = receive(tab, "call.offered")
    assert offered["call"] == ringing["call"] and offered["operator"] == "Alice Admin"

    send(tab, type="call.accept", call=offered["call"])
    joined = receive(tab, "call.joined")
    assert joined["ice"]["ice_servers"][0]["username"].endswith(f":{offered['call']}-c")
    assert receive(operator, "call.accepted")["call"] == offered["call"]

    description = {"type": "offer", "sdp": f"v=0\r\na={HOST}\r\na={RELAY}\r\n"}
    send(operator, type="call.signal", call=offered["call"], description=description)
    relayed = receive(tab, "call.signal")
    assert (
        "typ relay" in relayed["description"]["sdp"]
        and "192.168" not in relayed["description"]["sdp"]
    )
    candidate = {"candidate": HOST, "sdpMid": "0", "sdpMLineIndex": 0}
    send(tab, type="call.signal", call=offered["call"], candidate=candidate)  # dropped
    send(tab, type="call.signal", call=offered["call"], candidate={**candidate, "candidate": RELAY})
    got = receive(operator, "call.signal")
    assert got["candidate"]["candidate"] == RELAY  # the host candidate never arrived

    send(operator, type="call.hangup", call=offered["call"])
    ended = receive(tab, "call.ended")
    assert ended["state"] == "ended" and ended["by"] == "operator"
    assert Call.objects.get().state == CallState.ENDED


def test_closing_the_contacts_tab_ends_the_call(talking):
    operator, tab, conversation = talking
    call = offer(operator, conversation)["call"]
    send(tab, type="call.accept", call=call)
    receive(tab, "call.joined")
    receive(operator, "call.accepted")
    tab.close()
    ended = receive(operator, "call.ended")
    assert ended["call"] == call and ended["by"] == "system"


def test_a_tab_that_connects_while_it_rings_rings_too(talking, asgi_server, widget):  # noqa: F811
    operator, tab, conversation = talking
    call = offer(operator, conversation)["call"]
    assert receive(tab, "call.offered")["call"] == call  # the first tab rings
    # The same contact opens a second tab (with the contact's token, as the messenger keeps).
    second, _ = messenger(asgi_server, widget, token=issue_token(conversation.contact))
    assert receive(second, "call.offered")["call"] == call
    # Accepting in the second tab stops the first one's ringing.
    send(second, type="call.accept", call=call)
    receive(second, "call.joined")
    assert receive(tab, "call.accepted")["call"] == call
    # The first tab cannot signal: it is not in the call.
    send(tab, type="call.signal", call=call, media={"camera": True})
    assert receive(tab, "error")["code"] == "call_not_active"


def test_a_widget_without_calls_refuses_the_offer(talking, alice):
    operator, _, conversation = talking
    widgets.update_widget(conversation.widget, actor=Actor.for_operator(alice), calls_enabled=False)
    send(operator, type="call.offer", conversation=conversation.public_id, client_id="c1")
    error = receive(operator, "error")
    assert error["code"] == "calls_disabled" and error["client_id"] == "c1"
    assert Call.objects.count() == 0


def test_an_outsider_cannot_offer_or_hang_up(talking, asgi_server, charlie):  # noqa: F811
    operator, _, conversation = talking
    call = offer(operator, conversation)["call"]
    outsider = asgi_server.ws("/ws/operator", cookie=session_cookie(charlie))
    receive(outsider, "hello")
    send(outsider, type="call.offer", conversation=conversation.public_id)
    assert receive(outsider, "error")["code"] == "not_found"
    send(outsider, type="call.hangup", call=call)
    assert receive(outsider, "error")["code"] == "not_found"
    assert Call.objects.get().state == CallState.RINGING
