"""The contact list's search box: the archive's search over contact profiles, plus
substrings of identifiers.

Words are looked up in the search index's contact documents (``messagecenter.search``:
folded, stemmed and prefix-matched, so "mueller" finds "Müller" and "Strasse" finds
"Straße"), the same rules as the archive's search box. Substrings of name, company, customer
id and identifiers (e-mail, phone, messenger id) match too: that finds part of an e-mail
address, and contacts written past the index (bulk imports do not fire model signals). A
phone number typed the way people write it ("0151 2345 6789") finds its stored E.164 form.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from messagecenter.contacts.identities import normalise_phone
from messagecenter.contacts.models import ContactIdentity
from messagecenter.core.errors import ValidationFailed

MAX_QUERY = 200
# Words matching more contacts than this are too common to list by id; the substring match
# still narrows the list (the archive treats such words the same way).
INDEX_LIMIT = 5000


def matching(account, contacts: QuerySet, text: str) -> QuerySet:
    """``contacts`` narrowed to those matching ``text``; all of them for an empty text.
    Costs one index probe plus the list's own query, whatever the data size."""
    text = (text or "").strip()[:MAX_QUERY]
    if not text:
        return contacts
    condition = _substrings(text)
    indexed = _indexed(account, text)
    if indexed:
        condition |= Q(pk__in=indexed)
    return contacts.filter(condition)


def _substrings(text: str) -> Q:
    # A WhatsApp user id's username and number are attributes beside it.
    values = Q(value__icontains=text) | Q(attributes__username__icontains=text)
    phone = _as_phone(text)
    if phone:
        values |= Q(value=phone) | Q(attributes__phone=phone)
    identity = ContactIdentity.objects.filter(values, contact=OuterRef("pk"))
    return (
        Q(name__icontains=text)
        | Q(company__icontains=text)
        | Q(customer_id__icontains=text)
        | Q(Exists(identity))
    )


def _indexed(account, text: str) -> list[int]:
    """Contacts whose profile document holds every word, from the archive's search index."""
    try:
        from messagecenter.search import backends
        from messagecenter.search.text import query_terms
    except ImportError:  # an installation without the search app: substrings only
        return []
    terms = query_terms(text)
    if not terms:
        return []
    backend = backends.current()
    sql, params = backend.probe_contacts(account.pk, backend.query(terms), INDEX_LIMIT + 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) <= INDEX_LIMIT else []


def _as_phone(text: str) -> str:
    if sum(ch.isdigit() for ch in text) < 6:
        return ""
    try:
        return normalise_phone(text)
    except ValidationFailed:
        return ""
