"""GDPR: erasure (R-CONTACT-6) and data export (right of access).

Erasure removes the contact and everything of theirs — identities, conversations with their
timeline, messages and notes, stored files (bytes in storage too), search index entries, page
views, verification codes, notifications, stored API replays — and leaves one audit entry
with who, when and counts only. Data already passed to third parties is out of scope.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from typing import Any

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import IdempotencyRecord
from messagecenter.contacts.events import publish_contact
from messagecenter.contacts.models import Contact
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied
from messagecenter.files.models import StoredFile
from messagecenter.jobs import runner
from messagecenter.jobs.models import Job

ERASURE = "contacts.erase"


def request_erasure(contact: Contact, *, actor: Actor) -> None:
    """Check the caller, then erase in a resumable job (large histories take a while)."""
    _require_team(actor, contact)
    payload = {"contact": contact.pk, "actor": [actor.kind, actor.public_id]}
    with transaction.atomic():
        runner.submit(ERASURE, payload, account=contact.account)


def erase_contact(contact: Contact, *, actor: Actor) -> dict[str, int]:
    with transaction.atomic():
        counts, keys = _erase_rows(contact, actor)
        transaction.on_commit(lambda: _delete_stored(keys))
    return counts


def _erase_rows(contact: Contact, actor: Actor) -> tuple[dict[str, int], list[str]]:
    """Everything of the contact in the database, in the caller's transaction; returns the
    counts and the storage keys of their files, whose bytes go after commit."""
    _require_team(actor, contact)
    conversations = list(contact.conversations.values_list("pk", "public_id"))
    files = list(_files_of(contact))
    counts = {
        "conversations": len(conversations),
        "messages": sum(1 for _ in _message_ids(conversations)),
        "files": len(files),
        "identities": contact.identities.count(),
        "page_views": contact.page_views.count(),
    }
    _forget_in_search(contact.pk, [pk for pk, _pid in conversations])
    _forget_api_replays(contact, [pid for _pk, pid in conversations])
    StoredFile.objects.filter(pk__in=[f.pk for f in files]).delete()
    erased_id, account_id = contact.public_id, contact.account_id
    contact.delete()  # cascades: identities, conversations, timeline, messages, notes…
    publish_contact("contact.erased", erased_id, account_id)
    audit.record(actor, "contact.erased", "contact", "", **counts)
    # The bytes, an image's preview and a voice message's OGG copy beside them (files.images,
    # files.voice).
    keys = (key for f in files for key in (f.storage_key, f.thumbnail_key, f.voice_ogg_key))
    return counts, list(dict.fromkeys(key for key in keys if key))


def _delete_stored(keys: list[str]) -> None:
    for key in keys:
        default_storage.delete(key)


def work(lease: runner.Lease) -> None:
    """The erasure job in two steps, each resumable: the rows (one transaction, with the
    checkpoint naming the files left), then the files' bytes in storage. A worker dying
    between the two leaves no file behind: the next attempt deletes them."""
    if lease.checkpoint.get("step") != "files":
        _erase_step(lease)
    _delete_stored(lease.checkpoint.get("keys", []))
    lease.save({"step": "done"})  # the storage keys do not outlive the erasure


def _erase_step(lease: runner.Lease) -> None:
    from messagecenter.accounts.models import Operator

    payload = lease.job.payload
    with transaction.atomic():
        contact = Contact.objects.select_related("account").filter(pk=payload["contact"]).first()
        operator = Operator.objects.filter(public_id=payload["actor"][1]).first()
        keys: list[str] = []
        if contact is not None and operator is not None:
            # Gone already (erased by another way), or the requester was removed: nothing to do.
            _counts, keys = _erase_rows(contact, Actor.for_operator(operator))
        lease.save({"step": "files", "keys": keys})


def give_up(job: Job) -> None:
    """Nothing to mark: the erasure's steps each commit whole; the failed job row, logged,
    tells the administrator the contact is still there."""


runner.register(runner.Kind(ERASURE, work, give_up))


def export_contact(contact: Contact, *, actor: Actor) -> bytes:
    """A ZIP with the contact's data as JSON and their files."""
    _require_team(actor, contact)
    conversations = contact.conversations.prefetch_related("timeline__message", "timeline__note")
    data: dict[str, Any] = {
        "contact": _profile(contact),
        "identities": list(
            contact.identities.values("kind", "value", "verified_at", "verified_via", "attributes")
        ),
        "consents": list(
            contact.consents.values("channel", "purpose", "granted", "source", "note", "at")
        ),
        "page_views": list(contact.page_views.values("url", "title", "at", "visit")),
        "profile_notes": list(contact.notes.values("body", "created_at")),
        "conversations": [_conversation(c) for c in conversations],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "contact.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        for stored in _files_of(contact):
            name = f"files/{stored.public_id}-{stored.original_name}"
            with (
                default_storage.open(stored.storage_key, "rb") as handle,
                archive.open(name, "w", force_zip64=True) as member,
            ):
                shutil.copyfileobj(handle, member, 1024 * 1024)  # never a whole file in memory
    audit.record(actor, "contact.exported", "contact", contact.public_id)
    return buffer.getvalue()


def _profile(contact: Contact) -> dict:
    fields = (
        "public_id",
        "name",
        "company",
        "customer_id",
        "country",
        "postcode",
        "locale",
        "custom_fields",
        "custom_data",
        "blocked",
        "created_at",
        "last_seen_at",
        "last_location",
        "last_client",
    )
    return {f: getattr(contact, f) for f in fields}


def _conversation(conversation) -> dict:
    entries = []
    for entry in conversation.timeline.all():
        item = {"seq": entry.seq, "kind": entry.kind, "at": entry.at}
        if entry.kind == "message":
            item |= {
                "author": entry.message.author_kind,
                "text": entry.message.body,
                "deleted": entry.message.deleted_at is not None,
            }
        elif entry.kind == "note":
            item |= {"internal_note": entry.note.body}
        entries.append(item)
    return {
        "id": conversation.public_id,
        "subject": conversation.subject,
        "status": conversation.status,
        "created_at": conversation.created_at,
        "rating": conversation.rating,
        "feedback": conversation.feedback,
        "timeline": entries,
    }


def _files_of(contact: Contact):
    """Files of the contact. Every file in a contact's conversations (their attachments, ours,
    voice messages) is stored with ``contact`` set, so this one filter finds them all."""
    return StoredFile.objects.filter(account_id=contact.account_id, contact=contact)


def _message_ids(conversations):
    from messagecenter.conversations.models import Message

    return (
        Message.objects.filter(conversation_id__in=[pk for pk, _pid in conversations])
        .values_list("pk", flat=True)
        .iterator()
    )


def _forget_in_search(contact_pk: int, conversation_pks: list[int]) -> None:
    try:
        from messagecenter.search import forget_contact
    except ImportError:
        return  # no search index installed
    forget_contact(contact_pk)


def _forget_api_replays(contact: Contact, conversation_ids: list[str]) -> None:
    """Stored API results can quote the contact's messages: drop those naming them."""
    if not conversation_ids:
        return
    doomed = [
        pk
        for pk, body in IdempotencyRecord.objects.filter(account_id=contact.account_id)
        .values_list("pk", "response_body")
        .iterator()
        if any(cid in json.dumps(body) for cid in [*conversation_ids, contact.public_id])
    ]
    IdempotencyRecord.objects.filter(pk__in=doomed).delete()


def _require_team(actor: Actor, contact: Contact) -> None:
    if actor.account.pk != contact.account_id:
        raise NotFound(_("Not found."))
    if actor.operator is None:
        raise PermissionDenied(_("Only operators can do this."))
