"""Search documents: the index terms of each message, note and contact.

One row per timeline entry with searchable text (a message or a note) and one per contact
(name, company, customer ID, country, postcode, e-mail addresses). The terms come from
``search.text``; each backend indexes the ``document`` column in its own way (created by the
migration, not declared here, because Django cannot declare either):

- SQLite: an FTS5 table per model over this table (external content), kept in step by
  triggers, with a prefix index for 3-character prefixes.
- PostgreSQL: a GIN index on the ``tsvector`` column.

Rows are written only by ``search.indexing``, called from the domain services in the same
transaction as the change, so a committed message is findable and a deleted one is not.
"""

from __future__ import annotations

from django.db import models

from messagecenter.search.fields import DocumentField


class MessageDocument(models.Model):
    """The index terms of one message or note (keyed by its timeline entry)."""

    entry = models.OneToOneField(
        "conversations.TimelineEntry", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Not indexed: queries find rows through the text index or by conversation.
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    document = DocumentField()


class ContactDocument(models.Model):
    """The index terms of one contact's searchable profile fields and e-mail addresses."""

    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    document = DocumentField()
