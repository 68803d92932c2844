"""The SQL of each backend: the same questions, asked of FTS5 or of a GIN-indexed tsvector.

Every question takes query terms from ``search.text`` (already folded and stemmed), so both
backends answer identically; only the syntax differs. Correlated conditions refer to the
conversation table by its name, as Django writes it in the outer query. All SQL here is
literal text; every value is a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, transaction

from messagecenter.search.matching import encode
from messagecenter.search.text import QueryTerm

# A prefix starting more words than this stays a prefix query (merged by FTS5).
MAX_EXPANSION = 64


def fetch_column(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


class SQLiteBackend:
    """FTS5 tables over the document tables (rowid = entry id / contact id)."""

    def statements(self, source: str):
        """The count and the probe statement of one source (messages or contacts)."""
        if source == "messages":
            return self.count_messages, self.probe_messages
        return self.count_contacts, self.probe_contacts

    def choose(self, source, account_id, exact, query, *, selective, broad):
        """``(plan, ids)`` by counting: FTS5 counts lazily, so stopping at ``broad`` costs
        little, and the words alone are counted before their prefixes (whose lists FTS5
        merges first)."""
        count, probe = self.statements(source)
        if exact != query and fetch_column(*count(exact, broad + 1))[0] > broad:
            return "broad", None
        found = fetch_column(*count(query, broad + 1))[0]
        if found > broad:
            return "broad", None
        if found > selective:
            return "medium", None
        return "selective", fetch_column(*probe(account_id, query, selective + 1)) if found else []

    def expand(self, terms: Sequence[QueryTerm]) -> list[QueryTerm]:
        """Typed prefixes longer than FTS5's prefix index, as the words they start (from the
        vocabulary, see migration ``search.0004``), when there are not too many of them."""
        expanded = []
        for term in terms:
            prefix = term.prefix or ""
            words = self._words(prefix) if len(prefix) > 3 else None
            if words is None:
                expanded.append(term)
            else:
                # No word starts with it: the prefix as a word matches nothing, as it should.
                found = tuple(dict.fromkeys([*words, *term.exact])) or (prefix,)
                expanded.append(QueryTerm(None, found))
        return expanded

    def _words(self, prefix: str) -> list[str] | None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT term FROM search_term WHERE term >= %s AND term < %s LIMIT %s",
                [prefix, prefix + "\U0010ffff", MAX_EXPANSION + 1],
            )
            words = [row[0] for row in cursor.fetchall()]
        # A word that starts with the prefix but is no term yet (typed, not in any document)
        # still matches nothing: an empty expansion is an answer, not a failure.
        return words if len(words) <= MAX_EXPANSION else None

    def row_query(self, terms: Sequence[QueryTerm]) -> str:
        """The terms for the per-row match function."""
        return encode(terms)

    def query(self, terms: Sequence[QueryTerm], *, prefixes: bool = True) -> str:
        """FTS5 syntax: ``("bes"* OR "bestell") AND (...)``; terms are letters and digits.
        Without ``prefixes`` a typed word matches only itself (and its stems)."""
        groups = []
        for term in terms:
            star = "*" if prefixes else ""
            variants = [f'"{term.prefix}"{star}'] if term.prefix else []
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

    def statements(self, source: str):
        """The count and the probe statement of one source (messages or contacts)."""
        if source == "messages":
            return self.count_messages, self.probe_messages
        return self.count_contacts, self.probe_contacts

    def choose(self, source, account_id, exact, query, *, selective, broad):
        """``(plan, ids)``. Counting a common word in PostgreSQL means reading rows (about
        0.3 s for 50,000), so: the planner's estimate says when a word is clearly common (its
        statistics track common lexemes well); otherwise the GIN index lists the matches, up
        to ``selective``; beyond that the estimate decides between medium and broad."""
        _count, probe = self.statements(source)
        estimate = self._estimate(source, query)
        if estimate > 4 * broad:
            return "broad", None
        ids = _with_index(*probe(account_id, query, selective + 1))
        if len(ids) <= selective:
            return "selective", ids
        return ("medium" if estimate <= broad else "broad"), None

    def _estimate(self, source: str, query: str) -> int:
        sql = {
            "messages": "EXPLAIN (FORMAT JSON) SELECT 1 FROM search_messagedocument"
            " WHERE document @@ %s::tsquery",
            "contacts": "EXPLAIN (FORMAT JSON) SELECT 1 FROM search_contactdocument"
            " WHERE document @@ %s::tsquery",
        }[source]
        plan = fetch_column(sql, [query])[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return int(plan[0]["Plan"]["Plan Rows"])

    def expand(self, terms: Sequence[QueryTerm]) -> list[QueryTerm]:
        return list(terms)  # GIN matches prefixes itself, planned from statistics

    def row_query(self, terms: Sequence[QueryTerm]) -> str:
        return self.query(terms)

    def query(self, terms: Sequence[QueryTerm], *, prefixes: bool = True) -> str:
        """tsquery syntax: ``('bes':* | 'bestell') & (...)``."""
        groups = []
        for term in terms:
            star = ":*" if prefixes else ""
            variants = [f"{_lexeme(term.prefix)}{star}"] if term.prefix else []
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


# For the probe only: read the matches from the GIN index (a sequential scan finds a rare
# word's few rows only at the end of the table), without JIT or parallel workers, whose
# start-up costs more than the probe.
_INDEX_ONLY = {"enable_seqscan": "off", "jit": "off", "max_parallel_workers_per_gather": "0"}


def _with_index(sql: str, params: list) -> list:
    with transaction.atomic(), connection.cursor() as cursor:
        names = list(_INDEX_ONLY)
        cursor.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names)
        before = dict(zip(names, cursor.fetchone(), strict=True))
        _set(cursor, _INDEX_ONLY)
        cursor.execute(sql, params)
        rows = [row[0] for row in cursor.fetchall()]
        _set(cursor, before)  # SET LOCAL would last to the end of an enclosing transaction
    return rows


def _set(cursor, settings: dict[str, str]) -> None:
    marks = ", ".join(["set_config(%s, %s, true)"] * len(settings))
    cursor.execute("SELECT " + marks, [x for item in settings.items() for x in item])


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def current() -> SQLiteBackend | PostgresBackend:
    return PostgresBackend() if connection.vendor == "postgresql" else SQLiteBackend()
