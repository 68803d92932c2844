"""Keeping contact documents current when contact rows change.

Messages and notes are indexed by explicit calls in their services. Contacts are written from
several modules (profile edits, the messenger, verification, imports), so their document
follows the rows through model signals instead: one receiver per model, each re-reading the
contact. Writers that bypass ``save()`` (``QuerySet.update``, ``bulk_create``) must call
``search.indexing.index_contacts`` themselves.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from messagecenter.contacts.models import Contact, ContactIdentity, IdentityKind

# Identities whose words are in the contact's document (``indexing.identity_words``).
SEARCHED_KINDS = (IdentityKind.EMAIL, IdentityKind.WHATSAPP)


def connect() -> None:
    post_save.connect(_contact_saved, sender=Contact, dispatch_uid="search.contact_saved")
    post_save.connect(_identity_changed, sender=ContactIdentity, dispatch_uid="search.id_saved")
    post_delete.connect(_identity_changed, sender=ContactIdentity, dispatch_uid="search.id_deleted")


def _contact_saved(sender, instance: Contact, **kwargs) -> None:
    from messagecenter.search import indexing

    indexing.index_contact(instance)


def _identity_changed(sender, instance: ContactIdentity, origin=None, **kwargs) -> None:
    from messagecenter.search import indexing

    if instance.kind not in SEARCHED_KINDS:
        return
    if origin is not None and _model_of(origin) is not ContactIdentity:
        # A cascade (the contact or its account is being deleted): the document goes with it,
        # and re-indexing now would write a row for a contact about to disappear.
        return
    indexing.index_contacts([instance.contact_id])


def _model_of(origin) -> type:
    return getattr(origin, "model", None) or type(origin)
