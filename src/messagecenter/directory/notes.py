"""Profile notes (R-CONTACT-4): the only writers of ``ContactNote``.

Any operator of the account may add a note to a contact; the author or an administrator
edits and deletes it. Notes are never shown to the contact. Every write leaves an audit entry
with ids only (the note's text is personal data and stays out of the audit trail).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.contacts.models import Contact, ContactNote
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed

MAX_NOTE = 10_000


def add_note(contact: Contact, body: str, *, actor: Actor) -> ContactNote:
    """Write a note on the contact's profile, by the acting operator."""
    _require_operator(actor, contact.account_id)
    body = _clean(body)
    with transaction.atomic():
        note = ContactNote.objects.create(
            account_id=contact.account_id,
            contact=contact,
            author=actor.operator,
            body=body,
            created_at=clock.now(),
        )
        audit.record(actor, "contact.note_added", "contact", contact.public_id, note=note.pk)
    return note


def edit_note(note: ContactNote, body: str, *, actor: Actor) -> ContactNote:
    """Replace a note's text; only its author or an administrator may."""
    _require_editor(actor, note)
    body = _clean(body)
    with transaction.atomic():
        note.body, note.edited_at = body, clock.now()
        note.save(update_fields=["body", "edited_at"])
        audit.record(actor, "contact.note_edited", "contact", note.contact.public_id, note=note.pk)
    return note


def delete_note(note: ContactNote, *, actor: Actor) -> None:
    """Remove a note for good; only its author or an administrator may."""
    _require_editor(actor, note)
    with transaction.atomic():
        audit.record(actor, "contact.note_deleted", "contact", note.contact.public_id, note=note.pk)
        note.delete()


def note_of(contact: Contact, note_id: int) -> ContactNote:
    """A note of this contact (and so of its account), or ``NotFound``."""
    notes = ContactNote.objects.select_related("contact")
    note = notes.filter(pk=note_id, contact=contact, account_id=contact.account_id).first()
    if note is None:
        raise NotFound(_("Not found."))
    return note


def can_edit(operator, note: ContactNote) -> bool:
    return operator.is_admin or note.author_id == operator.pk


def _clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Write something first."), field="body")
    if len(body) > MAX_NOTE:
        raise ValidationFailed(
            _("A note can have at most %(max)d characters.") % {"max": MAX_NOTE}, field="body"
        )
    return body


def _require_operator(actor: Actor, account_id: int) -> None:
    if actor.account.pk != account_id:
        raise NotFound(_("Not found."))
    if actor.operator is None:
        raise PermissionDenied(_("Only operators can write profile notes."))


def _require_editor(actor: Actor, note: ContactNote) -> None:
    _require_operator(actor, note.account_id)
    if not can_edit(actor.operator, note):
        raise PermissionDenied(_("Only the author or an administrator can change this note."))
