"""Read queries of the API: keyset pages of every list, and the timeline.

Each page is one SQL query, whatever the page size: everything a page shows is joined in
(``select_related``), so the list's query count is constant (a test holds it there).

Every list pages the same way (``keyset_page``): newest first by one timestamp (or oldest
first by id for settings-like lists), the id breaking ties so the order is total, and the
next page starting strictly after the last row. No OFFSET: rows that move or appear while a
client pages never shift the rows under it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from messagecenter.conversations.models import Conversation, TimelineEntry
from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The same shapes as schemas.TIMED_CURSOR and schemas.ID_CURSOR.
_TIMED = re.compile(r"([0-9]{1,16})\.([0-9]{1,18})")
_BY_ID = re.compile(r"([0-9]{1,18})")


def conversation_page(
    actor: Actor,
    *,
    status: str | None = None,
    assigned: str | None = None,
    contact: str | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> tuple[list[Conversation], str | None]:
    """One page of the account's conversations and the cursor of the next (None at the end).

    Keyset pagination: the next page starts strictly after the last row's (activity, id), so
    a conversation that moves while a client pages cannot shift the rows under it (no OFFSET
    duplicates or skips), and the database walks the (account, -activity, -id) index.
    """
    conversations = _filtered(actor, status, assigned)
    if contact:
        # Inside the account already: another account's contact id finds nothing.
        conversations = conversations.filter(contact__public_id=contact)
    return keyset_page(conversations, "last_activity_at", cursor, limit)


def keyset_page(
    rows: QuerySet, field: str | None, cursor: str | None, limit: int
) -> tuple[list, str | None]:
    """One page of ``rows``: newest ``field`` first (id breaking ties), or by ascending id
    when ``field`` is None; and the cursor of the next page (None on the last)."""
    order = (f"-{field}", "-id") if field else ("id",)
    rows = rows.order_by(*order)
    if cursor:
        rows = rows.filter(_after(field, cursor))
    found = list(rows[: limit + 1])
    if len(found) <= limit:
        return found, None
    found = found[:limit]
    return found, encode_cursor(found[-1], field)


def _after(field: str | None, cursor: str) -> Q:
    at, pk = decode_cursor(cursor, timed=field is not None)
    if field is None:
        return Q(id__gt=pk)
    return Q(**{f"{field}__lt": at}) | Q(**{field: at, "id__lt": pk})


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


def encode_cursor(row, field: str | None = "last_activity_at") -> str:
    """``<microseconds since 1970>.<id>`` (a time-ordered list) or ``<id>``: plain numbers, so
    the API's schema can describe every valid cursor (``schemas.TIMED_CURSOR``)."""
    if field is None:
        return str(row.pk)
    at = getattr(row, field) - EPOCH
    micros = (at.days * 86_400 + at.seconds) * 1_000_000 + at.microseconds
    return f"{micros}.{row.pk}"


def decode_cursor(cursor: str, *, timed: bool = True) -> tuple[datetime | None, int]:
    """The position a cursor names; any well-formed cursor is a position (rows that no
    longer exist still have their place in the order)."""
    match = (_TIMED if timed else _BY_ID).fullmatch(cursor or "")
    if match is None:
        raise ValidationFailed(
            _("This cursor is not valid. Use the next_cursor of a previous page."),
            code="invalid_cursor",
            field="cursor",
        )
    if not timed:
        return None, int(match.group(1))
    return EPOCH + timedelta(microseconds=int(match.group(1))), int(match.group(2))


def _filtered(actor: Actor, status: str | None, assigned: str | None) -> QuerySet[Conversation]:
    conversations = Conversation.objects.for_account(actor.account).select_related(
        "contact", "widget", "connection", "assigned_operator", "assigned_group"
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
