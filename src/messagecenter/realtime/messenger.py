"""The website messenger's WebSocket (R-CHAN-1).

``/ws/messenger/<widget key>``. The first frame is ``hello`` with the contact token (kept in
the host page's storage) and optionally a signed identity; the answer is ``welcome`` with a
(new) token, the contact's conversations and the widget's messenger settings, then everything
after the sequence numbers the client sent. The socket listens only on its contact's group,
which never carries notes or internal events.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from messagecenter.contacts import messenger as visitors
from messagecenter.contacts import tracking, verification
from messagecenter.contacts.models import Contact
from messagecenter.conversations import presence, queries, ratings, services, unread
from messagecenter.conversations.models import Conversation, Status
from messagecenter.core.actors import Actor
from messagecenter.core.events import contact_group, conversation_group
from messagecenter.realtime.origins import messenger_origin_allowed
from messagecenter.realtime.protocol import (
    JsonConsumer,
    ProtocolError,
    RateLimit,
    db,
    seq_map,
    text,
)
from messagecenter.widgets.models import Widget

CLOSE_UNKNOWN_WIDGET = 4404
CLOSE_FORBIDDEN_ORIGIN = 4403


class MessengerConsumer(JsonConsumer):
    handlers = (
        "hello", "message.send", "typing", "page.view", "location", "read", "history", "ping",
        "verification.submit", "rating.submit",
    )  # fmt: skip

    async def connect(self):
        key = self.scope["url_route"]["kwargs"]["widget_key"]
        self.widget = await db(_widget)(key)
        if self.widget is None:
            await self.close(code=CLOSE_UNKNOWN_WIDGET)
            return
        if not messenger_origin_allowed(self.scope, self.widget):
            await self.close(code=CLOSE_FORBIDDEN_ORIGIN)
            return
        self.contact: Contact | None = None
        # The conversation a continue link named: the next message continues it (R-INBOX-4).
        self.named_conversation: str | None = None
        self.rate = RateLimit(settings.MESSENGER_RATE_PER_MINUTE)
        self.history_rate = RateLimit(60)
        await self.accept()

    async def mc_event(self, message: dict[str, Any]) -> None:
        """Block state changes apply to this socket at once, not only at the next hello."""
        event = message["event"]
        if event.get("type") == "messenger.blocked" and self.contact is not None:
            self.contact.blocked = bool(event.get("blocked"))
        await super().mc_event(message)

    async def disconnect(self, code):
        if getattr(self, "contact", None) is not None:
            await self.channel_layer.group_discard(
                contact_group(self.contact.public_id), self.channel_name
            )
            await db(presence.contact_tab_closed)(self.contact, self.channel_name)

    async def dispatch_frame(self, frame: dict[str, Any]) -> None:
        if frame.get("type") != "hello" and self.contact is None:
            raise ProtocolError("hello_first", "Send hello first.")
        await super().dispatch_frame(frame)

    async def on_hello(self, frame: dict[str, Any]) -> None:
        if self.contact is not None:
            raise ProtocolError("already_greeted", "hello was already sent.")
        identity = frame.get("identity")
        if identity is not None and not isinstance(identity, dict):
            raise ProtocolError("invalid", "identity must be an object.")
        token = frame.get("token") if isinstance(frame.get("token"), str) else None
        resume_link = frame.get("continue") if isinstance(frame.get("continue"), str) else None
        arrival = await db(visitors.resolve_visitor)(self.widget, token, identity, resume_link)
        self.contact, self.named_conversation = arrival.contact, arrival.conversation
        await self.channel_layer.group_add(contact_group(self.contact.public_id), self.channel_name)
        await db(self._record_arrival)(frame)
        await self.send_json(await db(self._welcome)())
        for conversation_id, after in seq_map(frame).items():
            await self._send_backlog(conversation_id, after)

    async def on_message_send(self, frame: dict[str, Any]) -> None:
        client_id = text(frame, "client_id", max_length=64, required=False) or None
        if not self.rate.allow():
            raise ProtocolError("rate_limited", "You are sending too fast. Please wait a moment.")
        body = text(frame, "body", max_length=20_000)
        conversation_id = text(frame, "conversation", max_length=24, required=False)
        entry, conversation = await db(self._send)(body, client_id, conversation_id)
        await self.send_json(
            {
                "type": "ack",
                "client_id": client_id,
                "conversation": conversation.public_id,
                "seq": entry.seq,
                "status": conversation.status,
            }
        )

    async def on_typing(self, frame: dict[str, Any]) -> None:
        conversation_id = text(frame, "conversation", max_length=24)
        await db(self._own_conversation)(conversation_id)
        event = {"type": "typing", "conversation": conversation_id, "who": "contact"}
        await self.channel_layer.group_send(
            conversation_group(conversation_id), {"type": "mc.event", "event": event}
        )

    async def on_page_view(self, frame: dict[str, Any]) -> None:
        url = text(frame, "url", max_length=2000)
        title = text(frame, "title", max_length=300, required=False)
        await db(tracking.record_page_view)(self.contact, self.widget, url, title)

    async def on_location(self, frame: dict[str, Any]) -> None:
        """Browser geolocation, sent by the messenger only after the contact agreed."""
        lat, lon = frame.get("latitude"), frame.get("longitude")
        if not all(isinstance(v, int | float) for v in (lat, lon)):
            raise ProtocolError("invalid", "latitude and longitude must be numbers.")
        await db(tracking.record_browser_location)(self.contact, self.widget, lat, lon)

    async def on_read(self, frame: dict[str, Any]) -> None:
        """The messenger showed the conversation up to ``seq``."""
        seq = frame.get("seq")
        if not isinstance(seq, int) or seq < 0:
            raise ProtocolError("invalid", "seq must be a sequence number.")
        conversation_id = text(frame, "conversation", max_length=24)

        def mark():
            conversation = self._own_conversation(conversation_id)
            unread.mark_read(conversation, seq, actor=Actor.for_contact(self.contact))

        await db(mark)()

    async def on_history(self, frame: dict[str, Any]) -> None:
        """The backlog of one of the contact's conversations without reconnecting: one that
        welcome listed but hello did not, or the next page after a full batch."""
        conversation_id = text(frame, "conversation", max_length=24)
        after = frame.get("after", 0)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ProtocolError("invalid", "after must be a sequence number.")
        if not self.history_rate.allow():
            raise ProtocolError("rate_limited", "Too many history requests. Please wait a moment.")
        await db(self._own_conversation)(conversation_id)  # not_found for anyone else's
        await self._send_backlog(conversation_id, after)

    async def on_verification_submit(self, frame: dict[str, Any]) -> None:
        """The code from the verification e-mail (R-CONV-10)."""
        code = text(frame, "code", max_length=12)
        if not self.rate.allow():
            raise ProtocolError("rate_limited", "You are sending too fast. Please wait a moment.")
        await db(verification.submit_code)(
            self.contact, code, actor=Actor.for_contact(self.contact)
        )
        await self.send_json({"type": "verification.result", "state": "verified"})

    async def on_rating_submit(self, frame: dict[str, Any]) -> None:
        stars = frame.get("rating")
        if not isinstance(stars, int) or isinstance(stars, bool):
            raise ProtocolError("invalid", "rating must be a whole number from 1 to 5.")
        feedback = text(frame, "feedback", max_length=2000, required=False)
        conversation_id = text(frame, "conversation", max_length=24)

        def rate():
            conversation = self._own_conversation(conversation_id)
            ratings.submit_rating(
                conversation, stars, feedback, actor=Actor.for_contact(self.contact)
            )

        await db(rate)()
        await self.send_json({"type": "rating.result", "conversation": conversation_id})

    async def on_ping(self, frame: dict[str, Any]) -> None:
        await db(presence.heartbeat_contact)(self.channel_name)
        await self.send_json({"type": "pong"})

    # --- database side (run in a worker thread) ---------------------------------------------

    def _record_arrival(self, frame: dict[str, Any]) -> None:
        presence.contact_tab_opened(self.contact, self.channel_name)
        headers = dict(self.scope.get("headers", []))
        self.client_info = tracking.client_info(headers.get(b"user-agent", b"").decode("latin-1"))
        client = self.scope.get("client") or (None, None)
        tracking.record_client(self.contact, self.widget, self.client_info, client[0])
        page = frame.get("page")
        if isinstance(page, dict) and isinstance(page.get("url"), str):
            tracking.record_page_view(
                self.contact, self.widget, page["url"][:2000], str(page.get("title") or "")[:300]
            )

    def _welcome(self) -> dict[str, Any]:
        conversations = list(queries.contact_conversations(self.contact, self.widget)[:20])
        return {
            "type": "welcome",
            "token": visitors.issue_token(self.contact),
            "contact": self.contact.public_id,
            "blocked": self.contact.blocked,
            "widget": _widget_config(self.widget),
            "conversations": [_conversation_view(c) for c in conversations],
        }

    def _send(self, body: str, client_id: str | None, conversation_id: str):
        actor = Actor.for_contact(self.contact)
        info = {} if self.widget.privacy_mode else self.client_info
        if conversation_id:
            conversation = self._own_conversation(conversation_id)
            entry = services.post_contact_message(
                conversation, body, actor=actor, client_info=info, client_msg_id=client_id
            )
            conversation.refresh_from_db(fields=["status"])
            return entry, conversation
        return services.post_messenger_message(
            self.widget,
            self.contact,
            body,
            actor=actor,
            named=self.named_conversation,
            client_info=info,
            client_msg_id=client_id,
        )

    def _own_conversation(self, conversation_id: str) -> Conversation:
        conversation = (
            Conversation.objects.filter(
                contact=self.contact, widget=self.widget, public_id=conversation_id
            )
            .select_related("widget", "contact", "account", "connection")
            .first()
        )
        if conversation is None:
            raise ProtocolError("not_found", "Unknown conversation.")
        return conversation

    async def _send_backlog(self, conversation_id: str, after: int) -> None:
        def load():
            conversation = self._own_conversation(conversation_id)
            return queries.contact_entries_after(conversation, after)

        try:
            entries = await db(load)()
        except ProtocolError:
            return  # a stale id from local storage: nothing to resume
        await self.send_json(
            {"type": "messenger.batch", "conversation": conversation_id, "entries": entries}
        )


def _widget(key: str) -> Widget | None:
    return Widget.objects.select_related("account").filter(key=key).first()


def _widget_config(widget: Widget) -> dict[str, Any]:
    return {
        "name": widget.name,
        "language": widget.language,
        "media": widget.media,
        "calls": widget.calls_enabled,
        "rating": widget.rating_enabled,
        "privacy_mode": widget.privacy_mode,
    }


def _conversation_view(conversation: Conversation) -> dict[str, Any]:
    operator = conversation.assigned_operator
    return {
        "id": conversation.public_id,
        "status": conversation.status,
        "active": conversation.status != Status.ENDED,
        "operator": operator.name if operator else None,
        "last_seq": conversation.last_seq,
    }
