"""SQLite: covering indexes from an FTS5 rowid to its conversation (or contact) and account.

A probe maps thousands of matching rowids to conversations; through the primary key each
mapping read a page of the wide document table. These narrow indexes hold all three numbers,
so the probe reads a few dense pages instead. PostgreSQL's probes read the table they filter
anyway and need nothing here.
"""

from django.db import migrations

INDEXES = {
    "search_message_probe": "search_messagedocument (entry_id, account_id, conversation_id)",
    "search_contact_probe": "search_contactdocument (contact_id, account_id)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name, target in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_backfill")]

    operations = [migrations.RunPython(create, drop)]
