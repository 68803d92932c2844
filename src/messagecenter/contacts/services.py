"""Contact writers and contact presence.

A contact is *online* while one of their messenger tabs is connected (a ``ContactConnection``).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account
from messagecenter.contacts.events import announce_contact_changed, publish_contact
from messagecenter.contacts.fields import clean_values
from messagecenter.contacts.identities import normalise
from messagecenter.contacts.models import (
    BlockedMessage,
    Contact,
    ContactConnection,
    ContactIdentity,
    IdentityKind,
    PageView,
    Visitor,
)
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from messagecenter.core.events import contact_group, send_on_commit

PROFILE_FIELDS = ("name", "company", "customer_id", "country", "postcode", "locale")


def create_contact(
    account: Account,
    *,
    actor: Actor | None = None,
    name: str = "",
    email: str = "",
    phone: str = "",
    identities: dict[str, str] | None = None,
    **fields: str,
) -> Contact:
    """Create a contact with optional identifiers (validated and normalised first)."""
    wanted = dict(identities or {})
    if email:
        wanted[IdentityKind.EMAIL] = email
    if phone:
        wanted[IdentityKind.PHONE] = phone
    normalised = {kind: normalise(kind, value) for kind, value in wanted.items()}
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Unknown contact field: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        contact = Contact.objects.create(account=account, name=name.strip()[:200], **fields)
        for kind, value in normalised.items():
            _add_identity(contact, kind, value)
        publish_contact("contact.created", contact.public_id, account.pk)
        if actor is not None:  # None: the installation itself (demo seed, tests)
            _require_team(actor, contact)
            audit.record(actor, "contact.created", "contact", contact.public_id)
    return contact


def update_contact(contact: Contact, *, actor: Actor, **changes) -> Contact:
    """Operators edit contact details during a conversation (R-CONV-6). ``email`` and
    ``phone`` replace the contact's first identifier of that kind; everything is validated
    before anything is written."""
    _require_team(actor, contact)
    profile = {k: v for k, v in changes.items() if k in PROFILE_FIELDS or k == "custom_fields"}
    unknown = set(changes) - set(profile) - {"email", "phone"}
    if unknown:
        raise ValidationFailed(
            _("Unknown contact field: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    _validate_profile(profile)
    if "custom_fields" in profile:
        profile["custom_fields"] = _merge_custom(contact, profile["custom_fields"])
    identities = {
        kind: (normalise(kind, changes[kind]) if changes[kind] else "")
        for kind in ("email", "phone")
        if kind in changes
    }
    with transaction.atomic():
        for name, value in profile.items():
            setattr(contact, name, value.strip() if isinstance(value, str) else value)
        if profile:
            contact.save(update_fields=list(profile))
        for kind, value in identities.items():
            _replace_identity(contact, kind, value)
        audit.record(actor, "contact.updated", "contact", contact.public_id, fields=sorted(changes))
        announce_contact_changed(contact)  # open conversation pages re-read header and sidebar
        publish_contact("contact.updated", contact.public_id, contact.account_id)
    return contact


# Custom data is what an integration pushes about a contact (an order number, a plan): shown
# in the conversation sidebar, exported with the contact. Bounded so it stays a sidebar.
MAX_CUSTOM_DATA_KEYS = 50
MAX_CUSTOM_DATA_BYTES = 16 * 1024
MAX_CUSTOM_DATA_DEPTH = 10
_DATA_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")


def update_custom_data(contact: Contact, changes: dict, *, actor: Actor) -> Contact:
    """Merge ``changes`` into the contact's custom data (R-CONV-6, R-API-1; add-ons' actions
    too): a key with ``None`` goes, any other value (JSON) replaces the key's, so two
    integrations that own different keys never overwrite each other. All checked before
    anything is written; merged under the row lock, so concurrent merges both stay."""
    _require_team(actor, contact)
    bad = sorted(key for key in changes if not isinstance(key, str) or not _DATA_KEY.match(key))
    if bad:
        raise ValidationFailed(
            _("A custom data key is 1 to 50 letters, digits, “_”, “.” or “-”: %(keys)s")
            % {"keys": ", ".join(str(key)[:60] for key in bad[:5])},
            field="custom_data",
        )
    if _depth(changes) > MAX_CUSTOM_DATA_DEPTH:
        raise ValidationFailed(
            _("Custom data can be nested at most %(max)d levels deep.")
            % {"max": MAX_CUSTOM_DATA_DEPTH},
            field="custom_data",
        )
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        merged = {**locked.custom_data, **changes}
        merged = {key: value for key, value in merged.items() if value is not None}
        if len(merged) > MAX_CUSTOM_DATA_KEYS:
            raise ValidationFailed(
                _("A contact has at most %(max)d custom data keys.")
                % {"max": MAX_CUSTOM_DATA_KEYS},
                field="custom_data",
            )
        if len(json.dumps(merged, ensure_ascii=False).encode()) > MAX_CUSTOM_DATA_BYTES:
            raise ValidationFailed(
                _("A contact's custom data is at most %(kb)d KB of JSON.")
                % {"kb": MAX_CUSTOM_DATA_BYTES // 1024},
                field="custom_data",
            )
        Contact.objects.filter(pk=contact.pk).update(custom_data=merged)
        contact.custom_data = merged
        audit.record(
            actor, "contact.custom_data_updated", "contact", contact.public_id, keys=sorted(changes)
        )
        announce_contact_changed(contact)
        publish_contact("contact.updated", contact.public_id, contact.account_id)
    return contact


def supply_details(contact: Contact, *, actor: Actor, **details: str) -> Contact:
    """The contact fills in the messenger's pre-chat or offline form (name, e-mail, phone).

    Only the contact themself, and only to fill gaps: a name the team set stays, an address
    of a kind the contact has stays. An address another contact holds is not attached, and
    nothing says so: the messenger must never tell a visitor who else is a contact here.
    Supplied addresses are unverified. All values are validated before anything is written.
    """
    if actor.contact is None or actor.contact.pk != contact.pk:
        raise PermissionDenied(_("Only the contact can fill in their own details."))
    name = (details.get("name") or "").strip()
    _validate_profile({"name": name})
    identities = {
        kind: normalise(kind, details[kind]) for kind in ("email", "phone") if details.get(kind)
    }
    with transaction.atomic():
        if name and not contact.name:
            contact.name = name
            contact.save(update_fields=["name"])
        for kind, value in identities.items():
            same_kind = ContactIdentity.objects.filter(account_id=contact.account_id, kind=kind)
            has_one = same_kind.filter(contact=contact).exists()
            if not has_one and not same_kind.filter(value=value).exists():
                _add_identity(contact, kind, value)
        audit.record(actor, "contact.supplied_details", "contact", contact.public_id)
        announce_contact_changed(contact)
        publish_contact("contact.updated", contact.public_id, contact.account_id)
    return contact


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def set_blocked(contact: Contact, blocked: bool, *, actor: Actor) -> Contact:
    """Block or unblock (R-CMD $block/$unblock). A blocked contact's messenger shows a neutral
    message; what they still send is kept for audit but routed to nobody."""
    _require_team(actor, contact)
    if contact.blocked == blocked:
        return contact
    with transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(blocked=blocked)
        contact.blocked = blocked
        audit.record(
            actor,
            "contact.blocked" if blocked else "contact.unblocked",
            "contact",
            contact.public_id,
        )
        publish_contact("contact.updated", contact.public_id, contact.account_id)
        send_on_commit(
            {"type": "messenger.blocked", "blocked": blocked}, [contact_group(contact.public_id)]
        )
    return contact


def become_contact(visitor: Visitor) -> Contact:
    """A messenger visitor's first real interaction (a message, a shared location, a signed
    identity): the contact is created now, not at the page visit, and takes over the page
    views recorded so far. Safe for several tabs at once: the visitor row is locked, so they
    all end up with the same contact; the other tabs hear of it on the visitor's group."""
    from messagecenter.transports.webchat.visitors import visitor_group

    with transaction.atomic():
        locked = (
            Visitor.objects.select_for_update(of=("self",))
            .select_related("contact")
            .get(pk=visitor.pk)
        )
        if locked.contact is None:
            locked.contact = Contact.objects.create(
                account_id=locked.account_id, locale=locked.locale
            )
            locked.save(update_fields=["contact"])
            publish_contact("contact.created", locked.contact.public_id, locked.account_id)
            PageView.objects.filter(visitor=locked, contact__isnull=True).update(
                contact=locked.contact
            )
            send_on_commit(
                {"type": "messenger.contact", "contact": locked.contact.public_id},
                [visitor_group(locked.public_id)],
            )
    visitor.contact = locked.contact
    return locked.contact


def prune_visitors(retention_days: int | None = None) -> int:
    """The periodic job: forget visitors that never wrote and have not been seen for
    ``MC_VISITOR_RETENTION_DAYS`` (their page views go with them). Returns how many."""
    days = settings.VISITOR_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = clock.now() - timedelta(days=days)
    doomed = Visitor.objects.filter(contact__isnull=True, last_seen_at__lt=cutoff)
    count = 0
    while batch := list(doomed.values_list("pk", flat=True)[:1000]):
        count += Visitor.objects.filter(pk__in=batch).delete()[1].get("contacts.Visitor", 0)
    return count


def refuse_if_blocked(contact: Contact, body: str, connection=None) -> None:
    """Called by the conversation writers before anything else: a blocked contact's message
    is kept for audit (if configured) and refused with a neutral reason. The blocked flag is
    read from the database, not the caller's possibly stale object."""
    if not Contact.objects.filter(pk=contact.pk, blocked=True).exists():
        return
    if settings.KEEP_BLOCKED_MESSAGES:
        BlockedMessage.objects.create(
            account_id=contact.account_id,
            contact=contact,
            connection=connection,
            body=body[:20_000],
            at=clock.now(),
        )
    raise PermissionDenied(_("The chat is not available right now."), code="unavailable")


def add_identity(
    contact: Contact, kind: str, value: str, *, verified_via: str = ""
) -> ContactIdentity:
    if kind not in IdentityKind.values:
        raise ValidationFailed(_("Unknown identifier kind."))
    with transaction.atomic():
        return _add_identity(contact, kind, normalise(kind, value), verified_via=verified_via)


def update_identity(
    contact: Contact,
    kind: str,
    value: str,
    *,
    new_value: str = "",
    attributes: dict | None = None,
) -> ContactIdentity:
    """A provider's new word on one of the contact's identities: its value changed (WhatsApp's
    ``user_changed_user_id`` / ``user_changed_number``) and/or what it tells beside it
    (``attributes`` merged; a ``None`` value removes a key). The identity stays the same row,
    so nothing that points at the contact moves. ``Conflict`` when another contact holds the
    new value already."""
    identity = contact.identities.filter(kind=kind, value=normalise(kind, value)).first()
    if identity is None:
        raise NotFound(_("The contact has no such identifier."))
    fields = []
    if new_value and normalise(kind, new_value) != identity.value:
        identity.value = normalise(kind, new_value)
        fields.append("value")
    if attributes:
        merged = {**identity.attributes, **attributes}
        merged = {key: item for key, item in merged.items() if item not in (None, "")}
        if merged != identity.attributes:
            identity.attributes = merged
            fields.append("attributes")
    if not fields:
        return identity
    try:
        with transaction.atomic():
            identity.save(update_fields=fields)
    except IntegrityError:
        raise Conflict(
            _("Another contact already uses this %(kind)s.")
            % {"kind": IdentityKind(kind).label.lower()},
            field=kind,
        ) from None
    announce_contact_changed(contact)
    return identity


def find_by_identity(account: Account, kind: str, value: str) -> Contact | None:
    identity = (
        ContactIdentity.objects.filter(account=account, kind=kind, value=normalise(kind, value))
        .select_related("contact")
        .first()
    )
    return identity.contact if identity else None


def contact_connected(contact: Contact, channel_name: str) -> None:
    """A messenger tab connected: the contact is online."""
    now = clock.now()
    with transaction.atomic():
        ContactConnection.objects.update_or_create(
            channel_name=channel_name,
            defaults={
                "account_id": contact.account_id,
                "contact": contact,
                "connected_at": now,
                "last_seen_at": now,
            },
        )
        Contact.objects.filter(pk=contact.pk).update(last_seen_at=now)


def contact_disconnected(contact: Contact, channel_name: str) -> bool:
    """A messenger tab closed. Returns True when the contact has no tab left (offline)."""
    with transaction.atomic():
        ContactConnection.objects.filter(channel_name=channel_name).delete()
        return not ContactConnection.objects.filter(contact=contact).exists()


def touch_connection(channel_name: str) -> None:
    now = clock.now()
    ContactConnection.objects.filter(channel_name=channel_name).update(last_seen_at=now)


def prune_stale_connections(max_age_seconds: int) -> list[Contact]:
    """Forget messenger tabs without heartbeats; returns contacts now offline."""
    cutoff = clock.now() - timedelta(seconds=max_age_seconds)
    with transaction.atomic():
        stale = ContactConnection.objects.filter(last_seen_at__lt=cutoff)
        contact_ids = set(stale.values_list("contact_id", flat=True))
        stale.delete()
        still = set(
            ContactConnection.objects.filter(contact_id__in=contact_ids).values_list(
                "contact_id", flat=True
            )
        )
    return list(Contact.objects.filter(pk__in=contact_ids - still))


def is_online(contact: Contact) -> bool:
    return ContactConnection.objects.filter(contact=contact).exists()


def _replace_identity(contact: Contact, kind: str, value: str) -> None:
    current = contact.identities.filter(kind=kind).first()
    if current is not None and current.value == value:
        return
    if current is not None:
        current.delete()
    if value:
        _add_identity(contact, kind, value)


_LIMITS = {
    "name": 200,
    "company": 200,
    "customer_id": 100,
    "country": 2,
    "postcode": 20,
    "locale": 8,
}


def _merge_custom(contact: Contact, changed: dict) -> dict:
    """Validate only the fields being changed; an empty value removes a field."""
    typed = clean_values(contact.account_id, changed)
    merged = {**contact.custom_fields, **typed}
    return {key: value for key, value in merged.items() if key not in changed or key in typed}


def _validate_profile(profile: dict) -> None:
    for name, limit in _LIMITS.items():
        value = profile.get(name)
        if value is not None and (not isinstance(value, str) or len(value.strip()) > limit):
            raise ValidationFailed(
                _("%(field)s can have at most %(max)d characters.") % {"field": name, "max": limit},
                field=name,
            )


def _require_team(actor: Actor, contact: Contact) -> None:
    if actor.operator is None and actor.kind != "token":
        raise PermissionDenied(_("Only the team can change contact details."))
    if actor.account.pk != contact.account_id:
        raise NotFound(_("Not found."))


def _add_identity(
    contact: Contact, kind: str, value: str, verified_via: str = ""
) -> ContactIdentity:
    try:
        with transaction.atomic():
            return ContactIdentity.objects.create(
                account_id=contact.account_id,
                contact=contact,
                kind=kind,
                value=value,
                verified_at=clock.now() if verified_via else None,
                verified_via=verified_via,
            )
    except IntegrityError:
        raise Conflict(
            _("Another contact already uses this %(kind)s.")
            % {"kind": IdentityKind(kind).label.lower()},
            field=kind,
        ) from None
