"""The operator app's WebSocket: inbox and conversation events, replies, presence.

Authenticated by the Django session (same-origin page), Origin checked. On connect the socket
joins the account group (inbox state) and the operator's own group (mentions, assignments);
``subscribe`` joins a conversation's group after sending what the client missed.

The socket lives only as long as its sign-in (``accounts.sessions``): every subscribe
re-checks the session, other frames and events do once the last answer ran out (at the
session's expiry, or after a few minutes), and ``operator.sessions_changed`` (logout, password
change, deactivation) asks at once. A socket whose session is gone is closed with 4401, which
sends the app to the sign-in page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from messagecenter.accounts import sessions
from messagecenter.accounts.models import Operator
from messagecenter.calls.sockets import OperatorCallFrames
from messagecenter.conversations import presence, queries, services
from messagecenter.conversations.events import summary
from messagecenter.conversations.models import Conversation
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.events import account_group, conversation_group, operator_group
from messagecenter.core.scoping import get_scoped
from messagecenter.realtime.origins import operator_origin_allowed
from messagecenter.realtime.protocol import JsonConsumer, ProtocolError, db, seq_map, text

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
MAX_SUBSCRIPTIONS = 50
# Frames that reach a timeline: they re-check the session every time, not only when due.
_FRESH_SESSION_FRAMES = frozenset({"subscribe", "resume"})


class OperatorConsumer(OperatorCallFrames, JsonConsumer):
    frame_limit_setting = "OPERATOR_MAX_FRAME_BYTES"
    handlers = (
        "resume",
        "subscribe",
        "unsubscribe",
        "message.send",
        "typing",
        "presence.set",
        "ping",
        *OperatorCallFrames.call_frames,
    )

    async def connect(self):
        user = self.scope.get("user")
        if user is not None and user.is_authenticated and await db(_refused)(user):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not operator_origin_allowed(self.scope):
            await self.close(code=CLOSE_FORBIDDEN_ORIGIN)
            return
        self.operator: Operator = user
        self.session_key = self.scope["session"].session_key
        self.session_ended = False
        self.session_valid_until = await db(sessions.valid_until)(self.session_key, user.pk)
        if self.session_valid_until is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.account_id = await db(lambda: user.account.public_id)()
        self.subscribed: set[str] = set()
        await self.accept()
        for group in (account_group(self.account_id), operator_group(user.public_id)):
            await self.channel_layer.group_add(group, self.channel_name)
        await db(presence.operator_tab_opened)(user, self.channel_name)
        await self.send_json(
            {
                "type": "hello",
                "operator": user.public_id,
                "presence": user.presence,
                "max_slots": user.max_slots,
            }
        )

    async def disconnect(self, code):
        operator = getattr(self, "operator", None)
        # Once only: a socket closed for its session left already (``_end_session``).
        if operator is None or not hasattr(self, "account_id") or getattr(self, "left", False):
            return
        self.left = True
        await self.leave_calls()
        groups = [account_group(self.account_id), operator_group(operator.public_id)]
        groups += [conversation_group(pid) for pid in self.subscribed]
        for group in groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        await db(presence.operator_tab_closed)(operator, self.channel_name)

    async def dispatch_frame(self, frame: dict[str, Any]) -> None:
        if await self._session_alive(recheck=frame.get("type") in _FRESH_SESSION_FRAMES):
            await super().dispatch_frame(frame)

    async def mc_event(self, message: dict[str, Any]) -> None:
        if message["event"].get("type") == "operator.sessions_changed":
            await self._session_alive(recheck=True)
        elif await self._session_alive(recheck=False):
            await super().mc_event(message)

    async def _session_alive(self, *, recheck: bool) -> bool:
        """Whether the sign-in still holds; closes the socket (4401) when it does not."""
        if self.session_ended:
            return False
        if not recheck and clock.now() < self.session_valid_until:
            return True
        until = await db(sessions.valid_until)(self.session_key, self.operator.pk)
        if until is None:
            await self._end_session()
            return False
        self.session_valid_until = until
        return True

    async def _end_session(self) -> None:
        # Leave the groups at once: events queued before the close must not reach it.
        self.session_ended = True
        await self.disconnect(CLOSE_UNAUTHENTICATED)
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def on_ping(self, frame: dict[str, Any]) -> None:
        await db(presence.heartbeat_operator)(self.channel_name)
        await self.send_json({"type": "pong"})

    async def on_resume(self, frame: dict[str, Any]) -> None:
        for conversation_id, after in seq_map(frame).items():
            await self._subscribe(conversation_id, after)

    async def on_subscribe(self, frame: dict[str, Any]) -> None:
        after = frame.get("after", 0)
        if not isinstance(after, int) or after < 0:
            raise ProtocolError("invalid", "after must be a sequence number.")
        await self._subscribe(text(frame, "conversation", max_length=24), after)

    async def on_unsubscribe(self, frame: dict[str, Any]) -> None:
        conversation_id = text(frame, "conversation", max_length=24)
        self.subscribed.discard(conversation_id)
        await self.channel_layer.group_discard(
            conversation_group(conversation_id), self.channel_name
        )

    async def on_message_send(self, frame: dict[str, Any]) -> None:
        conversation = await self._conversation(text(frame, "conversation", max_length=24))
        client_id = text(frame, "client_id", max_length=64, required=False) or None
        body = text(frame, "body", max_length=20_000)
        entry = await db(services.post_operator_message)(
            conversation, body, actor=Actor.for_operator(self.operator), client_msg_id=client_id
        )
        await self.send_json(
            {
                "type": "ack",
                "client_id": client_id,
                "conversation": conversation.public_id,
                "seq": entry.seq,
            }
        )

    async def on_typing(self, frame: dict[str, Any]) -> None:
        conversation = await self._conversation(text(frame, "conversation", max_length=24))
        contact_id = await db(lambda: conversation.contact.public_id)()
        event = {
            "type": "typing",
            "conversation": conversation.public_id,
            "who": "operator",
            "name": self.operator.name,
        }
        await self.channel_layer.group_send(
            f"contact.{contact_id}", {"type": "mc.event", "event": event}
        )

    async def on_presence_set(self, frame: dict[str, Any]) -> None:
        value = text(frame, "presence", max_length=10)
        await db(presence.set_operator_presence)(
            self.operator, value, actor=Actor.for_operator(self.operator)
        )

    async def _subscribe(self, conversation_id: str, after: int) -> None:
        if conversation_id not in self.subscribed and len(self.subscribed) >= MAX_SUBSCRIPTIONS:
            raise ProtocolError("too_many_subscriptions", "Close some conversations first.")
        conversation = await self._conversation(conversation_id)
        # Join first, then read: an entry committed in between arrives twice (clients drop
        # seq <= last seen) but never not at all.
        await self.channel_layer.group_add(conversation_group(conversation_id), self.channel_name)
        self.subscribed.add(conversation_id)
        entries, state = await db(_backlog)(conversation, after)
        await self.send_json(
            {
                "type": "timeline.batch",
                "conversation": conversation_id,
                "entries": entries,
                "summary": state,
            }
        )

    async def _conversation(self, conversation_id: str) -> Conversation:
        return await db(get_scoped)(
            Conversation.objects.select_related("contact", "widget", "account"),
            self.operator.account,
            conversation_id,
        )


# Rules other apps add about who may open the socket at all (administration: the account's
# two-factor rule sends an operator without a second factor to set it up, so their socket
# stays shut too); realtime never imports them. A check answers True to refuse.
_admission_checks: list[Callable[[Operator], bool]] = []


def register_admission_check(check: Callable[[Operator], bool]) -> None:
    if check not in _admission_checks:
        _admission_checks.append(check)


def _refused(operator: Operator) -> bool:
    return any(check(operator) for check in _admission_checks)


def _backlog(conversation: Conversation, after: int):
    return queries.operator_entries_after(conversation, after), summary(conversation)
