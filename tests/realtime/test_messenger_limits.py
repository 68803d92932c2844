"""Messenger limits hold per contact and per client address, not per socket (several real
sockets in parallel, totals asserted), a blocked contact gets no new identity, and the client
address is counted in the cache, never written to a row."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.core import serializers
from django.core.cache import cache
from websockets.exceptions import ConnectionClosed

from messagecenter.contacts.models import Contact, PageView
from messagecenter.contacts.services import set_blocked
from messagecenter.conversations.models import Conversation, Message
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.transports.webchat import limits, visitors
from tests.realtime.conftest import receive, send, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def greeted(asgi_server, widget, **frame):
    ws = asgi_server.ws(f"/ws/messenger/{widget.key}")
    send(ws, type="hello", **frame)
    return ws, receive(ws, "welcome")


def answers(ws, count: int, timeout: float = 10.0) -> list[dict]:
    """The next ``count`` acks or errors of one socket."""
    got = []
    while len(got) < count:
        frame = json.loads(ws.recv(timeout=timeout))
        if frame["type"] in ("ack", "error"):
            got.append(frame)
    return got


def first_contact(asgi_server, widget):
    ws, welcome = greeted(asgi_server, widget)
    send(ws, type="message.send", body="Hallo", client_id="first")
    receive(ws, "ack")
    ws.close()
    return welcome["token"], Contact.objects.get()


def test_one_contact_over_nine_sockets_gets_the_per_contact_limit(asgi_server, widget, settings):
    """GIVEN a contact with nine sockets (one token) WHEN each sends 40 messages at once
    THEN 30 messages a minute are accepted in total (the first one included), not 9 x 30."""
    settings.MESSENGER_RATE_PER_MINUTE = 30
    token, contact = first_contact(asgi_server, widget)
    sockets = [greeted(asgi_server, widget, token=token)[0] for _ in range(9)]

    def flood(n_ws):
        n, ws = n_ws
        for i in range(40):
            send(ws, type="message.send", body=f"spam {n}.{i}", client_id=f"{n}.{i}")
        return answers(ws, 40)

    with ThreadPoolExecutor(9) as pool:
        results = [f for frames in pool.map(flood, enumerate(sockets)) for f in frames]

    acks = [f for f in results if f["type"] == "ack"]
    assert len(acks) == 29
    assert {f["code"] for f in results if f["type"] == "error"} == {"rate_limited"}
    assert Message.objects.filter(conversation__contact=contact).count() == 30
    for ws in sockets:
        ws.close()


def test_new_identities_from_one_address_share_the_address_limit(asgi_server, widget, settings):
    settings.MESSENGER_ADDRESS_RATE_PER_MINUTE = 10
    sockets = [greeted(asgi_server, widget)[0] for _ in range(6)]

    def write(n_ws):
        n, ws = n_ws
        for i in range(4):
            send(ws, type="message.send", body=f"hi {n}.{i}", client_id=f"{n}.{i}")
        return answers(ws, 4)

    with ThreadPoolExecutor(6) as pool:
        results = [f for frames in pool.map(write, enumerate(sockets)) for f in frames]

    assert sum(f["type"] == "ack" for f in results) == 10
    assert Message.objects.count() == 10
    for ws in sockets:
        ws.close()


def test_page_view_floods_are_coalesced_and_limited(asgi_server, widget):
    """600 page views in a burst: the same address is one row with a counter, and different
    addresses stop being recorded at the per-minute limit."""
    ws, _ = greeted(asgi_server, widget)
    for _ in range(20):
        send(ws, type="page.view", url="https://shop.example/same", title="Same")
    for n in range(580):
        send(ws, type="page.view", url=f"https://shop.example/{n}", title="Other")
    send(ws, type="ping")
    receive(ws, "pong", timeout=30)

    assert PageView.objects.get(url="https://shop.example/same").count == 20
    assert PageView.objects.count() == 1 + 10  # 30 a minute recorded, the rest dropped
    ws.close()


def test_typing_is_limited_per_contact_over_all_sockets(asgi_server, widget, alice):
    token, _contact = first_contact(asgi_server, widget)
    conversation = Conversation.objects.get()
    from messagecenter.conversations import services

    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    operator = asgi_server.ws("/ws/operator", cookie=session_cookie(alice))
    receive(operator, "hello")
    send(operator, type="subscribe", conversation=conversation.public_id, after=0)
    receive(operator, "timeline.batch")
    sockets = [greeted(asgi_server, widget, token=token)[0] for _ in range(3)]

    def typing(ws):
        for _ in range(40):
            send(ws, type="typing", conversation=conversation.public_id)
        send(ws, type="ping")
        receive(ws, "pong", timeout=20)

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(typing, sockets))

    seen = 0
    try:
        while True:
            frame = json.loads(operator.recv(timeout=1.0))
            seen += frame["type"] == "typing"
    except TimeoutError:
        pass
    assert seen == 30
    for ws in [operator, *sockets]:
        ws.close()


def test_a_token_older_than_the_expiry_is_a_new_visitor(asgi_server, widget, settings):
    _token, contact = first_contact(asgi_server, widget)
    with time_machine.travel(clock.now() - timedelta(days=3 * 365), tick=False):
        ancient = visitors.issue_token(contact)
    with time_machine.travel(clock.now() - timedelta(days=80), tick=False):
        recent = visitors.issue_token(contact)

    old_ws, old = greeted(asgi_server, widget, token=ancient)
    new_ws, new = greeted(asgi_server, widget, token=recent)

    assert old["contact"] is None  # not the contact: a new visitor
    assert new["contact"] == contact.public_id
    assert new["token"] != recent  # rotated on every hello
    widget.auto_end_days, widget.continue_ended_days = 100, 30
    widget.save()
    assert visitors.token_max_age_days(widget) == 130  # never shorter than the windows
    old_ws.close()
    new_ws.close()


def test_a_blocked_contact_dropping_its_token_is_refused_neutrally(asgi_server, widget, alice):
    token, contact = first_contact(asgi_server, widget)
    set_blocked(contact, True, actor=Actor.for_operator(alice))
    blocked_ws, blocked = greeted(asgi_server, widget, token=token)
    assert blocked["blocked"] is True

    fresh_ws, fresh = greeted(asgi_server, widget)  # the same browser without its token

    assert fresh["blocked"] is True and fresh["contact"] is None
    send(fresh_ws, type="message.send", body="Ich bin jemand anderes", client_id="x")
    assert receive(fresh_ws, "error")["code"] == "unavailable"
    assert Contact.objects.count() == 1 and Message.objects.count() == 1
    for ws in (blocked_ws, fresh_ws):
        ws.close()


def test_hello_beyond_the_address_limit_is_refused_and_closed(asgi_server, widget, settings):
    settings.MESSENGER_HELLO_PER_MINUTE = 2
    first, _ = greeted(asgi_server, widget)
    second, _ = greeted(asgi_server, widget)
    third = asgi_server.ws(f"/ws/messenger/{widget.key}")
    send(third, type="hello")

    assert receive(third, "error")["code"] == "rate_limited"
    with pytest.raises(ConnectionClosed):
        third.recv(timeout=5)
    for ws in (first, second):
        ws.close()


def test_the_client_address_is_kept_in_no_row_only_hashed_in_the_cache(clock, asgi_server, widget):
    """GIVEN a widget outside privacy mode (the most it records)
    WHEN a visitor from 127.0.0.1 arrives, views pages, shares a location, writes and comes back
    THEN no row of any model holds the address or its keyed hash; the cache counts it."""
    ws, welcome = greeted(
        asgi_server, widget, page={"url": "https://shop.example/", "title": "Shop"}
    )
    send(ws, type="page.view", url="https://shop.example/kitchen", title="Kitchen")
    send(ws, type="location", latitude=48.2082, longitude=16.3738)
    send(ws, type="message.send", body="Hallo von zu Hause", client_id="m1")
    receive(ws, "ack")
    ws.close()
    back, _ = greeted(asgi_server, widget, token=welcome["token"])  # records the client
    send(back, type="ping")
    receive(back, "pong")
    back.close()

    rows = "".join(
        serializers.serialize("json", model._base_manager.all())
        for model in apps.get_models(include_auto_created=True)
    )
    assert "Hallo von zu Hause" in rows and "shop.example/kitchen" in rows  # the traffic is there
    key = limits.address_key("127.0.0.1")
    assert "127.0.0.1" not in rows
    assert key not in rows
    window = int(time.time() // limits.WINDOW)  # the clock is frozen: the traffic's minute
    assert cache.get(f"mc:limit:hello:{key}:{window}") == 2
    assert cache.get(f"mc:limit:message:address:{key}:{window}") == 1
