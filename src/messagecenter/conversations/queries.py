"""Read side: what clients fetch when they open or resume a view. No writes here."""

from __future__ import annotations

from django.db.models import QuerySet

from messagecenter.conversations.events import CONTACT_VISIBLE, contact_entry, entry_payload
from messagecenter.conversations.models import Conversation, Status, TimelineEntry

RESUME_LIMIT = 500


def entries_after(conversation: Conversation, after: int) -> QuerySet:
    return (
        TimelineEntry.objects.filter(conversation=conversation, seq__gt=max(after, 0))
        .select_related("message__connection", "note")
        .order_by("seq")
    )


def operator_entries_after(conversation: Conversation, after: int) -> list[dict]:
    """Up to RESUME_LIMIT entries; a client that got a full page asks again from the last."""
    return [entry_payload(e) for e in entries_after(conversation, after)[:RESUME_LIMIT]]


def contact_entries_after(conversation: Conversation, after: int) -> list[dict]:
    query = entries_after(conversation, after).filter(kind__in=list(CONTACT_VISIBLE))
    return [contact_entry(e) for e in query[:RESUME_LIMIT]]


def contact_conversations(contact, widget) -> QuerySet:
    """The messenger shows the contact's conversations of this widget, newest first."""
    return (
        Conversation.objects.filter(contact=contact, widget=widget)
        .select_related("assigned_operator")
        .order_by("-last_activity_at")
    )


def current_conversation(contact, widget) -> Conversation | None:
    """The conversation a new messenger message continues: the latest not ended, if any."""
    return contact_conversations(contact, widget).exclude(status=Status.ENDED).first()


def inbox(operator, tab: str) -> QuerySet:
    """R-INBOX-1: active conversations, Mine or Unassigned (of my groups or no group), in
    attention order: LIVE first, then NEW/OPEN by waiting time, then WAITING."""
    from django.db.models import Case, F, IntegerField, Q, Value, When

    query = Conversation.objects.filter(account_id=operator.account_id).exclude(status=Status.ENDED)
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
