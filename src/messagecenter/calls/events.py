"""What the two sides of a call hear, and who receives it.

The contact's messenger tabs all ring (the contact group); only the tab that accepted takes
part (``call.<id>.contact``), and only the operator's tab that offered (``call.<id>.operator``).
Other operators see the call through its timeline entries. The WebRTC signals themselves
(``call.signal``) travel between the two party groups through the sockets, never stored.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from messagecenter.calls.models import Call
from messagecenter.core.events import contact_group, send_on_commit

Side = Literal["operator", "contact"]


def call_group(call_id: str, side: Side) -> str:
    return f"call.{call_id}.{side}"


class CallOfferedEvent(TypedDict):
    """To every messenger tab of the contact: ring, with accept and decline."""

    type: Literal["call.offered"]
    call: str
    conversation: str
    video: bool
    # The widget allows video: the contact may switch the camera on during the call.
    video_allowed: bool
    operator: str
    expires_at: str


class CallAcceptedEvent(TypedDict):
    """To the operator's tab (start the connection) and the contact's tabs (stop ringing)."""

    type: Literal["call.accepted"]
    call: str
    conversation: str


class CallEndedEvent(TypedDict):
    """To both sides: the call is over (declined, missed, cancelled or ended)."""

    type: Literal["call.ended"]
    call: str
    conversation: str
    state: str
    by: str
    duration: int | None


def announce_offered(call: Call, expires_at: str) -> None:
    conversation = call.conversation
    event: CallOfferedEvent = {
        "type": "call.offered",
        "call": call.public_id,
        "conversation": conversation.public_id,
        "video": call.video,
        "video_allowed": conversation.widget.video_enabled,
        "operator": call.operator.name if call.operator else "",
        "expires_at": expires_at,
    }
    send_on_commit(event, [contact_group(conversation.contact.public_id)])


def announce_accepted(call: Call) -> None:
    event: CallAcceptedEvent = {
        "type": "call.accepted",
        "call": call.public_id,
        "conversation": call.conversation.public_id,
    }
    groups = [call_group(call.public_id, "operator"), contact_group(_contact(call))]
    send_on_commit(event, groups)


def announce_ended(call: Call) -> None:
    event: CallEndedEvent = {
        "type": "call.ended",
        "call": call.public_id,
        "conversation": call.conversation.public_id,
        "state": call.state,
        "by": call.ended_by,
        "duration": call.duration_seconds,
    }
    # The contact's tab in the call is in the contact group too: it hears it once.
    groups = [call_group(call.public_id, "operator"), contact_group(_contact(call))]
    send_on_commit(event, groups)


def _contact(call: Call) -> str:
    return call.conversation.contact.public_id
