"""Read side: what clients fetch when they open or resume a view. No writes here."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from messagecenter.conversations.events import entry_payloads
from messagecenter.conversations.models import (
    ACTIVE_STATUSES,
    Conversation,
    Message,
    Status,
    TimelineEntry,
)
from messagecenter.core import clock
from messagecenter.transports.webchat.events import CONTACT_VISIBLE, contact_entry

RESUME_LIMIT = 500


def entries_after(conversation: Conversation, after: int) -> QuerySet:
    return (
        TimelineEntry.objects.filter(conversation=conversation, seq__gt=max(after, 0))
        .select_related("message__connection", "note")
        .order_by("seq")
    )


def operator_entries_after(conversation: Conversation, after: int) -> list[dict]:
    """Up to RESUME_LIMIT entries; a client that got a full page asks again from the last."""
    return entry_payloads(list(entries_after(conversation, after)[:RESUME_LIMIT]))


def contact_entries_after(conversation: Conversation, after: int) -> list[dict]:
    query = entries_after(conversation, after).filter(kind__in=list(CONTACT_VISIBLE))
    # One query for the page's translations ("machine-translated", the original).
    query = query.prefetch_related("message__translations")
    return [contact_entry(e) for e in query[:RESUME_LIMIT]]


def contact_conversations(contact, connection, named: str | None = None) -> QuerySet:
    """The contact's conversations on this channel, newest first: those it started on, those
    transferred to it (a message came through it), and the one a transfer link names."""
    here = Q(connection=connection) | Exists(
        Message.objects.filter(conversation=OuterRef("pk"), connection=connection)
    )
    if named:
        here |= Q(public_id=named)
    return (
        Conversation.objects.filter(here, contact=contact, widget_id=connection.widget_id)
        .select_related("assigned_operator")
        .order_by("-last_activity_at")
    )


def continued_conversation(contact, connection, named: str | None = None) -> Conversation | None:
    """R-INBOX-4 (ours): the conversation the contact's next message on ``connection``
    continues when the channel names no thread (the messenger).

    The one a transfer link named (``$webtransfer``, the unread-reply e-mail), of any channel
    of the widget; else the latest conversation of this channel, ended or not, unless it ended
    longer ago than the widget's ``continue_ended_days``; ``None`` means a new one starts.
    """
    widget = connection.widget
    mine = Conversation.objects.filter(contact=contact, widget_id=connection.widget_id)
    continuable = _continuable(mine.order_by("-last_activity_at"), widget)
    if named:
        found = continuable.filter(public_id=named).first()
        if found is not None:
            return found
    return continuable.filter(connection=connection).first()


def _continuable(conversations: QuerySet, widget) -> QuerySet:
    if widget.continue_ended_days <= 0:
        return conversations.exclude(status=Status.ENDED)
    cutoff = clock.now() - timedelta(days=widget.continue_ended_days)
    return conversations.filter(~Q(status=Status.ENDED) | Q(ended_at__gte=cutoff))


def inbox(operator, tab: str) -> QuerySet:
    """R-INBOX-1: active conversations, Mine or Unassigned (of my groups or no group), in
    attention order: LIVE first, then NEW/OPEN by waiting time, then WAITING."""
    from django.db.models import Case, F, IntegerField, Q, Value, When

    query = Conversation.objects.filter(account_id=operator.account_id, status__in=ACTIVE_STATUSES)
    if tab == "mine":
        query = query.filter(assigned_operator=operator)
    else:
        groups = operator.groups.all()
        query = query.filter(assigned_operator__isnull=True).filter(
            Q(assigned_group__in=groups) | Q(assigned_group__isnull=True)
        )
    rank = Case(
        When(is_live=True, then=Value(0)),
        When(status__in=[Status.NEW, Status.OPEN], then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        query.annotate(rank=rank)
        .select_related("contact", "assigned_operator", "widget", "connection")
        # Explicit NULLS LAST: SQLite and PostgreSQL sort NULL differently by default.
        .order_by("rank", F("waiting_since").asc(nulls_last=True), "-last_activity_at", "pk")
    )
