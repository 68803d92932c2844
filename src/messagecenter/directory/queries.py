"""The read side of the contact list: filtered and keyset-paginated.

The list runs a fixed number of queries whatever the page holds: one for the rows (counts,
last activity and the verified flag are subqueries of that one), one for their e-mail and
phone identities, one for the total, and one search index probe when the search box is used.
Pages continue after the last row's (created_at, id) rather than skipping an OFFSET, so
page 500 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from messagecenter.contacts.models import Contact, ContactIdentity, IdentityKind
from messagecenter.conversations.models import Conversation, Message
from messagecenter.core.scoping import get_scoped
from messagecenter.directory import search

PAGE_SIZE = 50
SHOWN_IDENTITIES = (IdentityKind.EMAIL, IdentityKind.PHONE, IdentityKind.WHATSAPP)


@dataclass(frozen=True)
class ContactPage:
    rows: list[Contact]
    total: int
    next_cursor: str


def contact_page(account, filters: dict, cursor: str = "") -> ContactPage:
    """One page of the account's contacts, newest first, narrowed by ``filters``."""
    contacts = filtered(account, filters)
    total = contacts.count()
    page = _after(contacts, cursor).order_by("-created_at", "-pk")
    rows = list(_annotated(page)[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return ContactPage(rows, total, encode_cursor(rows[-1]) if more else "")


def filtered(account, filters: dict) -> QuerySet:
    """The account's contacts matching the list's search box and filters."""
    everyone: QuerySet = Contact.objects.for_account(account)
    contacts = search.matching(account, everyone, filters.get("q", ""))
    conditions = [
        _messages_between(filters.get("since"), filters.get("until")),
        _verified(filters.get("verified", "")),
        _blocked(filters.get("blocked", "")),
        _has(IdentityKind.EMAIL) if filters.get("has_email") else None,
        _has(IdentityKind.PHONE) if filters.get("has_phone") else None,
        _channel(filters.get("channel", "")),
    ]
    for condition in conditions:
        if condition is not None:
            contacts = contacts.filter(condition)
    return contacts


def selected(account, public_ids: list[str]) -> list[Contact]:
    """The contacts ticked in the list, in one query; unknown and foreign ids drop out."""
    return list(Contact.objects.for_account(account).filter(public_id__in=public_ids[:500]))


# --- the row annotations ------------------------------------------------------------------


def _annotated(contacts: QuerySet) -> QuerySet:
    conversations = Conversation.objects.filter(contact=OuterRef("pk"))
    count = conversations.order_by().values("contact").annotate(n=Count("pk")).values("n")
    latest = conversations.order_by("-last_activity_at").values("last_activity_at")[:1]
    shown = ContactIdentity.objects.filter(kind__in=SHOWN_IDENTITIES)
    return contacts.annotate(
        conversation_count=Coalesce(Subquery(count), Value(0)),
        # The later of their last conversation activity and their last messenger visit;
        # Coalesce on both sides because SQLite's MAX() is NULL when either side is.
        last_activity=Greatest(
            Coalesce(Subquery(latest), F("last_seen_at")),
            Coalesce(F("last_seen_at"), Subquery(latest)),
        ),
        verified=Exists(_verified_identities()),
    ).prefetch_related(Prefetch("identities", queryset=shown))


def _verified_identities() -> QuerySet:
    """R-CONTACT-2: a verified e-mail (code or link), or a WhatsApp number."""
    return ContactIdentity.objects.filter(
        Q(verified_at__isnull=False) | Q(kind=IdentityKind.WHATSAPP), contact=OuterRef("pk")
    )


# --- filters ------------------------------------------------------------------------------


def _messages_between(since: date | None, until: date | None):
    """Contacts with a message (theirs or ours) in their conversations in the date range,
    whole days in the operator's time zone."""
    if since is None and until is None:
        return None
    messages = Message.objects.filter(conversation__contact=OuterRef("pk"))
    if since is not None:
        messages = messages.filter(entry__at__gte=_day_start(since))
    if until is not None:
        messages = messages.filter(entry__at__lt=_day_start(until + timedelta(days=1)))
    return Exists(messages)


def _verified(value: str):
    if value not in ("yes", "no"):
        return None
    condition = Exists(_verified_identities())
    return condition if value == "yes" else ~condition


def _blocked(value: str):
    return Q(blocked=value == "yes") if value in ("yes", "no") else None


def _has(kind: str):
    return Exists(ContactIdentity.objects.filter(contact=OuterRef("pk"), kind=kind))


def _channel(kind: str):
    if not kind:
        return None
    return Exists(Conversation.objects.filter(contact=OuterRef("pk"), connection__kind=kind))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


# --- keyset cursor ------------------------------------------------------------------------


def encode_cursor(contact: Contact) -> str:
    raw = f"{contact.created_at.isoformat()}|{contact.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(contacts: QuerySet, cursor: str) -> QuerySet:
    """Rows after the cursor in (-created_at, -id) order; a damaged cursor means page one."""
    decoded = _decode_cursor(cursor)
    if decoded is None:
        return contacts
    created_at, pk = decoded
    return contacts.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))


def _decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        created_at = datetime.fromisoformat(stamp)
        return (created_at, int(pk)) if created_at.tzinfo else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def contact_for(account, public_id: str, queryset=None) -> Contact:
    """The account's contact, or ``NotFound`` (another account's id included)."""
    source = queryset if queryset is not None else Contact.objects.all()
    return get_scoped(source, account, public_id)
