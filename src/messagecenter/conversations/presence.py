"""How presence changes move conversations (R-RULES LIVE, Backlog drain).

The WebSocket consumers and the Online/Away switch call these; they combine the presence
writers of the accounts and contacts domains with the LIVE rules of this one:
- an operator becoming available drains the backlog into their free slots;
- an operator becoming unavailable, or a contact going offline, ends LIVE (freeing slots);
- periodic jobs end LIVE after the widget's conversation timeout of silence, end LIVE of
  operators whose reconnect grace ran out, and end WAITING conversations after the widget's
  auto-end days.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Operator, OperatorConnection, Presence
from messagecenter.contacts import services as contacts
from messagecenter.contacts.models import Contact
from messagecenter.conversations import live, timeline
from messagecenter.conversations.models import Conversation, Status
from messagecenter.conversations.services import (
    drain_backlog,
    end_conversation,
    persist_and_announce,
)
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import InvalidTransition
from messagecenter.widgets.models import Widget


def set_operator_presence(operator: Operator, presence: str, *, actor: Actor) -> Operator:
    """The Online/Away switch. Away keeps assigned chats but releases their slots."""
    accounts.set_presence(operator, presence, actor=actor)
    if presence == Presence.AWAY:
        end_operator_live(operator, live.END_OPERATOR_UNAVAILABLE)
    else:
        drain_backlog(operator)
    return operator


def operator_tab_opened(operator: Operator, channel_name: str) -> None:
    accounts.operator_connected(operator, channel_name)
    if operator.presence == Presence.ONLINE:
        drain_backlog(operator)


def operator_tab_closed(operator: Operator, channel_name: str) -> None:
    """The grace period starts with the last tab; ``expire_presence`` ends LIVE after it."""
    accounts.operator_disconnected(operator, channel_name)


def contact_tab_opened(contact: Contact, channel_name: str) -> None:
    contacts.contact_connected(contact, channel_name)


def contact_tab_closed(contact: Contact, channel_name: str) -> None:
    if contacts.contact_disconnected(contact, channel_name):
        end_contact_live(contact)


# A tab that sent no heartbeat for this long is gone (clients ping every 25 s).
STALE_CONNECTION_SECONDS = 90


def heartbeat_operator(channel_name: str) -> None:
    accounts.touch_connection(channel_name)


def heartbeat_contact(channel_name: str) -> None:
    contacts.touch_connection(channel_name)


def prune_stale_connections() -> None:
    """Tabs of a crashed process never said goodbye: treat them as closed."""
    accounts.prune_stale_connections(STALE_CONNECTION_SECONDS)
    for contact in contacts.prune_stale_connections(STALE_CONNECTION_SECONDS):
        end_contact_live(contact)


def end_operator_live(operator: Operator, reason: str) -> int:
    ids = list(live.live_conversations_of(operator).values_list("pk", flat=True))
    for pk in ids:
        _end_live(pk, reason)
    return len(ids)


def end_contact_live(contact: Contact) -> None:
    conversations = Conversation.objects.filter(contact=contact, is_live=True)
    for pk, operator_id in conversations.values_list("pk", "assigned_operator_id"):
        _end_live(pk, live.END_CONTACT_OFFLINE)
        _drain_operator(operator_id)


def expire_presence() -> int:
    """End LIVE of operators whose last tab closed longer than the grace period ago."""
    cutoff = clock.now() - timedelta(seconds=settings.PRESENCE_GRACE_SECONDS)
    gone = Operator.objects.filter(disconnected_at__lt=cutoff, assigned_conversations__is_live=True)
    gone = gone.exclude(pk__in=OperatorConnection.objects.values("operator_id")).distinct()
    return sum(end_operator_live(op, live.END_OPERATOR_UNAVAILABLE) for op in gone)


def expire_inactive_live() -> int:
    """LIVE ends when neither side was active for the widget's conversation timeout."""
    count = 0
    now = clock.now()
    for widget in Widget.objects.filter(pk__in=_live_widget_ids()):
        cutoff = now - timedelta(minutes=widget.conversation_timeout_minutes)
        stale = Conversation.objects.filter(
            widget=widget, is_live=True, last_activity_at__lte=cutoff
        )
        for pk, operator_id in stale.values_list("pk", "assigned_operator_id"):
            _end_live(pk, live.END_INACTIVE)
            _drain_operator(operator_id)
            count += 1
    return count


def auto_end_waiting() -> int:
    """WAITING conversations without a contact reply for the widget's auto-end days end
    (R-INBOX-4). NEW and OPEN ones never end by themselves: the team owes a reply."""
    count = 0
    now = clock.now()
    for widget in Widget.objects.all():
        cutoff = now - timedelta(days=widget.auto_end_days)
        due = Conversation.objects.filter(
            widget=widget, status=Status.WAITING, status_changed_at__lte=cutoff
        ).select_related("account")
        for conversation in due:
            try:
                end_conversation(conversation, actor=Actor.system(conversation.account))
                count += 1
            except InvalidTransition:
                pass  # the contact wrote or someone ended it meanwhile
    return count


def _end_live(conversation_pk: int, reason: str) -> None:
    with transaction.atomic():
        conversation = timeline.lock(Conversation(pk=conversation_pk))
        entries = live.end_live(conversation, Actor.system(conversation.account), reason)
        if entries:
            persist_and_announce(conversation, entries)


def _drain_operator(operator_id: int | None) -> None:
    if operator_id is not None:
        operator = Operator.objects.select_related("account").get(pk=operator_id)
        drain_backlog(operator)


def _live_widget_ids():
    return Conversation.objects.filter(is_live=True).values("widget_id")
