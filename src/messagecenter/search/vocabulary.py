"""SQLite's vocabulary of indexed words (``search_term``, migration ``search.0004``).

Triggers add every word of a written document. Deleting documents calls ``forget_unused``
with their words: those that no document contains any more are removed, so a deleted
message's or an erased contact's words are not kept even as bare words.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

BATCH = 500


def forget_unused(words: Iterable[str]) -> None:
    """Remove the words no message, note or contact document contains any more."""
    words = sorted(set(words))
    if not words or connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for start in range(0, len(words), BATCH):
            for word in words[start : start + BATCH]:
                cursor.execute(
                    "DELETE FROM search_term WHERE term = %s"
                    " AND NOT EXISTS (SELECT 1 FROM search_message_fts"
                    "  WHERE search_message_fts MATCH %s)"
                    " AND NOT EXISTS (SELECT 1 FROM search_contact_fts"
                    "  WHERE search_contact_fts MATCH %s)",
                    [word, f'"{word}"', f'"{word}"'],
                )
