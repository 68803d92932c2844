"""The column holding a document's index terms, in each backend's native form."""

from __future__ import annotations

from django.db import models


def is_postgres(connection) -> bool:
    return connection.vendor == "postgresql"


class DocumentField(models.Field):
    """Index terms (a list of strings from ``search.text``).

    PostgreSQL: a ``tsvector`` built with ``array_to_tsvector``, which takes the terms as they
    are (no parser, no stemming: ``search.text`` did both). SQLite: the terms joined by
    spaces, the content an FTS5 table indexes (see the migration). Written, never read back
    on PostgreSQL.
    """

    description = "search index terms"

    def db_type(self, connection) -> str:
        return "tsvector" if is_postgres(connection) else "text"

    def get_placeholder(self, value, compiler, connection) -> str:
        return "array_to_tsvector(%s::text[])" if is_postgres(connection) else "%s"

    def get_db_prep_value(self, value, connection, prepared=False):
        terms = list(value or [])
        return terms if is_postgres(connection) else " ".join(terms)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return []
        return value.split() if isinstance(value, str) and not is_postgres(connection) else value
