"""SQLite: a vocabulary of the indexed terms, to expand typed prefixes into words.

FTS5 answers a prefix it has no prefix index for ("lief"*) by merging the lists of every word
with that prefix before returning the first row: about a second for a common prefix in ten
million messages. The same question as "lieferung" OR "lieferadresse" OR … is answered
lazily, and this table (filled by triggers from the documents) lists those words by a range
scan. ``search.indexing`` removes words no document contains any more when documents are
deleted or erased. PostgreSQL needs none of this: its planner estimates prefixes from
statistics and its GIN index matches them.
"""

from django.db import migrations

TERMS = "json_each('[\"' || replace(new.document, ' ', '\",\"') || '\"]')"
STATEMENTS = [
    "CREATE TABLE IF NOT EXISTS search_term (term TEXT PRIMARY KEY) WITHOUT ROWID",
    *[
        f"""CREATE TRIGGER IF NOT EXISTS search_{name}_terms_{when[0].lower()} AFTER {when} ON
            search_{name}document WHEN new.document != '' BEGIN
            INSERT OR IGNORE INTO search_term (term) SELECT value FROM {TERMS};
        END"""
        for name in ("message", "contact")
        for when in ("INSERT", "UPDATE")
    ],
]
BACKFILL = (
    "INSERT OR IGNORE INTO search_term (term) SELECT terms.value FROM search_{name}document d,"
    " json_each('[\"' || replace(d.document, ' ', '\",\"') || '\"]') AS terms"
    " WHERE d.document != ''"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in STATEMENTS:
        schema_editor.execute(statement)
    for name in ("message", "contact"):
        schema_editor.execute(BACKFILL.format(name=name))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in ("message", "contact"):
        for suffix in ("i", "u"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS search_{name}_terms_{suffix}")
    schema_editor.execute("DROP TABLE IF EXISTS search_term")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_sqlite_covering_indexes")]

    operations = [migrations.RunPython(create, drop)]
