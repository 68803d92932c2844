"""The website messenger's WebSocket (R-CHAN-1).

``/ws/messenger/<widget key>``. The first frame is ``hello`` with the contact token (kept in
the host page's storage) and optionally a signed identity; the answer is ``welcome`` with a
(new) token, the contact's conversations and the widget's messenger settings, then everything
after the sequence numbers the client sent. The socket listens only on its contact's group,
which never carries notes or internal events.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from messagecenter.calls.sockets import MessengerCallFrames
from messagecenter.contacts import services as contacts
from messagecenter.contacts import tracking, verification
from messagecenter.contacts.models import Contact, Visitor
from messagecenter.conversations import inbound, presence, queries, ratings, routing, unread
from messagecenter.conversations.models import Conversation, Status
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied
from messagecenter.core.events import contact_group, conversation_group
from messagecenter.realtime.origins import messenger_origin_allowed
from messagecenter.realtime.protocol import (
    JsonConsumer,
    ProtocolError,
    RateLimit,
    cached,
    db,
    seq_map,
    text,
)
from messagecenter.transports import registry
from messagecenter.transports.webchat import limits, visitors
from messagecenter.widgets import presenters as widget_presenters
from messagecenter.widgets import services as widgets
from messagecenter.widgets.models import ChannelConnection, TransportKind, Widget

CLOSE_UNKNOWN_WIDGET = 4404
CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_RATE_LIMITED = 4429
RATE_MESSAGE = "You are sending too fast. Please wait a moment."
# Limits per client address are this many times those per contact (several people behind one
# office address), except messages, which have their own setting.
ADDRESS_FACTOR = 4
transport = registry.require(TransportKind.WEBCHAT)


class MessengerConsumer(MessengerCallFrames, JsonConsumer):
    handlers = (
        "hello", "message.send", "typing", "page.view", "location", "read", "history", "ping",
        "verification.submit", "rating.submit", *MessengerCallFrames.call_frames,
    )  # fmt: skip

    async def connect(self):
        key = self.scope["url_route"]["kwargs"]["widget_key"]
        connection = await db(_webchat_connection)(key)
        if connection is None:
            await self.close(code=CLOSE_UNKNOWN_WIDGET)
            return
        self.connection: ChannelConnection = connection
        self.widget: Widget = connection.widget
        if not messenger_origin_allowed(self.scope, self.widget):
            await self.close(code=CLOSE_FORBIDDEN_ORIGIN)
            return
        self.greeted = False
        # A visitor becomes a contact at their first real interaction (a message, a location).
        self.contact: Contact | None = None
        self.visitor: Visitor | None = None
        # The conversation a continue link named: the next message continues it (R-INBOX-4).
        self.named_conversation: str | None = None
        # A new identity from the address of a blocked contact: answered as blocked.
        self.refused = False
        client = self.scope.get("client") or (None, None)
        self.ip = client[0]
        self.address = limits.address_key(self.ip)
        self.history_rate = RateLimit(60)
        await self.accept()

    async def mc_event(self, message: dict[str, Any]) -> None:
        """Block state changes apply to this socket at once, not only at the next hello; a
        visitor's other tab that wrote first made them a contact: listen as that contact."""
        event = message["event"]
        if event.get("type") == "messenger.blocked" and self.contact is not None:
            self.contact.blocked = bool(event.get("blocked"))
            if self.contact.blocked:
                await cached(limits.remember_blocked_address)(self.address)
        if event.get("type") == "messenger.contact" and self.contact is None:
            await self._join_as_contact(await db(self._visitor_contact)())
        await super().mc_event(message)

    async def disconnect(self, code):
        await self.leave_calls()
        if getattr(self, "visitor", None) is not None:
            await self.channel_layer.group_discard(
                visitors.visitor_group(self.visitor.public_id), self.channel_name
            )
        if getattr(self, "contact", None) is not None:
            await self.channel_layer.group_discard(
                contact_group(self.contact.public_id), self.channel_name
            )
            await db(presence.contact_tab_closed)(self.contact, self.channel_name)

    async def dispatch_frame(self, frame: dict[str, Any]) -> None:
        if frame.get("type") != "hello" and not self.greeted:
            raise ProtocolError("hello_first", "Send hello first.")
        await super().dispatch_frame(frame)

    async def on_hello(self, frame: dict[str, Any]) -> None:
        if self.greeted:
            raise ProtocolError("already_greeted", "hello was already sent.")
        identity = frame.get("identity")
        if identity is not None and not isinstance(identity, dict):
            raise ProtocolError("invalid", "identity must be an object.")
        per_minute = settings.MESSENGER_HELLO_PER_MINUTE
        if not await cached(limits.allow)("hello", self.address, per_minute):
            await self.send_error("rate_limited", RATE_MESSAGE)
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        token = frame.get("token") if isinstance(frame.get("token"), str) else None
        resume_link = frame.get("continue") if isinstance(frame.get("continue"), str) else None
        arrival = await db(visitors.resolve_visitor)(self.widget, token, identity, resume_link)
        self.greeted = True
        self.named_conversation = arrival.conversation
        self.visitor = arrival.visitor
        if arrival.contact is not None:
            await self._join_as_contact(arrival.contact, opened=False)
        else:
            # A new identity from where a blocked contact was just seen: refused neutrally.
            self.refused = await cached(limits.is_blocked_address)(self.address)
            await self.channel_layer.group_add(
                visitors.visitor_group(self.visitor.public_id), self.channel_name
            )
        await db(self._record_arrival)(frame)
        if self.contact is not None and self.contact.blocked:
            await cached(limits.remember_blocked_address)(self.address)
        await self.send_json(await db(self._welcome)())
        for conversation_id, after in seq_map(frame).items():
            await self._send_backlog(conversation_id, after)
        await self.send_ringing()

    async def on_message_send(self, frame: dict[str, Any]) -> None:
        client_id = text(frame, "client_id", max_length=64, required=False) or None
        uploads = frame.get("uploads") if isinstance(frame.get("uploads"), list) else []
        # A message of only files has no text (its files' names stand for it).
        body = text(frame, "body", max_length=20_000, required=not uploads)
        conversation_id = text(frame, "conversation", max_length=24, required=False)
        details = frame.get("details")  # the pre-chat or offline form, with a first message
        if details is not None and not isinstance(details, dict):
            raise ProtocolError("invalid", "details must be an object.")
        if self.refused:
            raise PermissionDenied(_("The chat is not available right now."), code="unavailable")
        if not await self._allow_message():
            raise ProtocolError("rate_limited", RATE_MESSAGE)
        entry, conversation = await db(self._send)(
            body, client_id, conversation_id, uploads, details
        )
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
        """Best effort and limited: beyond the limit typing is dropped without an error."""
        conversation_id = text(frame, "conversation", max_length=24)
        if not await self._allow("typing", limits.TYPING_PER_MINUTE):
            return
        await db(self._own_conversation)(conversation_id)
        event = {"type": "typing", "conversation": conversation_id, "who": "contact"}
        await self.channel_layer.group_send(
            conversation_group(conversation_id), {"type": "mc.event", "event": event}
        )

    async def on_page_view(self, frame: dict[str, Any]) -> None:
        """Limited per visitor and address; beyond it page views are not recorded (the same
        address again within a minute only counts up on its row, see ``tracking``)."""
        url = text(frame, "url", max_length=2000)
        title = text(frame, "title", max_length=300, required=False)
        if not await self._allow("page", limits.PAGE_VIEWS_PER_MINUTE):
            return
        await db(tracking.record_page_view)(
            self.contact, self.widget, url, title, visitor=self.visitor
        )

    async def on_location(self, frame: dict[str, Any]) -> None:
        """Browser geolocation, sent by the messenger only after the contact agreed: a real
        interaction, so a visitor becomes a contact here."""
        lat, lon = frame.get("latitude"), frame.get("longitude")
        if not all(isinstance(v, int | float) for v in (lat, lon)):
            raise ProtocolError("invalid", "latitude and longitude must be numbers.")
        if self.refused or not await self._allow("location", limits.LOCATIONS_PER_MINUTE):
            return
        await self._become_contact()
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
        if self.contact is None:
            raise ProtocolError("not_found", "There is no verification code to check.")
        if not await self._allow_message():
            raise ProtocolError("rate_limited", RATE_MESSAGE)
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

    # --- limits and identity ------------------------------------------------------------

    async def _allow(self, kind: str, per_minute: int) -> bool:
        """Per contact (or visitor) and per client address, over all sockets and processes."""
        pairs = [(self._who(), per_minute), (self.address, per_minute * ADDRESS_FACTOR)]
        return await cached(limits.allow_all)(kind, pairs)

    async def _allow_message(self) -> bool:
        """Per address first (a flood of new identities creates no contacts), then per contact:
        a visitor's first message makes them one, so all their sockets count together."""
        per_address = settings.MESSENGER_ADDRESS_RATE_PER_MINUTE
        if not await cached(limits.allow)("message:address", self.address, per_address):
            return False
        await self._become_contact()
        per_contact = settings.MESSENGER_RATE_PER_MINUTE
        return await cached(limits.allow)("message:contact", self._who(), per_contact)

    def _who(self) -> str:
        """The key of the per-person limits: the contact, else the visitor."""
        if self.contact is not None:
            return self.contact.public_id
        return self.visitor.public_id if self.visitor is not None else ""

    async def _become_contact(self) -> None:
        if self.contact is None:
            await self._join_as_contact(await db(contacts.become_contact)(self.visitor))

    async def _join_as_contact(self, contact: Contact, *, opened: bool = True) -> None:
        """Listen on the contact's group and count this tab as theirs (online)."""
        if self.contact is not None:
            return
        self.contact = contact
        await self.channel_layer.group_add(contact_group(contact.public_id), self.channel_name)
        if opened:
            await db(self._contact_arrived)()

    # --- database side (run in a worker thread) ---------------------------------------------

    def _visitor_contact(self) -> Contact:
        visitor_pk = self.visitor.pk if self.visitor is not None else None
        return Contact.objects.select_related("account").get(visitors__pk=visitor_pk)

    def _record_arrival(self, frame: dict[str, Any]) -> None:
        headers = dict(self.scope.get("headers", []))
        zone = frame.get("time_zone")
        self.time_zone = zone[:64] if isinstance(zone, str) else ""
        self.client_info = tracking.client_info(headers.get(b"user-agent", b"").decode("latin-1"))
        if self.contact is not None:
            self._contact_arrived()
        page = frame.get("page")
        if isinstance(page, dict) and isinstance(page.get("url"), str):
            tracking.record_page_view(
                self.contact,
                self.widget,
                page["url"][:2000],
                str(page.get("title") or "")[:300],
                visitor=self.visitor,
            )

    def _contact_arrived(self) -> None:
        presence.contact_tab_opened(self.contact, self.channel_name)
        tracking.record_client(self.contact, self.widget, self.client_info, self.ip)
        if self.time_zone:
            tracking.record_time_zone(self.contact, self.widget, self.time_zone)

    def _welcome(self) -> dict[str, Any]:
        if self.contact is None:
            who: Contact | Visitor = self.visitor  # type: ignore[assignment]
            conversations: list[Conversation] = []
        else:
            who = self.contact
            listed = queries.contact_conversations(
                self.contact, self.connection, self.named_conversation
            )
            conversations = list(listed[:20])
        return {
            "type": "welcome",
            "token": visitors.issue_token(who),
            # null until the visitor's first message makes them a contact
            "contact": self.contact.public_id if self.contact else None,
            "blocked": self.refused or bool(self.contact and self.contact.blocked),
            "widget": _widget_config(self.widget),
            "conversations": [_conversation_view(c) for c in conversations],
        }

    def _send(
        self, body: str, client_id: str | None, conversation_id: str, uploads=(), details=None
    ):
        """Through the one inbound entry point, like every channel: a message in a named
        conversation (its own), else the one a transfer link named, else the latest. The
        form's answers (``details``) fill the contact's gaps and pick the chosen group."""
        group = None
        if details is not None:
            answers = widgets.form_answers(self.widget, details)
            contacts.supply_details(
                self.contact, actor=Actor.for_contact(self.contact), **answers.details
            )
            group = answers.group
        frame = {
            "body": body,
            "client_id": client_id,
            "conversation": conversation_id or self.named_conversation or "",
            "client_info": {} if self.widget.privacy_mode else self.client_info,
            "uploads": list(uploads),
        }
        message = transport.parse(self.connection, frame)
        if not conversation_id and self.named_conversation:
            message = replace(message, transferred=True)
        received = inbound.receive(self.connection, message, contact=self.contact, group=group)
        return received.entry, received.conversation

    def _own_conversation(self, conversation_id: str) -> Conversation:
        if self.contact is None:
            raise ProtocolError("not_found", "Unknown conversation.")
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


def _webchat_connection(key: str) -> ChannelConnection | None:
    """The widget's messenger connection (with the widget): the socket's channel."""
    return (
        ChannelConnection.objects.select_related("widget__account", "account")
        .filter(widget__key=key, kind=TransportKind.WEBCHAT)
        .first()
    )


def _widget_config(widget: Widget) -> dict[str, Any]:
    return {
        **widget_presenters.messenger_settings(widget),
        # Nobody can chat live now: the offline form (if on) asks for an address first.
        "away": not routing.can_chat_live(widget),
        "name": widget.name,
        "language": widget.language,
        "media": widget.media,
        "calls": widget.calls_enabled,
        "video": widget.video_enabled,
        "rating": widget.rating_enabled,
        "privacy_mode": widget.privacy_mode,
        # Outside business hours with "hide the launcher" (routing.out_of_office).
        "launcher_hidden": _launcher_hidden(widget),
        # The longest voice message the messenger records (R-FILE-2; 0: no cap).
        "voice_max_seconds": settings.VOICE_MAX_SECONDS,
    }


def _launcher_hidden(widget: Widget) -> bool:
    closed = routing.out_of_office(widget)
    return closed is not None and closed.behaviour == "hide"


def _conversation_view(conversation: Conversation) -> dict[str, Any]:
    operator = conversation.assigned_operator
    return {
        "id": conversation.public_id,
        "status": conversation.status,
        "active": conversation.status != Status.ENDED,
        "operator": operator.name if operator else None,
        "last_seq": conversation.last_seq,
    }
