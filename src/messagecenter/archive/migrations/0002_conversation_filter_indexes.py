"""Indexes for the All conversations filters, on the conversations table.

The list is newest activity first with keyset pagination. Filtering by operator or by status
walks these instead of the whole account: equality first, then the list's own order, so a
filtered page stops after 50 rows however many conversations the account has. They live here
(raw SQL, same on both backends) because this app owns the query shape; moving them into
``Conversation.Meta`` later only needs a migration that drops these two first.
"""

from django.db import migrations

INDEXES = {
    "archive_conv_operator_recent": "account_id, assigned_operator_id, last_activity_at DESC, id DESC",
    "archive_conv_status_recent": "account_id, status, last_activity_at DESC, id DESC",
}


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0001_initial"),
        ("conversations", "0003_conversation_contact_notified_seq_and_more"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON conversations_conversation ({columns})",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
