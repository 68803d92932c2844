"""The operator app's WebSocket: inbox and conversation events, replies, presence.

Authenticated by the Django session (same-origin page), Origin checked. On connect the socket
joins the account group (inbox state) and the operator's own group (mentions, assignments);
``subscribe`` joins a conversation's group after sending what the client missed.
"""

from __future__ import annotations

from typing import Any

from messagecenter.accounts.models import Operator
from messagecenter.conversations import presence, queries, services
from messagecenter.conversations.events import summary
from messagecenter.conversations.models import Conversation
from messagecenter.core.actors import Actor
from messagecenter.core.events import account_group, conversation_group, operator_group
from messagecenter.core.scoping import get_scoped
from messagecenter.realtime.origins import operator_origin_allowed
from messagecenter.realtime.protocol import JsonConsumer, ProtocolError, db, seq_map, text

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
MAX_SUBSCRIPTIONS = 50


class OperatorConsumer(JsonConsumer):
    frame_limit_setting = "OPERATOR_MAX_FRAME_BYTES"
    handlers = (
        "resume",
        "subscribe",
        "unsubscribe",
        "message.send",
        "typing",
        "presence.set",
        "ping",
    )

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not operator_origin_allowed(self.scope):
            await self.close(code=CLOSE_FORBIDDEN_ORIGIN)
            return
        self.operator: Operator = user
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
        if operator is None:
            return
        groups = [account_group(self.account_id), operator_group(operator.public_id)]
        groups += [conversation_group(pid) for pid in self.subscribed]
        for group in groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        await db(presence.operator_tab_closed)(operator, self.channel_name)

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


def _backlog(conversation: Conversation, after: int):
    return queries.operator_entries_after(conversation, after), summary(conversation)
