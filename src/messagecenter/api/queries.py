"""Read queries of the API: the conversation list (keyset-paginated) and the timeline.

Both are one SQL query each, whatever the page size: everything a page shows is joined in
(``select_related``), so the list's query count is constant (a test holds it there).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from messagecenter.conversations.models import Conversation, TimelineEntry
from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed

# Newest activity first; the id breaks ties so the order is total and a cursor is exact.
ORDER = ("-last_activity_at", "-id")


def conversation_page(
    actor: Actor,
    *,
    status: str | None = None,
    assigned: str | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> tuple[list[Conversation], str | None]:
    """One page of the account's conversations and the cursor of the next (None at the end).

    Keyset pagination: the next page starts strictly after the last row's (activity, id), so
    a conversation that moves while a client pages cannot shift the rows under it (no OFFSET
    duplicates or skips), and the database walks the (account, -activity, -id) index.
    """
    conversations = _filtered(actor, status, assigned)
    if cursor:
        at, pk = decode_cursor(cursor)
        conversations = conversations.filter(
            Q(last_activity_at__lt=at) | Q(last_activity_at=at, id__lt=pk)
        )
    rows = list(conversations[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1])


def timeline_page(
    conversation: Conversation, *, after: int, limit: int
) -> tuple[list[TimelineEntry], bool]:
    """Entries with ``seq > after`` ascending, and whether more follow. The sequence is
    gapless, so a client that keeps passing the last seq it saw misses nothing."""
    entries = list(
        TimelineEntry.objects.filter(conversation=conversation, seq__gt=after)
        .select_related("message__connection", "note")
        .order_by("seq")[: limit + 1]
    )
    return entries[:limit], len(entries) > limit


def encode_cursor(conversation: Conversation) -> str:
    raw = json.dumps([conversation.last_activity_at.isoformat(), conversation.pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        parsed = datetime.fromisoformat(at)
        # Bounded so a forged cursor cannot overflow the database's integer type.
        if parsed.tzinfo is None or not isinstance(pk, int) or not 0 < pk < 2**63:
            raise ValueError(cursor)
        return parsed, pk
    except (ValueError, TypeError, binascii.Error):
        raise ValidationFailed(
            _("This cursor is not valid. Use the next_cursor of a previous page."),
            code="invalid_cursor",
            field="cursor",
        ) from None


def _filtered(actor: Actor, status: str | None, assigned: str | None) -> QuerySet[Conversation]:
    conversations = (
        Conversation.objects.for_account(actor.account)
        .select_related("contact", "widget", "connection", "assigned_operator", "assigned_group")
        .order_by(*ORDER)
    )
    if status:
        conversations = conversations.filter(status=status)
    if assigned:
        conversations = conversations.filter(_assigned_filter(actor, assigned))
    return conversations


def _assigned_filter(actor: Actor, assigned: str) -> Q:
    if assigned == "unassigned":
        return Q(assigned_operator__isnull=True)
    if assigned == "me":
        if actor.operator is None:
            raise ValidationFailed(
                _("assigned=me needs a personal token; integrations are nobody's assignee."),
                field="assigned",
            )
        return Q(assigned_operator=actor.operator)
    # An operator id: the account filter above already keeps other accounts' ids empty.
    return Q(assigned_operator__public_id=assigned)
