"""Read side of the operator app's pages.

Every function here runs a fixed number of SQL queries whatever the data size: lists are one
query each (everything a row shows is joined in or computed by a subquery), so the inbox and
the conversation page cost the same with one conversation or thousands. Nothing here writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum

from messagecenter.accounts.models import Operator, OperatorGroup
from messagecenter.accounts.services import available_operators
from messagecenter.contacts.models import (
    Contact,
    ContactIdentity,
    CustomField,
    IdentityKind,
    PageView,
)
from messagecenter.conversations import queries
from messagecenter.conversations.events import entry_payload, entry_payloads
from messagecenter.conversations.models import (
    ACTIVE_STATUSES,
    Conversation,
    Message,
    Note,
    Status,
    TimelineEntry,
    Topic,
)
from messagecenter.core.scoping import get_scoped
from messagecenter.notifications.services import unread_count

TABS = ("mine", "unassigned")
INBOX_LIMIT = 200
TIMELINE_PAGE = 50
PAGE_VIEWS_SHOWN = 50
NEEDS_REPLY = (Status.NEW, Status.OPEN)


# --- the shell: badges, slots, presence ---------------------------------------------------


@dataclass
class ShellState:
    """What every app page shows around its content, and what the shell module keeps live:
    counts from one aggregate query (never the conversations themselves, so the shell costs
    the same with 10 or 1,000,000 conversations). The shell module keeps them exact from each
    ``conversation.changed``, which carries the conversation's state before and after."""

    me: str
    groups: list[str]
    mine: int
    unassigned: int
    # The inbox badge: my conversations owing a reply, plus everything unassigned.
    attention: int
    slots_used: int
    unread_notifications: int
    # R-OP-1: a brand-new operator starts Away and is told once what that means (the shell
    # sets it from the presence and the hint's cookie).
    away_hint: bool = False

    def as_json(self) -> dict:
        return {
            "me": self.me,
            "groups": self.groups,
            "counts": {
                "mine": self.mine,
                "unassigned": self.unassigned,
                "attention": self.attention,
                "slots_used": self.slots_used,
            },
            "unread": self.unread_notifications,
        }


def shell_state(operator: Operator) -> ShellState:
    """Three queries: my groups, the counts of my inbox, my unread notifications."""
    groups = list(operator.groups.values_list("pk", "public_id"))
    mine = Q(assigned_operator=operator)
    counts = _my_inbox(operator, [pk for pk, _ in groups]).aggregate(
        mine=Count("pk", filter=mine),
        unassigned=Count("pk", filter=Q(assigned_operator__isnull=True)),
        attention=Count(
            "pk", filter=Q(assigned_operator__isnull=True) | (mine & Q(status__in=NEEDS_REPLY))
        ),
        slots_used=Count("pk", filter=mine & Q(is_live=True)),
    )
    return ShellState(
        operator.public_id,
        [public_id for _, public_id in groups],
        unread_notifications=unread_count(operator),
        **counts,
    )


def _my_inbox(operator: Operator, group_ids: list[int] | None = None) -> QuerySet:
    """Active conversations of both inbox tabs (the same rule as ``queries.inbox``), in a
    form both databases answer from the inbox index, one search per OR branch."""
    groups = operator.groups.all() if group_ids is None else group_ids
    unassigned = Q(assigned_operator__isnull=True) & (
        Q(assigned_group__in=groups) | Q(assigned_group__isnull=True)
    )
    return Conversation.objects.filter(
        account_id=operator.account_id, status__in=ACTIVE_STATUSES
    ).filter(Q(assigned_operator=operator) | unassigned)


# --- the inbox list -------------------------------------------------------------------------


def inbox_rows(operator: Operator, tab: str, limit: int = INBOX_LIMIT) -> list[dict]:
    """One query: the tab's conversations in attention order with their last message."""
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-entry__seq")
    email = ContactIdentity.objects.filter(contact=OuterRef("contact_id"), kind=IdentityKind.EMAIL)
    query = (
        queries.inbox(operator, tab)
        .select_related("assigned_group")
        .annotate(
            preview=Subquery(last.values("body")[:1]),
            preview_author=Subquery(last.values("author_kind")[:1]),
            contact_email=Subquery(email.order_by("created_at", "id").values("value")[:1]),
        )
    )
    return [inbox_row(c) for c in query[:limit]]


def inbox_row(conversation: Conversation) -> dict:
    contact = conversation.contact
    return {
        "id": conversation.public_id,
        "contact": contact_label(contact, getattr(conversation, "contact_email", "")),
        "contact_id": contact.public_id,
        "subject": conversation.subject,
        "status": conversation.status,
        "live": conversation.is_live,
        "assigned_operator": _pid(conversation.assigned_operator),
        "assigned_group": _pid(conversation.assigned_group),
        "channel": conversation.connection.kind,
        "waiting_since": _iso(conversation.waiting_since),
        "last_activity_at": _iso(conversation.last_activity_at),
        "preview": _short(getattr(conversation, "preview", "") or ""),
        "preview_author": getattr(conversation, "preview_author", "") or "",
    }


def contact_label(contact: Contact, email: str | None = "") -> str:
    """A contact's name, else their e-mail, else "Visitor" and a short stable tag."""
    if contact.name:
        return contact.name
    if email:
        return email
    return f"#{contact.public_id[-5:]}"


def contact_values(contact: Contact) -> dict:
    """What the contact form shows: profile fields and identifiers; the custom fields come
    with their definitions (``custom_fields``)."""
    return {
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "custom": {k: "" if v is None else str(v) for k, v in contact.custom_fields.items()},
    }


def custom_fields(account_id: int) -> list[CustomField]:
    """The account's contact fields (R-CONV-6: e.g. a delivery address), in their order."""
    return list(CustomField.objects.filter(account_id=account_id))


# --- one conversation -----------------------------------------------------------------------


def conversation_for(operator: Operator, public_id: str) -> Conversation:
    """The conversation with everything its page header and sidebar show, or NotFound."""
    query = Conversation.objects.select_related(
        "contact", "widget", "connection", "assigned_operator", "assigned_group", "topic"
    ).prefetch_related("contact__identities")
    return get_scoped(query, operator.account, public_id)


def timeline_before(conversation: Conversation, before: int | None) -> tuple[list[dict], bool]:
    """The page of entries just before ``before`` (the newest page without it), oldest first,
    and whether older entries exist."""
    query = TimelineEntry.objects.filter(conversation=conversation)
    if before is not None:
        query = query.filter(seq__lt=before)
    page = list(
        query.select_related("message__connection", "note").order_by("-seq")[: TIMELINE_PAGE + 1]
    )
    more = len(page) > TIMELINE_PAGE
    return entry_payloads(list(reversed(page[:TIMELINE_PAGE]))), more


def timeline_entry(conversation: Conversation, seq: int) -> dict | None:
    entry = (
        TimelineEntry.objects.filter(conversation=conversation, seq=seq)
        .select_related("message__connection", "note")
        .first()
    )
    return entry_payload(entry) if entry else None


def sessions(conversation: Conversation) -> dict[int, dict]:
    return {
        s.number: {"live": s.was_live, "started_at": s.started_at.isoformat()}
        for s in conversation.sessions.all()
    }


def notes(conversation: Conversation) -> list[dict]:
    """The conversation's notes, oldest first (deleted ones are gone from the list)."""
    rows = (
        Note.objects.filter(conversation=conversation, deleted_at__isnull=True)
        .select_related("entry")
        .order_by("entry__seq")
    )
    return [
        {
            "seq": n.entry.seq,
            "html": n.html,
            "body": n.body,
            "author": n.entry.actor_id,
            "author_name": n.entry.actor_name,
            "at": n.entry.at.isoformat(),
            "edited": n.edited_at is not None,
        }
        for n in rows
    ]


@dataclass
class Visits:
    page_views: list[PageView]
    impressions: int
    visits: int


def visits(contact: Contact) -> Visits:
    """The contact's latest page views in chronological order, and their totals."""
    latest = list(
        PageView.objects.filter(contact=contact).order_by("-at", "-id")[:PAGE_VIEWS_SHOWN]
    )
    # A row counts its coalesced repeats (the same address again within a minute).
    totals = PageView.objects.filter(contact=contact).aggregate(n=Sum("count"), v=Max("visit"))
    return Visits(list(reversed(latest)), totals["n"] or 0, totals["v"] or 0)


def directory(operator: Operator) -> dict:
    """Names for the ids in timeline entries and the choices of the action bar."""
    account = operator.account_id
    operators = Operator.objects.filter(account_id=account).order_by("name")
    return {
        "operators": [
            {"id": o.public_id, "name": o.name, "presence": o.presence, "active": o.is_active}
            for o in operators.only("public_id", "name", "presence", "is_active")
        ],
        "groups": [
            {"id": g.public_id, "name": g.name}
            for g in OperatorGroup.objects.filter(account_id=account).order_by("name")
        ],
        "topics": [
            {"id": t.public_id, "name": t.name}
            for t in Topic.objects.filter(account_id=account).order_by("name")
        ],
    }


def conversation_state(conversation: Conversation) -> dict:
    """What the page header and the action bar show; sent back after every action."""
    return {
        "id": conversation.public_id,
        "contact": conversation.contact.public_id,
        "status": conversation.status,
        "live": conversation.is_live,
        "subject": conversation.subject,
        "topic": conversation.topic.public_id if conversation.topic_id else None,
        "locale": conversation.locale,
        "assigned_operator": _pid(conversation.assigned_operator),
        "assigned_group": conversation.assigned_group.public_id
        if conversation.assigned_group_id
        else None,
        "waiting_since": _iso(conversation.waiting_since),
        "last_seq": conversation.last_seq,
        # The channel's reply window runs from here (WhatsApp: 24 hours).
        "last_contact_at": _iso(conversation.last_contact_activity_at),
    }


# --- home -----------------------------------------------------------------------------------


@dataclass
class HomeStats:
    live: int
    needs_reply: int
    waiting: int
    unassigned: int
    longest_wait_since: datetime | None
    team_online: int
    team_size: int


def home_stats(operator: Operator) -> HomeStats:
    """Three queries: my inbox's counts, the team's availability, and its size."""
    mine = Q(assigned_operator=operator)
    owed = Q(status__in=NEEDS_REPLY)
    counts = _my_inbox(operator).aggregate(
        live=Count("id", filter=mine & Q(is_live=True)),
        needs_reply=Count("id", filter=mine & owed),
        waiting=Count("id", filter=mine & Q(status=Status.WAITING)),
        unassigned=Count("id", filter=Q(assigned_operator__isnull=True)),
        oldest=Min("waiting_since", filter=owed),
    )
    team = Operator.objects.filter(account_id=operator.account_id, is_active=True)
    return HomeStats(
        live=counts["live"],
        needs_reply=counts["needs_reply"],
        waiting=counts["waiting"],
        unassigned=counts["unassigned"],
        longest_wait_since=counts["oldest"],
        team_online=available_operators(operator.account).count(),
        team_size=team.count(),
    )


def _pid(obj) -> str | None:
    return obj.public_id if obj is not None else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


_MARKUP = re.compile(r"[*_`~]{1,3}")


def _short(text: str, limit: int = 140) -> str:
    """One line of a message for a list: Markdown marks and line breaks dropped."""
    text = " ".join(_MARKUP.sub("", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
