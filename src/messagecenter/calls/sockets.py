"""The call frames of the two sockets (docs/realtime.md, "Calls"), as consumer mixins.

The operator's socket offers and hangs up; the messenger's accepts, declines and hangs up;
both relay WebRTC signals (session descriptions, ICE candidates, camera/screen state) to the
other side's tab. Signals are checked and passed on, never stored: in relay-only mode any
candidate that would show an address other than the relay's is dropped here too.

A socket remembers the calls it takes part in (``self.calls``: call id -> the peer's group,
once known), joins the call's group for its side, and ends its calls when it closes.
"""

from __future__ import annotations

from typing import Any

from messagecenter.calls import events, ice, services
from messagecenter.core.actors import Actor
from messagecenter.realtime.protocol import ProtocolError, RateLimit, db, text

MAX_SDP = 30_000
# Offer, answer and a few dozen candidates per call; renegotiations when sharing a screen.
SIGNALS_PER_MINUTE = 240


class CallFrames:
    """Shared by both sockets: membership, the signal relay and the end of a socket."""

    call_side: events.Side

    def call_actor(self) -> Actor:
        raise NotImplementedError

    def _call_state(self) -> dict[str, str | None]:
        if not hasattr(self, "calls"):
            self.calls: dict[str, str | None] = {}
            self.signal_rate = RateLimit(SIGNALS_PER_MINUTE)
        return self.calls

    async def join_call(self, call_id: str) -> None:
        self._call_state()[call_id] = None
        group = events.call_group(call_id, self.call_side)
        await self.channel_layer.group_add(group, self.channel_name)  # type: ignore[attr-defined]

    async def forget_call(self, call_id: str) -> None:
        if self._call_state().pop(call_id, "absent") == "absent":
            return
        group = events.call_group(call_id, self.call_side)
        await self.channel_layer.group_discard(group, self.channel_name)  # type: ignore[attr-defined]

    async def on_call_hangup(self, frame: dict[str, Any]) -> None:
        call_id = text(frame, "call", max_length=24)
        call = await db(services.hang_up)(call_id, actor=self.call_actor())
        await self.forget_call(call.public_id)

    async def on_call_signal(self, frame: dict[str, Any]) -> None:
        call_id = text(frame, "call", max_length=24)
        signal = clean_signal(frame)
        calls = self._call_state()
        if not self.signal_rate.allow():
            raise ProtocolError("rate_limited", "Too many call signals. Please wait a moment.")
        if signal is None:
            return  # a candidate that would reveal an address: dropped, silently
        peer = calls.get(call_id)
        if peer is None:
            peer = await db(services.peer_group)(
                call_id,
                actor=self.call_actor(),
                channel_name=self.channel_name,  # type: ignore[attr-defined]
            )
            calls[call_id] = peer
        event = {"type": "call.signal", "call": call_id, **signal}
        await self.channel_layer.group_send(peer, {"type": "mc.event", "event": event})  # type: ignore[attr-defined]

    async def mc_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        if event.get("type") == "call.ended":
            await self.forget_call(event.get("call", ""))
        await super().mc_event(message)  # type: ignore[misc]

    async def leave_calls(self) -> None:
        """The socket closed: its calls end (only a socket that took part asks)."""
        if getattr(self, "calls", None):
            self.calls = {}
            await db(services.leave_channel)(self.channel_name)  # type: ignore[attr-defined]


class OperatorCallFrames(CallFrames):
    call_side = "operator"
    call_frames = ("call.offer", "call.hangup", "call.signal")

    def call_actor(self) -> Actor:
        return Actor.for_operator(self.operator)  # type: ignore[attr-defined]

    async def on_call_offer(self, frame: dict[str, Any]) -> None:
        video = frame.get("video", False)
        if not isinstance(video, bool):
            raise ProtocolError("invalid", "video must be true or false.")
        conversation = await self._conversation(text(frame, "conversation", max_length=24))  # type: ignore[attr-defined]

        def offer():
            call = services.offer_call(
                conversation,
                video=video,
                actor=self.call_actor(),
                channel_name=self.channel_name,  # type: ignore[attr-defined]
            )
            return call, services.ice_for(call, "operator")

        call, config = await db(offer)()
        await self.join_call(call.public_id)
        await self.send_json(  # type: ignore[attr-defined]
            {
                "type": "call.ringing",
                "client_id": frame.get("client_id"),
                "call": call.public_id,
                "conversation": conversation.public_id,
                "video": call.video,
                "video_allowed": conversation.widget.video_enabled,
                "expires_at": services.expires_at(call).isoformat(),
                "ice": config,
            }
        )


class MessengerCallFrames(CallFrames):
    call_side = "contact"
    call_frames = ("call.accept", "call.decline", "call.hangup", "call.signal")

    def call_actor(self) -> Actor:
        if self.contact is None:  # type: ignore[attr-defined]
            raise ProtocolError("not_found", "There is no such call.")
        return Actor.for_contact(self.contact)  # type: ignore[attr-defined]

    async def on_call_accept(self, frame: dict[str, Any]) -> None:
        call_id = text(frame, "call", max_length=24)

        def accept() -> dict[str, Any]:
            call = services.accept_call(
                call_id,
                actor=self.call_actor(),
                channel_name=self.channel_name,  # type: ignore[attr-defined]
            )
            conversation = call.conversation
            return {
                "type": "call.joined",
                "call": call.public_id,
                "conversation": conversation.public_id,
                "video": call.video,
                "video_allowed": conversation.widget.video_enabled,
                "ice": services.ice_for(call, "contact"),
            }

        joined = await db(accept)()
        await self.join_call(joined["call"])
        await self.send_json(joined)  # type: ignore[attr-defined]

    async def on_call_decline(self, frame: dict[str, Any]) -> None:
        call_id = text(frame, "call", max_length=24)
        await db(services.decline_call)(call_id, actor=self.call_actor())

    async def send_ringing(self) -> None:
        """After ``welcome``: an offer that rings right now rings in this tab too."""
        contact = self.contact  # type: ignore[attr-defined]
        if contact is None:
            return
        for call in await db(services.ringing_for)(contact):
            await self.send_json(offered_frame(call))  # type: ignore[attr-defined]


def offered_frame(call) -> dict[str, Any]:
    conversation = call.conversation
    return {
        "type": "call.offered",
        "call": call.public_id,
        "conversation": conversation.public_id,
        "video": call.video,
        "video_allowed": conversation.widget.video_enabled,
        "operator": call.operator.name if call.operator else "",
        "expires_at": services.expires_at(call).isoformat(),
    }


def clean_signal(frame: dict[str, Any]) -> dict[str, Any] | None:
    """The relayed part of a ``call.signal``: exactly the known fields, checked. None for a
    candidate that must not pass (it would reveal the sender's address)."""
    out: dict[str, Any] = {}
    if "description" in frame:
        out["description"] = _description(frame["description"])
    if "candidate" in frame:
        candidate = _candidate(frame["candidate"])
        if candidate is not None and not ice.private_candidate(candidate["candidate"]):
            return None
        out["candidate"] = candidate
    if "media" in frame:
        out["media"] = _media(frame["media"])
    if not out:
        raise ProtocolError("invalid", "A signal needs a description, a candidate or media.")
    return out


def _description(value: Any) -> dict[str, str]:
    if (
        not isinstance(value, dict)
        or value.get("type") not in ("offer", "answer")
        or not isinstance(value.get("sdp"), str)
        or len(value["sdp"]) > MAX_SDP
    ):
        raise ProtocolError("invalid", "description must be an offer or answer with its sdp.")
    return {"type": value["type"], "sdp": ice.private_sdp(value["sdp"])}


def _candidate(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None  # the end of the candidates
    line, mid, index = (
        (value.get(k) for k in ("candidate", "sdpMid", "sdpMLineIndex"))
        if isinstance(value, dict)
        else (None, None, None)
    )
    if (
        not isinstance(line, str)
        or len(line) > 2000
        or not (mid is None or (isinstance(mid, str) and len(mid) <= 64))
        or not (index is None or (isinstance(index, int) and 0 <= index < 64))
    ):
        raise ProtocolError("invalid", "candidate must be an ICE candidate object.")
    return {"candidate": line, "sdpMid": mid, "sdpMLineIndex": index}


def _media(value: Any) -> dict[str, bool]:
    keys = ("microphone", "camera", "screen")
    if not isinstance(value, dict) or not all(isinstance(value.get(k, False), bool) for k in keys):
        raise ProtocolError("invalid", "media must say which of microphone, camera, screen are on.")
    return {k: value.get(k, False) for k in keys}
