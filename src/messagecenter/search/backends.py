"""The SQL of each backend: the same questions, asked of FTS5 or of a GIN-indexed tsvector.

Every question takes query terms from ``search.text`` (already folded and stemmed), so both
backends answer identically; only the syntax differs. Correlated conditions refer to the
conversation table by its name, as Django writes it in the outer query. All SQL here is
literal text; every value is a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection

from messagecenter.search.matching import encode
from messagecenter.search.text import QueryTerm


class SQLiteBackend:
    """FTS5 tables over the document tables (rowid = entry id / contact id)."""

    def row_query(self, terms: Sequence[QueryTerm]) -> str:
        """The terms for the per-row match function."""
        return encode(terms)

    def query(self, terms: Sequence[QueryTerm]) -> str:
        """FTS5 syntax: ``("bes"* OR "bestell") AND (...)``; terms are letters and digits."""
        groups = []
        for term in terms:
            variants = [f'"{term.prefix}"*'] if term.prefix else []
            variants += [f'"{exact}"' for exact in term.exact]
            groups.append("(" + " OR ".join(variants) + ")")
        return " AND ".join(groups)

    def probe_messages(self, account_id: int, query: str, limit: int) -> tuple[str, list]:
        return (
            "SELECT d.conversation_id FROM search_message_fts"
            " JOIN search_messagedocument d ON d.entry_id = search_message_fts.rowid"
            " WHERE search_message_fts MATCH %s AND d.account_id = %s LIMIT %s",
            [query, account_id, limit],
        )

    def probe_contacts(self, account_id: int, query: str, limit: int) -> tuple[str, list]:
        return (
            "SELECT c.contact_id FROM search_contact_fts"
            " JOIN search_contactdocument c ON c.contact_id = search_contact_fts.rowid"
            " WHERE search_contact_fts MATCH %s AND c.account_id = %s LIMIT %s",
            [query, account_id, limit],
        )

    def count_messages(self, query: str, limit: int) -> tuple[str, list]:
        """Matching documents of the whole index (all accounts), counted up to ``limit``: only
        to choose a plan, so it skips the join that scoping would need."""
        return (
            "SELECT COUNT(*) FROM (SELECT 1 FROM search_message_fts"
            " WHERE search_message_fts MATCH %s LIMIT %s)",
            [query, limit],
        )

    def count_contacts(self, query: str, limit: int) -> tuple[str, list]:
        return (
            "SELECT COUNT(*) FROM (SELECT 1 FROM search_contact_fts"
            " WHERE search_contact_fts MATCH %s LIMIT %s)",
            [query, limit],
        )

    def matching_conversations(self, account_id: int, query: str) -> tuple[str, list]:
        return (
            "SELECT d.conversation_id FROM search_message_fts"
            " JOIN search_messagedocument d ON d.entry_id = search_message_fts.rowid"
            " WHERE search_message_fts MATCH %s AND d.account_id = %s",
            [query, account_id],
        )

    def matching_contacts(self, account_id: int, query: str) -> tuple[str, list]:
        return (
            "SELECT c.contact_id FROM search_contact_fts"
            " JOIN search_contactdocument c ON c.contact_id = search_contact_fts.rowid"
            " WHERE search_contact_fts MATCH %s AND c.account_id = %s",
            [query, account_id],
        )

    # Per-conversation checks do not ask FTS5: a prefix term would make it merge the lists of
    # every word with that prefix again for each row. The few documents of a conversation are
    # tested by ``search.matching`` instead (an SQL function), by the same rule FTS5 applies.

    def message_exists(self, terms: str) -> tuple[str, list]:
        return (
            "EXISTS (SELECT 1 FROM search_messagedocument d"
            ' WHERE d.conversation_id = "conversations_conversation"."id"'
            " AND mc_search_match(d.document, %s))",
            [terms],
        )

    def contact_exists(self, terms: str) -> tuple[str, list]:
        return (
            "EXISTS (SELECT 1 FROM search_contactdocument c"
            ' WHERE c.contact_id = "conversations_conversation"."contact_id"'
            " AND mc_search_match(c.document, %s))",
            [terms],
        )

    def newest_matches(self, conversation_ids: Sequence[int], terms: str) -> tuple[str, list]:
        return (
            "SELECT d.conversation_id, MAX(d.entry_id) FROM search_messagedocument d"
            " WHERE d.conversation_id IN (SELECT value FROM json_each(%s))"
            " AND mc_search_match(d.document, %s)"
            " GROUP BY d.conversation_id",
            [json.dumps(list(conversation_ids)), terms],
        )


class PostgresBackend:
    """``tsvector`` columns with GIN indexes; queries cast verbatim to ``tsquery`` (no
    parser, no dictionary: the lexemes are exactly the terms)."""

    def row_query(self, terms: Sequence[QueryTerm]) -> str:
        return self.query(terms)

    def query(self, terms: Sequence[QueryTerm]) -> str:
        """tsquery syntax: ``('bes':* | 'bestell') & (...)``."""
        groups = []
        for term in terms:
            variants = [f"{_lexeme(term.prefix)}:*"] if term.prefix else []
            variants += [_lexeme(exact) for exact in term.exact]
            groups.append("(" + " | ".join(variants) + ")")
        return " & ".join(groups)

    def probe_messages(self, account_id: int, query: str, limit: int) -> tuple[str, list]:
        return (
            "SELECT conversation_id FROM search_messagedocument"
            " WHERE account_id = %s AND document @@ %s::tsquery LIMIT %s",
            [account_id, query, limit],
        )

    def probe_contacts(self, account_id: int, query: str, limit: int) -> tuple[str, list]:
        return (
            "SELECT contact_id FROM search_contactdocument"
            " WHERE account_id = %s AND document @@ %s::tsquery LIMIT %s",
            [account_id, query, limit],
        )

    def count_messages(self, query: str, limit: int) -> tuple[str, list]:
        return (
            "SELECT COUNT(*) FROM (SELECT 1 FROM search_messagedocument"
            " WHERE document @@ %s::tsquery LIMIT %s) AS found",
            [query, limit],
        )

    def count_contacts(self, query: str, limit: int) -> tuple[str, list]:
        return (
            "SELECT COUNT(*) FROM (SELECT 1 FROM search_contactdocument"
            " WHERE document @@ %s::tsquery LIMIT %s) AS found",
            [query, limit],
        )

    def matching_conversations(self, account_id: int, query: str) -> tuple[str, list]:
        return (
            "SELECT conversation_id FROM search_messagedocument"
            " WHERE account_id = %s AND document @@ %s::tsquery",
            [account_id, query],
        )

    def matching_contacts(self, account_id: int, query: str) -> tuple[str, list]:
        return (
            "SELECT contact_id FROM search_contactdocument"
            " WHERE account_id = %s AND document @@ %s::tsquery",
            [account_id, query],
        )

    def message_exists(self, query: str) -> tuple[str, list]:
        return (
            "EXISTS (SELECT 1 FROM search_messagedocument d"
            ' WHERE d.conversation_id = "conversations_conversation"."id"'
            " AND d.document @@ %s::tsquery)",
            [query],
        )

    def contact_exists(self, query: str) -> tuple[str, list]:
        return (
            "EXISTS (SELECT 1 FROM search_contactdocument c"
            ' WHERE c.contact_id = "conversations_conversation"."contact_id"'
            " AND c.document @@ %s::tsquery)",
            [query],
        )

    def newest_matches(self, conversation_ids: Sequence[int], query: str) -> tuple[str, list]:
        return (
            "SELECT conversation_id, MAX(entry_id) FROM search_messagedocument"
            " WHERE conversation_id = ANY(%s) AND document @@ %s::tsquery"
            " GROUP BY conversation_id",
            [list(conversation_ids), query],
        )


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def current() -> SQLiteBackend | PostgresBackend:
    return PostgresBackend() if connection.vendor == "postgresql" else SQLiteBackend()
