"""Writing the search index. Called by the domain services inside their transactions.

Every function here is small and idempotent: indexing a row twice leaves one document,
forgetting a missing one is a no-op. Deleted messages and notes leave the index at once, and
``forget_contact`` removes everything of a contact (for GDPR erasure), so erased or deleted
content can never be found again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import connection, transaction

from messagecenter.contacts.models import Contact, IdentityKind
from messagecenter.conversations.models import Message, Note
from messagecenter.search import vocabulary
from messagecenter.search.models import ContactDocument, MessageDocument
from messagecenter.search.text import document_terms

REBUILD_BATCH = 2000


# --- messages and notes -------------------------------------------------------------------


def index_message(message: Message) -> None:
    """A new message becomes findable (in the transaction that creates it)."""
    if message.deleted_at is not None:
        forget_entry(message.entry_id)
        return
    terms = document_terms(message.body)
    if terms:
        MessageDocument.objects.create(
            entry_id=message.entry_id,
            account_id=message.account_id,
            conversation_id=message.conversation_id,
            document=terms,
        )


def index_note(note: Note) -> None:
    """A note was added or edited: its document is (re)written; a deleted note is forgotten."""
    terms = [] if note.deleted_at is not None else document_terms(note.body)
    _replace(note.entry_id, note.account_id, note.conversation_id, terms)


def forget_entry(entry_id: int) -> None:
    """A message or note was deleted: it can no longer be found."""
    _delete(MessageDocument.objects.filter(pk=entry_id))


def forget_conversation(conversation_id: int) -> None:
    _delete(MessageDocument.objects.filter(conversation_id=conversation_id))


def _delete(documents) -> None:
    """Delete documents, and on SQLite the vocabulary words only they contained (so a deleted
    or erased word is not even kept as a word)."""
    words = _words_of(documents)
    documents.delete()
    vocabulary.forget_unused(words)


def _words_of(documents) -> set[str]:
    """The words of some documents, where SQLite's vocabulary needs them (else nothing)."""
    if connection.vendor != "sqlite":
        return set()
    return {word for document in documents.values_list("document", flat=True) for word in document}


def _replace(entry_id: int, account_id: int, conversation_id: int, terms: list[str]) -> None:
    if not terms:
        forget_entry(entry_id)
        return
    current = MessageDocument.objects.filter(pk=entry_id)
    old = _words_of(current) - set(terms)
    if current.update(document=terms):
        vocabulary.forget_unused(old)
    else:
        MessageDocument.objects.create(
            entry_id=entry_id,
            account_id=account_id,
            conversation_id=conversation_id,
            document=terms,
        )


# --- contacts -----------------------------------------------------------------------------


def contact_terms(contact: Contact, emails: Iterable[str]) -> list[str]:
    """Name, company, customer ID, country, postcode and e-mail addresses. Phone numbers are
    not words: they are matched exactly on the contact's identities (see ``search.query``)."""
    return document_terms(
        contact.name,
        contact.company,
        contact.customer_id,
        contact.country,
        contact.postcode,
        *emails,
    )


# Identities whose words a contact's document holds: e-mail addresses, and WhatsApp user ids
# with the username WhatsApp told beside one (a user without a phone number is found by them).
IDENTITY_KINDS = (IdentityKind.EMAIL, IdentityKind.WHATSAPP)
IDENTITY_ATTRIBUTES = ("username", "parent_user_id")


def identity_words(identities: Iterable) -> list[str]:
    words = []
    for identity in identities:
        words.append(identity.value)
        attributes = identity.attributes if isinstance(identity.attributes, dict) else {}
        words += [str(attributes[key]) for key in IDENTITY_ATTRIBUTES if attributes.get(key)]
    return words


def index_contact(contact: Contact) -> None:
    identities = contact.identities.filter(kind__in=IDENTITY_KINDS).only("value", "attributes")
    _replace_contact(contact, contact_terms(contact, identity_words(identities)))


def index_contacts(contact_ids: Iterable[int]) -> None:
    """Re-read and re-index these contacts (for writers that bypass ``save()``), a chunk at
    a time: one bulk delete and one bulk insert per chunk, not a statement per contact (an
    import indexes each of its batches this way)."""
    ids = list(contact_ids)
    for start in range(0, len(ids), REBUILD_BATCH):
        chunk = Contact.objects.filter(pk__in=ids[start : start + REBUILD_BATCH])
        _replace_contacts(list(_with_emails(chunk)))


def index_new_contacts(contacts: list[tuple[Contact, list[str]]]) -> int:
    """Contacts created in the caller's transaction (an import batch), with the e-mail
    addresses they were created with: nothing to replace and nothing to re-read, so their
    documents are built from the instances at hand and written in one bulk insert."""
    documents = [
        ContactDocument(contact=contact, account_id=contact.account_id, document=terms)
        for contact, emails in contacts
        if (terms := contact_terms(contact, emails))
    ]
    ContactDocument.objects.bulk_create(documents)
    return len(documents)


def _replace_contacts(contacts: list[tuple[Contact, list[str]]]) -> int:
    documents = [
        ContactDocument(contact=contact, account_id=contact.account_id, document=terms)
        for contact, emails in contacts
        if (terms := contact_terms(contact, emails))
    ]
    current = ContactDocument.objects.filter(pk__in=[contact.pk for contact, _e in contacts])
    old = _words_of(current)
    current.delete()
    ContactDocument.objects.bulk_create(documents)
    # Words only the replaced documents held go (as when one document is replaced).
    vocabulary.forget_unused(old - {word for d in documents for word in d.document})
    return len(documents)


def forget_contact(contact_id: int) -> None:
    """GDPR erasure: nothing of this contact can be found any more (their profile, and the
    messages and notes of all their conversations). Call it in the erasing transaction."""
    _delete_contact_document(contact_id)
    _delete(MessageDocument.objects.filter(conversation__contact_id=contact_id))


def _replace_contact(contact: Contact, terms: list[str]) -> None:
    if not terms:
        _delete_contact_document(contact.pk)
        return
    current = ContactDocument.objects.filter(pk=contact.pk)
    old = _words_of(current) - set(terms)
    if current.update(document=terms):
        vocabulary.forget_unused(old)
    else:
        ContactDocument.objects.create(
            contact=contact, account_id=contact.account_id, document=terms
        )


def _delete_contact_document(contact_id: int) -> None:
    document = ContactDocument.objects.filter(pk=contact_id)
    words = _words_of(document)
    document.delete()
    vocabulary.forget_unused(words)


def _with_emails(contacts) -> Iterator[tuple[Contact, list[str]]]:
    from django.db.models import Prefetch

    from messagecenter.contacts.models import ContactIdentity

    emails = ContactIdentity.objects.filter(kind__in=IDENTITY_KINDS)
    query = contacts.prefetch_related(Prefetch("identities", emails, to_attr="email_identities"))
    for contact in query.iterator(chunk_size=REBUILD_BATCH):
        yield contact, identity_words(contact.email_identities)


# --- rebuilding -----------------------------------------------------------------------------


def rebuild(account_id: int | None = None) -> dict[str, int]:
    """Index everything again (after a restore, or for data written before search existed).
    Runs in batches; each batch replaces what it indexes, so it can be repeated safely."""
    counts = {"messages": 0, "notes": 0, "contacts": 0}
    scope = {"account_id": account_id} if account_id is not None else {}
    messages = Message.objects.filter(deleted_at__isnull=True, **scope)
    for batch in _batches(
        messages.values_list("entry_id", "account_id", "conversation_id", "body")
    ):
        counts["messages"] += _replace_batch(batch)
    notes = Note.objects.filter(deleted_at__isnull=True, **scope)
    for batch in _batches(notes.values_list("entry_id", "account_id", "conversation_id", "body")):
        counts["notes"] += _replace_batch(batch)
    contacts = Contact.objects.filter(**scope).values_list("pk", flat=True).order_by("pk")
    for pks in _id_batches(contacts.iterator(chunk_size=REBUILD_BATCH)):
        with transaction.atomic():
            _replace_contacts(list(_with_emails(Contact.objects.filter(pk__in=pks))))
        counts["contacts"] += len(pks)
    return counts


def _id_batches(ids: Iterator[int]) -> Iterator[list[int]]:
    batch: list[int] = []
    for pk in ids:
        batch.append(pk)
        if len(batch) >= REBUILD_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _batches(rows) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows.order_by("entry_id").iterator(chunk_size=REBUILD_BATCH):
        batch.append(row)
        if len(batch) >= REBUILD_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _replace_batch(rows: list[tuple]) -> int:
    documents = [
        MessageDocument(entry_id=pk, account_id=acc, conversation_id=conv, document=terms)
        for pk, acc, conv, body in rows
        if (terms := document_terms(body))
    ]
    with transaction.atomic():
        MessageDocument.objects.filter(pk__in=[row[0] for row in rows]).delete()
        MessageDocument.objects.bulk_create(documents)
    return len(documents)
