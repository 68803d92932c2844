"""Index what was written before search existed (messages, notes, contacts)."""

from django.db import migrations

BATCH = 2000


def backfill(apps, schema_editor):
    from messagecenter.search.text import document_terms

    Message = apps.get_model("conversations", "Message")
    Note = apps.get_model("conversations", "Note")
    Contact = apps.get_model("contacts", "Contact")
    Identity = apps.get_model("contacts", "ContactIdentity")
    MessageDocument = apps.get_model("search", "MessageDocument")
    ContactDocument = apps.get_model("search", "ContactDocument")
    for model in (Message, Note):
        rows = model.objects.filter(deleted_at__isnull=True).values_list(
            "entry_id", "account_id", "conversation_id", "body"
        )
        batch = []
        for pk, account_id, conversation_id, body in rows.iterator(chunk_size=BATCH):
            terms = document_terms(body)
            if terms:
                batch.append(
                    MessageDocument(
                        entry_id=pk, account_id=account_id, conversation_id=conversation_id,
                        document=terms,
                    )
                )
            if len(batch) >= BATCH:
                MessageDocument.objects.bulk_create(batch)
                batch = []
        MessageDocument.objects.bulk_create(batch)
    emails: dict[int, list[str]] = {}
    for contact_id, value in Identity.objects.filter(kind="email").values_list("contact_id", "value"):
        emails.setdefault(contact_id, []).append(value)
    batch = []
    for contact in Contact.objects.all().iterator(chunk_size=BATCH):
        terms = document_terms(
            contact.name, contact.company, contact.customer_id, contact.country,
            contact.postcode, *emails.get(contact.pk, []),
        )
        if terms:
            batch.append(ContactDocument(contact_id=contact.pk, account_id=contact.account_id, document=terms))
        if len(batch) >= BATCH:
            ContactDocument.objects.bulk_create(batch)
            batch = []
    ContactDocument.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
