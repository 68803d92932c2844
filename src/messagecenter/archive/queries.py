"""Read side of All conversations: pages, counts and selections. Nothing here writes.

A page is newest activity first with keyset pagination: the cursor is the last row's
(last activity, id), and the next page continues strictly below it, so page 1,000 costs what
page 1 costs (no OFFSET). A page runs a fixed number of queries whatever the data size: the
filter choices (4), the search probes (2, when searching), the page's ids (1), the rows with
everything a row shows joined in (1), and the search snippets (at most 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.core import signing
from django.db.models import OuterRef, Q, QuerySet, Subquery

from messagecenter.archive.filters import ArchiveFilter
from messagecenter.contacts.models import ContactIdentity, IdentityKind
from messagecenter.conversations.models import Conversation, Message
from messagecenter.search.query import Search, search
from messagecenter.search.snippets import Snippet

PAGE_SIZE = 50
BATCH_SIZE = 200
PREVIEW_LENGTH = 140
_CURSOR_SALT = "archive.cursor"
# What a row shows (and search snippets read): no other columns are loaded or decoded. Names
# of operators, groups, topics and widgets come from the filter form, which has them anyway:
# fewer joins keep the statement cheap to plan (PostgreSQL planned a 7-table join longer than
# it ran it).
ROW_FIELDS = (
    "public_id", "account_id", "contact_id", "status", "is_live", "locale", "rating", "feedback",
    "last_activity_at", "assigned_operator_id", "assigned_group_id", "topic_id", "widget_id",
    "contact__public_id", "contact__name", "contact__company", "contact__customer_id",
    "contact__postcode", "contact__country", "connection__kind",
)  # fmt: skip


@dataclass
class Page:
    rows: list[Conversation]
    next_cursor: str
    search: Search
    snippets: dict[int, Snippet] = field(default_factory=dict)


def matching(filters: ArchiveFilter) -> tuple[QuerySet, Search]:
    """The conversations a filter (with its search box) selects, unordered."""
    found = search(filters.account, filters.search_text)
    return found.apply(Conversation.objects.filter(filters.condition())), found


def page(filters: ArchiveFilter, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """One page in two steps: which rows (ids only, sorted and cut to the page), then
    everything those rows show. In one step SQLite computed the row's subqueries for every
    candidate before sorting (5,000 of them for a selective search)."""
    conversations, found = matching(filters)
    ordered = after(newest_first(conversations), decode_cursor(cursor))
    ids = list(ordered.values_list("pk", flat=True)[: size + 1])
    more = len(ids) > size
    by_id = {c.pk: c for c in _for_rows(Conversation.objects.filter(pk__in=ids[:size]))}
    rows = [by_id[pk] for pk in ids[:size] if pk in by_id]
    return Page(
        rows=rows,
        next_cursor=encode_cursor(rows[-1]) if more else "",
        search=found,
        snippets=found.snippets(rows),
    )


def newest_first(conversations: QuerySet) -> QuerySet:
    return conversations.order_by("-last_activity_at", "-id")


def after(conversations: QuerySet, position: tuple[datetime, int] | None) -> QuerySet:
    """Rows strictly below ``position`` in (last activity, id) order. The redundant ``<=``
    lets both databases seek the index instead of scanning up to the position."""
    if position is None:
        return conversations
    at, pk = position
    return conversations.filter(last_activity_at__lte=at).filter(
        Q(last_activity_at__lt=at) | Q(pk__lt=pk)
    )


def encode_cursor(conversation: Conversation) -> str:
    return signing.dumps(
        [conversation.last_activity_at.isoformat(), conversation.pk], salt=_CURSOR_SALT
    )


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """None for no cursor or one that was tampered with (the first page, then)."""
    if not cursor:
        return None
    try:
        at, pk = signing.loads(cursor, salt=_CURSOR_SALT)
        return datetime.fromisoformat(at), int(pk)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def _for_rows(conversations: QuerySet) -> QuerySet:
    """Everything a row shows in the same query: names by join, the contact's first e-mail
    and the last message by correlated subqueries (each an index lookup per row)."""
    email = ContactIdentity.objects.filter(
        contact_id=OuterRef("contact_id"), kind=IdentityKind.EMAIL
    ).order_by("created_at", "id")
    last_message = Message.objects.filter(
        conversation_id=OuterRef("pk"), deleted_at__isnull=True
    ).order_by("-entry_id")
    return (
        conversations.select_related("contact", "connection")
        .only(*ROW_FIELDS)
        .annotate(
            contact_email=Subquery(email.values("value")[:1]),
            preview=Subquery(last_message.values("body")[:1]),
        )
    )


def count(filters: ArchiveFilter) -> int:
    """How many conversations match ("select all matching", the delete confirmation)."""
    conversations, _found = matching(filters)
    return conversations.count()


def in_batches(
    conversations: QuerySet,
    size: int = BATCH_SIZE,
    position: tuple[datetime, int] | None = None,
) -> Iterator[list[Conversation]]:
    """All of a selection (after ``position``, where a resumed job left off), newest first,
    ``size`` rows per query (constant memory). Jobs change status, topic or assignment,
    never the last activity, so walking by the cursor neither skips nor repeats a row
    while the job works on them."""
    conversations = newest_first(conversations).select_related("account", "contact")
    while True:
        batch = list(after(conversations, position)[:size])
        if not batch:
            return
        yield batch
        position = (batch[-1].last_activity_at, batch[-1].pk)
