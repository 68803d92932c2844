"""Contact endpoints: the directory's list and profile with its notes, custom fields and the
data integrations push, block, GDPR export and erasure. Each calls one ``contacts`` service; the
services decide who may (the team: operators and integrations) and validate.

(No ``from __future__ import annotations``: ninja reads these signatures at import time.)
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from messagecenter.api import queries
from messagecenter.api.auth import CONTACTS_READ, CONTACTS_WRITE, SETTINGS_WRITE
from messagecenter.api.idempotency import idempotent
from messagecenter.api.schemas import NON_BLANK, Language, PageQuery, Problem, TimedPageQuery
from messagecenter.contacts import fields, gdpr
from messagecenter.contacts import services as contacts
from messagecenter.contacts.models import Contact, ContactNote, CustomField, IdentityKind
from messagecenter.core.errors import NotFound
from messagecenter.core.scoping import get_scoped
from messagecenter.directory import notes as profile_notes
from messagecenter.directory.queries import filtered

router = Router(tags=["contacts"])

READ_ERRORS = {code: Problem for code in (401, 403, 404, 422)}
WRITE_ERRORS = {code: Problem for code in (400, 401, 403, 404, 409, 422)}
_PROFILE = ("name", "company", "customer_id", "country", "postcode", "locale")


class IdentityOut(Schema):
    kind: str = Field(description="`email`, `phone`, `whatsapp`, `telegram`, …")
    value: str
    verified: bool


class ContactOut(Schema):
    id: str
    name: str
    company: str
    customer_id: str
    country: str
    postcode: str
    locale: str
    email: str = Field(description="The first e-mail identity, or empty.")
    phone: str = Field(description="The first phone identity, or empty.")
    identities: list[IdentityOut]
    custom_fields: dict[str, Any] = Field(description="Values of the account's contact fields.")
    custom_data: dict[str, Any] = Field(description="What integrations pushed (free JSON).")
    blocked: bool
    created_at: datetime
    last_seen_at: datetime | None


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactFilters(TimedPageQuery):
    q: str = Field("", max_length=200, description="Name, e-mail, phone, company… contains.")
    blocked: Literal["yes", "no"] | None = None


class ContactIn(Schema):
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=320)
    phone: str = Field("", max_length=40)
    company: str = Field("", max_length=200)
    customer_id: str = Field("", max_length=100)
    country: str = Field("", max_length=2)
    postcode: str = Field("", max_length=20)
    locale: Language | Literal[""] = ""


class ContactChanges(Schema):
    """Only the fields sent change. ``email``/``phone`` replace the first identity of their
    kind (empty removes it); ``custom_fields`` are merged, an empty value removes one."""

    name: str | None = Field(None, max_length=200)
    company: str | None = Field(None, max_length=200)
    customer_id: str | None = Field(None, max_length=100)
    country: str | None = Field(None, max_length=2)
    postcode: str | None = Field(None, max_length=20)
    locale: Language | Literal[""] = Field(None)  # type: ignore[assignment]
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=40)
    custom_fields: dict[str, Any] | None = None


class CustomDataIn(Schema):
    data: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,50}$")], Any] = Field(
        description="Merged into the contact's custom data; a key set to null is removed. "
        "At most 50 keys and 16 KB of JSON per contact.",
        max_length=50,
    )


class BlockIn(Schema):
    blocked: bool


class ErasureOut(Schema):
    contact: str
    state: Literal["erasing"]


class ContactNoteOut(Schema):
    id: int
    body: str
    author: str | None = Field(description="The operator who wrote it (null: since removed).")
    created_at: datetime
    edited_at: datetime | None


class ContactNotePage(Schema):
    items: list[ContactNoteOut]
    next_cursor: str | None


class ContactNoteIn(Schema):
    # One character that is not blank, and no NUL anywhere (profile notes keep the text
    # as written, and PostgreSQL text cannot hold NUL).
    body: str = Field(max_length=10_000, pattern=r"^[^\x00]*[^\s\x00\x1c-\x1f][^\x00]*$")


NoteId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class CustomFieldOut(Schema):
    key: str
    label: str
    type: str
    options: list[str]


class CustomFieldPage(Schema):
    items: list[CustomFieldOut]
    next_cursor: str | None


class CustomFieldIn(Schema):
    """A choice (``select``) field needs its options."""

    model_config = {
        "json_schema_extra": {
            "anyOf": [
                {"properties": {"type": {"enum": ["text", "number", "date"]}}},
                {"required": ["type", "options"], "properties": {"options": {"minItems": 1}}},
            ]
        }
    }

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,49}$", description="Lower-case, digits, `_`.")
    label: str = Field(max_length=100, pattern=NON_BLANK)
    type: Literal["text", "number", "date", "select"] = "text"
    options: list[Annotated[str, Field(max_length=100, pattern=NON_BLANK)]] = Field(
        default_factory=list, max_length=100
    )


@router.get("/contacts", response={200: ContactPage, **READ_ERRORS}, auth=CONTACTS_READ)
def list_contacts(request, query: Query[ContactFilters]):
    """The account's contacts, newest first."""
    chosen = filtered(request.auth.account, {"q": query.q, "blocked": query.blocked or ""})
    chosen = chosen.prefetch_related("identities")
    rows, next_cursor = queries.keyset_page(chosen, "created_at", query.cursor, query.limit)
    return {"items": [contact_out(row) for row in rows], "next_cursor": next_cursor}


@router.post("/contacts", response={201: ContactOut, **WRITE_ERRORS}, auth=CONTACTS_WRITE)
@idempotent
def create_contact(request, payload: ContactIn):
    """A new contact; an e-mail or phone another contact has is a 409."""
    sent = payload.dict()
    profile = {name: sent[name] for name in _PROFILE if name != "name" and sent[name]}
    contact = contacts.create_contact(
        request.auth.account,
        actor=request.auth,
        name=payload.name,
        email=payload.email,
        phone=payload.phone,
        **profile,
    )
    return Status(201, contact_out(contact))


@router.get("/contacts/{contact_id}", response={200: ContactOut, **READ_ERRORS}, auth=CONTACTS_READ)
def get_contact(request, contact_id: str):
    return contact_out(_contact(request, contact_id))


@router.patch(
    "/contacts/{contact_id}", response={200: ContactOut, **WRITE_ERRORS}, auth=CONTACTS_WRITE
)
def change_contact(request, contact_id: str, payload: ContactChanges):
    contact = _contact(request, contact_id)
    changes = {name: getattr(payload, name) for name in payload.model_fields_set}
    changes = {name: value for name, value in changes.items() if value is not None}
    contacts.update_contact(contact, actor=request.auth, **changes)
    return contact_out(_contact(request, contact_id))


@router.patch(
    "/contacts/{contact_id}/custom-data",
    response={200: ContactOut, **WRITE_ERRORS},
    auth=CONTACTS_WRITE,
)
def change_custom_data(request, contact_id: str, payload: CustomDataIn):
    """Push data about the contact from your systems (shown to operators beside the chat)."""
    contact = _contact(request, contact_id)
    return contact_out(contacts.update_custom_data(contact, payload.data, actor=request.auth))


@router.post(
    "/contacts/{contact_id}/block",
    response={200: ContactOut, **WRITE_ERRORS},
    auth=CONTACTS_WRITE,
)
@idempotent
def block_contact(request, contact_id: str, payload: BlockIn):
    """Block (their messages reach nobody) or unblock."""
    contact = contacts.set_blocked(
        _contact(request, contact_id), payload.blocked, actor=request.auth
    )
    return Status(200, contact_out(contact))


@router.post(
    "/contacts/{contact_id}/erasure",
    response={202: ErasureOut, **WRITE_ERRORS},
    auth=CONTACTS_WRITE,
)
@idempotent
def erase_contact(request, contact_id: str):
    """GDPR erasure: the contact with all their conversations, messages, notes and files, in
    a background job (afterwards the contact is 404)."""
    contact = _contact(request, contact_id)
    gdpr.request_erasure(contact, actor=request.auth)
    return Status(202, {"contact": contact.public_id, "state": "erasing"})


@router.get(
    "/contacts/{contact_id}/export",
    response={200: None, **READ_ERRORS},
    auth=CONTACTS_READ,
    openapi_extra={
        "responses": {
            200: {
                "description": "Right of access: a ZIP with contact.json and their files.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export_contact(request, contact_id: str):
    """A ZIP of everything stored about the contact (the export is audited)."""
    contact = _contact(request, contact_id)
    response = HttpResponse(
        gdpr.export_contact(contact, actor=request.auth), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.public_id}.zip"'
    return response


@router.get(
    "/contacts/{contact_id}/notes",
    response={200: ContactNotePage, **READ_ERRORS},
    auth=CONTACTS_READ,
)
def list_contact_notes(request, contact_id: str, query: Query[TimedPageQuery]):
    """Profile notes (the team's, never shown to the contact), newest first."""
    contact = _contact(request, contact_id)
    written = ContactNote.objects.filter(contact=contact).select_related("author")
    rows, next_cursor = queries.keyset_page(written, "created_at", query.cursor, query.limit)
    return {"items": [contact_note_out(row) for row in rows], "next_cursor": next_cursor}


@router.post(
    "/contacts/{contact_id}/notes",
    response={201: ContactNoteOut, **WRITE_ERRORS},
    auth=CONTACTS_WRITE,
)
@idempotent
def add_contact_note(request, contact_id: str, payload: ContactNoteIn):
    """A note on the contact's profile (operators: a personal token)."""
    note = profile_notes.add_note(_contact(request, contact_id), payload.body, actor=request.auth)
    return Status(201, contact_note_out(note))


@router.patch(
    "/contacts/{contact_id}/notes/{note_id}",
    response={200: ContactNoteOut, **WRITE_ERRORS},
    auth=CONTACTS_WRITE,
)
def edit_contact_note(request, contact_id: str, note_id: NoteId, payload: ContactNoteIn):
    """Its author or an administrator changes the text."""
    note = profile_notes.note_of(_contact(request, contact_id), note_id)
    return contact_note_out(profile_notes.edit_note(note, payload.body, actor=request.auth))


@router.delete(
    "/contacts/{contact_id}/notes/{note_id}",
    response={204: None, **WRITE_ERRORS},
    auth=CONTACTS_WRITE,
)
def delete_contact_note(request, contact_id: str, note_id: NoteId):
    note = profile_notes.note_of(_contact(request, contact_id), note_id)
    profile_notes.delete_note(note, actor=request.auth)
    return Status(204, None)


@router.get("/custom-fields", response={200: CustomFieldPage, **READ_ERRORS}, auth=CONTACTS_READ)
def list_custom_fields(request, query: Query[PageQuery]):
    """The account's contact fields (Settings › Contact fields)."""
    defined = CustomField.objects.for_account(request.auth.account)
    rows, next_cursor = queries.keyset_page(defined, None, query.cursor, query.limit)
    return {"items": [custom_field_out(row) for row in rows], "next_cursor": next_cursor}


@router.post("/custom-fields", response={201: CustomFieldOut, **WRITE_ERRORS}, auth=SETTINGS_WRITE)
@idempotent
def define_custom_field(request, payload: CustomFieldIn):
    """A new contact field (administrators)."""
    field = fields.define_field(request.auth.account, actor=request.auth, **payload.dict())
    return Status(201, custom_field_out(field))


@router.delete("/custom-fields/{key}", response={204: None, **WRITE_ERRORS}, auth=SETTINGS_WRITE)
def delete_custom_field(request, key: str):
    """The definition goes; values stored on contacts stay in their exports."""
    field = CustomField.objects.for_account(request.auth.account).filter(key=key).first()
    if field is None:
        raise NotFound(_("Not found."))
    fields.delete_field(field, actor=request.auth)
    return Status(204, None)


def contact_out(contact: Contact) -> dict[str, Any]:
    identities = list(contact.identities.all())
    return {
        "id": contact.public_id,
        **{name: getattr(contact, name) for name in _PROFILE},
        "email": _first(identities, IdentityKind.EMAIL),
        "phone": _first(identities, IdentityKind.PHONE),
        "identities": [
            {"kind": i.kind, "value": i.value, "verified": i.verified_at is not None}
            for i in identities
        ],
        "custom_fields": contact.custom_fields,
        "custom_data": contact.custom_data,
        "blocked": contact.blocked,
        "created_at": contact.created_at.isoformat(),
        "last_seen_at": contact.last_seen_at.isoformat() if contact.last_seen_at else None,
    }


def contact_note_out(note: ContactNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "body": note.body,
        "author": note.author.public_id if note.author else None,
        "created_at": note.created_at.isoformat(),
        "edited_at": note.edited_at.isoformat() if note.edited_at else None,
    }


def custom_field_out(field: CustomField) -> dict[str, Any]:
    return {"key": field.key, "label": field.label, "type": field.type, "options": field.options}


def _first(identities: list, kind: str) -> str:
    return next((i.value for i in identities if i.kind == kind), "")


def _contact(request, contact_id: str) -> Contact:
    return get_scoped(
        Contact.objects.prefetch_related("identities"), request.auth.account, contact_id
    )
