"""A contact's custom data (R-CONV-6): arbitrary JSON that integrations push (a cart, a
plan, the last order), shown as a tree in the conversation's sidebar.

``set_custom_data`` is its writer: it merges top-level keys into what is stored (``None``
removes a key), so two integrations that own different keys never overwrite each other.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.contacts.events import announce_contact_changed, publish_contact
from messagecenter.contacts.models import Contact
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed

MAX_BYTES = 64 * 1024
MAX_KEY = 100
MAX_DEPTH = 10


def set_custom_data(contact: Contact, changes: dict[str, Any], *, actor: Actor) -> Contact:
    """Merge ``changes`` into the contact's custom data; everything is checked before
    anything is written (an object of at most ``MAX_BYTES`` once merged, ``MAX_DEPTH`` deep)."""
    if actor.operator is None and actor.kind != "token":
        raise PermissionDenied(_("Only the team can change contact details."))
    if actor.account.pk != contact.account_id:
        raise NotFound(_("Not found."))
    _check(changes)
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        merged = {**locked.custom_data}
        for key, value in changes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        if len(json.dumps(merged, ensure_ascii=False).encode()) > MAX_BYTES:
            raise ValidationFailed(
                _("Custom data can hold at most %(kb)d KB.") % {"kb": MAX_BYTES // 1024},
                field="custom_data",
            )
        Contact.objects.filter(pk=contact.pk).update(custom_data=merged)
        contact.custom_data = merged
        audit.record(
            actor, "contact.custom_data", "contact", contact.public_id, keys=sorted(changes)
        )
        announce_contact_changed(contact)
        publish_contact("contact.updated", contact.public_id, contact.account_id)
    return contact


def _check(changes: Any) -> None:
    if not isinstance(changes, dict) or not changes:
        raise ValidationFailed(
            _("Custom data must be a non-empty JSON object."), field="custom_data"
        )
    for key in changes:
        if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY:
            raise ValidationFailed(
                _("Custom data keys are texts of 1 to %(max)d characters.") % {"max": MAX_KEY},
                field="custom_data",
            )
    if _depth(changes) > MAX_DEPTH:
        raise ValidationFailed(
            _("Custom data can be nested at most %(max)d levels deep.") % {"max": MAX_DEPTH},
            field="custom_data",
        )


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0
