"""The one search function: which conversations match the search box, and why.

A conversation matches when one of its messages or notes contains all query words, or its
contact's profile (name, company, customer ID, country, postcode, e-mail) does, or, when the
query is a phone number, its contact has that number (compared in E.164, exactly).

Results keep the list's own order (newest activity first, keyset pagination): the search only
narrows the conversation queryset. How it narrows depends on how common the words are, which
cheap probes of the text index find out first, for messages and for contacts:

- *selective* (rare words, at most ``SELECTIVE_LIMIT`` documents in the account): the probe
  returned the matching conversations; the page is those, sorted;
- *medium* (up to ``BROAD_FROM`` documents): the database collects the matching conversations
  once per page and walks the newest conversations against that set;
- *broad* (common words): the page walks conversations newest first (the btree on account +
  time) and keeps those with a match, checked per conversation — its cost grows with
  50 / share of matching conversations, which is small because the words are common.

Either way a page costs a bounded number of queries whatever the data size.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from functools import reduce

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from messagecenter.contacts.identities import normalise_phone
from messagecenter.contacts.models import ContactIdentity, IdentityKind
from messagecenter.core.errors import ValidationFailed
from messagecenter.search import backends
from messagecenter.search.snippets import Snippet, contact_snippet, phone_snippet, text_snippet
from messagecenter.search.text import QueryTerm, query_terms

# Up to this many matching documents, their conversations are listed (selective plan);
# up to BROAD_FROM, the database collects them once per page (medium); beyond, the page walks
# the newest conversations and checks each (broad): a common word matches early.
SELECTIVE_LIMIT = 5000
BROAD_FROM = 50_000
PLANS = ["none", "phone", "selective", "medium", "broad"]
_PHONE = re.compile(r"^\+?[\d\s()./-]{6,32}$")
PHONE_KINDS = (IdentityKind.PHONE, IdentityKind.WHATSAPP)


@dataclass
class Search:
    """A parsed search: ``apply`` narrows a conversation queryset, ``snippets`` explains a
    page of results. ``plan`` says how it runs: none, phone, selective, medium or broad."""

    text: str
    terms: list[QueryTerm] = field(default_factory=list)
    phone: str = ""
    plan: str = "none"
    condition: Q | None = None
    row_query: str = ""

    @property
    def active(self) -> bool:
        return self.plan != "none"

    def apply(self, conversations: QuerySet) -> QuerySet:
        return conversations if self.condition is None else conversations.filter(self.condition)

    def snippets(self, page: list) -> dict[int, Snippet]:
        """Why each conversation of ``page`` matched, highlighted (two queries at most)."""
        if not self.active or not page:
            return {}
        if self.plan == "phone":
            return {c.pk: phone_snippet(self.phone) for c in page}
        found = _message_snippets(page, self.row_query, self.terms)
        missing = [c for c in page if c.pk not in found]
        if missing:
            found.update(_contact_snippets(missing, self.terms))
        return found


def search(account, text: str) -> Search:
    """Parse the search box and probe the index (a few small, bounded queries)."""
    text = (text or "").strip()
    if not text:
        return Search(text)
    phone = _as_phone(text)
    if phone:
        # A WhatsApp user id keeps the number WhatsApp told beside it as an attribute.
        numbers = ContactIdentity.objects.filter(
            Q(kind__in=PHONE_KINDS, value=phone)
            | Q(kind=IdentityKind.WHATSAPP, attributes__phone=phone),
            account=account,
        ).values("contact_id")
        return Search(text, phone=phone, plan="phone", condition=Q(contact_id__in=numbers))
    terms = query_terms(text)
    if not terms:
        return Search(text)
    return _text_search(account, text, terms)


def _text_search(account, text: str, terms: list[QueryTerm]) -> Search:
    backend = backends.current()
    expanded = backend.expand(terms)
    query, row_query = backend.query(expanded), backend.row_query(terms)
    exact = backend.query(terms, prefixes=False)
    messages = _source_plan(backend, "messages", account.pk, exact, query, row_query)
    contacts = _source_plan(backend, "contacts", account.pk, exact, query, row_query)
    parts = [part for _plan, part in (messages, contacts) if part is not None]
    # No match anywhere: a condition nothing satisfies (Django answers it without a query).
    condition = reduce(operator.or_, parts) if parts else Q(pk__in=[])
    plan = max(messages[0], contacts[0], key=PLANS.index)
    return Search(text, terms=terms, plan=plan, condition=condition, row_query=row_query)


def _source_plan(backend, source: str, account_id: int, exact: str, query: str, row_query: str):
    """How to find the conversations matching one source (message or contact documents):
    ``(plan, condition)``, the condition ``None`` when nothing matches. The backend picks the
    plan from the index's own answers (see ``choose`` of each backend)."""
    plan, ids = backend.choose(
        source, account_id, exact, query, selective=SELECTIVE_LIMIT, broad=BROAD_FROM
    )
    column = "pk" if source == "messages" else "contact_id"
    if plan == "broad":
        exists = backend.message_exists if source == "messages" else backend.contact_exists
        return plan, _condition(*exists(row_query))
    if plan == "medium":
        collect = (
            backend.matching_conversations if source == "messages" else backend.matching_contacts
        )
        return plan, Q(**{f"{column}__in": RawSQL(*collect(account_id, query))})  # noqa: S611
    return plan, (Q(**{f"{column}__in": sorted(set(ids))}) if ids else None)


def _as_phone(text: str) -> str:
    """E.164 when the text is a phone number in any common notation, else empty."""
    if not _PHONE.match(text) or sum(c.isdigit() for c in text) < 6:
        return ""
    try:
        return normalise_phone(text)
    except ValidationFailed:
        return ""  # digits, but no valid number (an order number?): search them as words


def _condition(sql: str, params: list) -> Q:
    # The SQL is one of the backends' literal statements; the terms travel as parameters.
    return Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611


def _message_snippets(page: list, query: str, terms: list[QueryTerm]) -> dict[int, Snippet]:
    from messagecenter.conversations.models import TimelineEntry

    sql, params = backends.current().newest_matches([c.pk for c in page], query)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        newest = dict(cursor.fetchall())
    if not newest:
        return {}
    entries = TimelineEntry.objects.filter(pk__in=newest.values()).select_related("message", "note")
    return {entry.conversation_id: text_snippet(entry, terms) for entry in entries}


def _contact_snippets(page: list, terms: list[QueryTerm]) -> dict[int, Snippet]:
    emails: dict[int, list[str]] = {}
    identities = ContactIdentity.objects.filter(
        contact_id__in={c.contact_id for c in page}, kind=IdentityKind.EMAIL
    ).values_list("contact_id", "value")
    for contact_id, value in identities:
        emails.setdefault(contact_id, []).append(value)
    return {c.pk: contact_snippet(c.contact, emails.get(c.contact_id, []), terms) for c in page}
