"""What the profile page shows, read in a handful of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from messagecenter.contacts.models import (
    Contact,
    ContactIdentity,
    ContactNote,
    CustomField,
    IdentityKind,
)
from messagecenter.conversations.models import Conversation
from messagecenter.directory.notes import can_edit
from messagecenter.widgets.models import Widget


@dataclass(frozen=True)
class WebchatOption:
    """One website messenger the operator can start a webchat in, and what the contact will
    experience (R-CONTACT-5)."""

    widget: Widget
    hint: str


def definitions(contact: Contact) -> list[CustomField]:
    return list(CustomField.objects.for_account(contact.account_id))


def conversations(contact: Contact) -> list[Conversation]:
    return list(
        contact.conversations.select_related("connection", "assigned_operator", "topic").order_by(
            "-last_activity_at", "-pk"
        )
    )


@dataclass(frozen=True)
class NoteRow:
    note: ContactNote
    editable: bool


@dataclass(frozen=True)
class IdentityRow:
    identity: ContactIdentity
    verified: bool

    @property
    def is_phone(self) -> bool:
        # A WhatsApp identity is a business-scoped user id unless it is the number itself.
        kind, value = self.identity.kind, self.identity.value
        return kind == IdentityKind.PHONE or (kind == IdentityKind.WHATSAPP and value[:1] == "+")

    @property
    def details(self) -> list[str]:
        """What the channel told beside the identifier (a WhatsApp user id's number and
        username), shown with it."""
        attributes = self.identity.attributes if isinstance(self.identity.attributes, dict) else {}
        shown = [str(attributes["phone"])] if attributes.get("phone") else []
        return shown + ([f"@{attributes['username']}"] if attributes.get("username") else [])


def notes(contact: Contact, operator) -> list[NoteRow]:
    """The profile notes, newest first, each with whether this operator may change it."""
    rows = contact.notes.select_related("author")
    return [NoteRow(note, can_edit(operator, note)) for note in rows]


def identities(contact: Contact) -> list[IdentityRow]:
    """R-CONTACT-2: a verified e-mail (code or link) or a WhatsApp number counts as verified."""
    rows = contact.identities.all()
    return [IdentityRow(i, bool(i.verified_at) or i.kind == IdentityKind.WHATSAPP) for i in rows]


def other_custom_values(contact: Contact, defined: list[CustomField]) -> dict:
    """Stored custom values whose definition is gone (or came from the API): shown, not
    editable, so nothing the contact has on record is hidden from the operator."""
    keys = {d.key for d in defined}
    return {k: v for k, v in contact.custom_fields.items() if k not in keys}


def webchat_options(contact: Contact, email: str) -> list[WebchatOption]:
    widgets = Widget.objects.filter(account_id=contact.account_id).order_by("name", "pk")
    return [WebchatOption(widget, _webchat_hint(contact, email, widget)) for widget in widgets]


def _webchat_hint(contact: Contact, email: str, widget: Widget) -> str:
    name = contact.name or _("The contact")
    delay = widget.unread_email_delay_minutes
    if email and delay:
        return _(
            "%(name)s gets an e-mail at %(email)s with a signed link to the conversation if "
            "your message is still unread after %(minutes)d minutes."
        ) % {"name": name, "email": email, "minutes": delay}
    if email:
        return _(
            "This messenger does not e-mail unread replies, so %(name)s sees your message "
            "the next time they open a page with the messenger."
        ) % {"name": name}
    return _(
        "%(name)s has no e-mail address, so they see your message the next time they open a "
        "page with the messenger in this browser."
    ) % {"name": name}
