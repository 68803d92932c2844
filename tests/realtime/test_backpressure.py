"""Realtime that slows down instead of dropping (issue "Speed", item 2).

Every event for a connected client arrives, or the client is told to resync; never a silent
gap. The embedded layer is tested over a real socket, and alone for the overflow rule.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from messagecenter.core.events import account_group
from messagecenter.realtime.layer import RESYNC, EmbeddedChannelLayer
from messagecenter.realtime.publisher import channel_layer_sink
from tests.realtime.conftest import receive, session_cookie


@pytest.mark.django_db(transaction=True)
def test_an_operator_receives_a_burst_of_1000_events_in_a_second(asgi_server, alice):
    """GIVEN an operator's open app WHEN 1,000 account events are published within one
    second (as writers in other threads publish them) THEN the socket receives every one,
    in order, or an explicit resync; nothing goes missing silently."""
    ws = asgi_server.ws("/ws/operator", cookie=session_cookie(alice))
    receive(ws, "hello")
    group = [account_group(alice.account.public_id)]
    started = time.monotonic()
    for n in range(1000):
        channel_layer_sink({"type": "conversation.changed", "n": n}, group)
    assert time.monotonic() - started < 1.0

    seen: list[int] = []
    resynced = False
    while len(seen) < 1000 and not resynced:
        frame = json.loads(ws.recv(timeout=10))
        if frame["type"] == "resync":
            resynced = True
        elif frame["type"] == "conversation.changed":
            seen.append(frame["n"])
    assert resynced or seen == list(range(1000))
    ws.close()


def test_a_socket_that_falls_behind_gets_one_resync_instead_of_a_gap():
    """GIVEN a socket that reads nothing WHEN more events than its buffer arrive THEN its
    backlog is replaced by one resync, and events after it arrive normally."""

    async def scenario():
        layer = EmbeddedChannelLayer(capacity=10)
        channel = await layer.new_channel()
        await layer.group_add("account.a", channel)
        for n in range(25):
            await layer.group_send("account.a", {"type": "mc.event", "event": {"n": n}})
        first = await layer.receive(channel)
        await layer.group_send("account.a", {"type": "mc.event", "event": {"n": 99}})
        following = [await layer.receive(channel) for _ in range(5)]
        return layer, first, following

    layer, first, following = asyncio.run(scenario())
    assert first == RESYNC
    assert [m["event"]["n"] for m in following] == [21, 22, 23, 24, 99]
    assert layer.overflows == 2  # the 11th and the 21st event found the buffer full


def test_a_slow_socket_stays_in_its_groups():
    """Channels' own layer drops a socket from ALL groups once an event waited 60 s in its
    queue; a busy server must not make operators deaf for the rest of their shift."""

    async def scenario():
        layer = EmbeddedChannelLayer(capacity=10, expiry=0)
        channel = await layer.new_channel()
        await layer.group_add("account.a", channel)
        await layer.group_send("account.a", {"type": "mc.event", "event": {"n": 1}})
        await asyncio.sleep(0)  # the queued event is now past its expiry
        await layer.group_send("account.a", {"type": "mc.event", "event": {"n": 2}})
        return [await layer.receive(channel) for _ in range(2)]

    received = asyncio.run(scenario())
    assert [m["event"]["n"] for m in received] == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_the_client_is_told_to_resync_over_the_socket(asgi_server, alice):
    """The consumer turns the layer's resync into a ``resync`` frame for its client."""
    from channels.layers import get_channel_layer

    ws = asgi_server.ws("/ws/operator", cookie=session_cookie(alice))
    receive(ws, "hello")
    layer = get_channel_layer()
    group = account_group(alice.account.public_id)
    channel = next(iter(layer.groups[group]))
    asyncio.run_coroutine_threadsafe(layer.send(channel, dict(RESYNC)), asgi_server.loop).result(5)
    assert receive(ws, "resync")["reason"] == "overflow"
    ws.close()
