"""Matching one stored document against query terms in Python, for SQLite.

SQLite answers "which documents contain these words" with FTS5. For "does *this*
conversation's document match", FTS5 would expand every prefix term again per row, so the
archive's per-conversation checks call this function instead (registered as the SQL function
``mc_search_match`` on every SQLite connection). It applies the rule FTS5 applies: every
query term must match some stored term, as a prefix or exactly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

from messagecenter.search.text import QueryTerm

MATCH_FUNCTION = "mc_search_match"


def encode(terms: Sequence[QueryTerm]) -> str:
    return json.dumps([[term.prefix, list(term.exact)] for term in terms])


@lru_cache(maxsize=256)
def _decode(encoded: str) -> tuple[tuple[str | None, frozenset[str]], ...]:
    return tuple((prefix, frozenset(exact)) for prefix, exact in json.loads(encoded))


def matches(document: str | None, encoded: str) -> bool:
    if not document:
        return False
    stored = document.split(" ")
    present = set(stored)
    for prefix, exact in _decode(encoded):
        if exact & present:
            continue
        if prefix is not None and any(term.startswith(prefix) for term in stored):
            continue
        return False
    return True


def register(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: install the function on new SQLite connections."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(MATCH_FUNCTION, 2, matches, deterministic=True)
