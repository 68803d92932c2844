"""Add-ons: the only writer. Administrators register, edit, switch on and off, rotate the
signing secret of, and delete their account's add-ons; every change leaves an audit row. The
signing secret is returned once (``AddonSecret``) and kept encrypted.

An add-on's URL must be ``https://``: it receives whole conversations. The one exception is
a host the installation named in ``MC_OUTBOUND_ALLOWED_HOSTS`` (an internal system on the
operator's own network), which may also be plain ``http://``. The SSRF guard refuses internal
addresses when the URL is saved and again on every run (``core/ssrf.py``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account
from messagecenter.addons.models import Addon
from messagecenter.core import clock, ssrf, webhooks
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed

MAX_NAME = 80
MAX_DESCRIPTION = 200
# After a rotation, runs are signed with the new and the previous secret this long.
ROTATION_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True)
class AddonSecret:
    """An add-on with its new signing secret: show ``secret`` once, never store it."""

    addon: Addon
    secret: str


def create_addon(
    account: Account,
    *,
    name: str,
    url: str,
    description: str = "",
    in_conversation: bool = True,
    in_bulk: bool = False,
    actor: Actor,
) -> AddonSecret:
    _require_admin(actor, account)
    values = _cleaned(name, url, description, in_conversation, in_bulk)
    secret = webhooks.new_secret()
    try:
        with transaction.atomic():
            addon = Addon.objects.create(
                account=account,
                credentials={"signing": [secret]},
                created_at=clock.now(),
                **values,
            )
            audit.record(actor, "addon.created", "addon", addon.public_id)
    except IntegrityError:
        raise _name_taken() from None
    return AddonSecret(addon, secret)


def update_addon(
    addon: Addon,
    *,
    name: str,
    url: str,
    description: str = "",
    in_conversation: bool = True,
    in_bulk: bool = False,
    actor: Actor,
) -> Addon:
    _require_admin(actor, addon.account)
    values = _cleaned(name, url, description, in_conversation, in_bulk)
    try:
        with transaction.atomic():
            Addon.objects.filter(pk=addon.pk).update(**values)
            audit.record(actor, "addon.updated", "addon", addon.public_id)
    except IntegrityError:
        raise _name_taken() from None
    for field, value in values.items():
        setattr(addon, field, value)
    return addon


def set_enabled(addon: Addon, enabled: bool, *, actor: Actor) -> Addon:
    """A disabled add-on is offered nowhere and refuses new runs."""
    _require_admin(actor, addon.account)
    if addon.enabled == enabled:
        return addon
    with transaction.atomic():
        Addon.objects.filter(pk=addon.pk).update(enabled=enabled)
        audit.record(
            actor, "addon.enabled" if enabled else "addon.disabled", "addon", addon.public_id
        )
    addon.enabled = enabled
    return addon


def rotate_secret(addon: Addon, *, actor: Actor) -> AddonSecret:
    """A new signing secret; the previous one keeps signing alongside for a day."""
    _require_admin(actor, addon.account)
    secret = webhooks.new_secret()
    until = clock.now() + ROTATION_OVERLAP
    with transaction.atomic():
        addon.credentials = {
            "signing": [secret],
            "previous": signing_secrets(addon)[:1],
            "previous_until": until.isoformat(),
        }
        addon.save(update_fields=["credentials"])
        audit.record(actor, "addon.secret_rotated", "addon", addon.public_id)
    return AddonSecret(addon, secret)


def delete_addon(addon: Addon, *, actor: Actor) -> None:
    """Delete it with its run log."""
    _require_admin(actor, addon.account)
    with transaction.atomic():
        audit.record(actor, "addon.deleted", "addon", addon.public_id)
        addon.delete()


def signing_secrets(addon: Addon) -> list[str]:
    """The secrets a run is signed with now: the current one, and the previous one while a
    rotation's overlap lasts (an add-on holding either accepts)."""
    credentials = addon.credentials or {}
    secrets = list(credentials.get("signing") or [])
    until = credentials.get("previous_until")
    if until and clock.now().isoformat() < until:
        secrets += list(credentials.get("previous") or [])
    return secrets


def check_url(url: str) -> str:
    """The URL as it will be called, or ``ValidationFailed`` naming what is wrong."""
    try:
        checked = ssrf.check_url((url or "").strip(), resolve=True)
    except ssrf.BlockedAddress as error:
        raise ValidationFailed(error.message, field="url", reason=error.reason) from None
    if checked.scheme != "https" and not _named_internal_host(checked.host):
        raise ValidationFailed(
            _("An add-on receives whole conversations: its URL must start with https://."),
            field="url",
        )
    text = str(checked)
    if len(text) > 2000:
        raise ValidationFailed(_("The URL is too long."), field="url")
    return text


def _named_internal_host(host: str) -> bool:
    """A host the installation listed in MC_OUTBOUND_ALLOWED_HOSTS (by name, or an address
    inside a listed network): its own network, where plain http is the admin's call."""
    policy = ssrf.Policy.from_settings()
    name = host.lower().rstrip(".").strip("[]")
    if name in policy.allowed_names:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return any(address in network for network in policy.allowed_networks)


def _cleaned(name: str, url: str, description: str, in_conversation: bool, in_bulk: bool) -> dict:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Give the add-on a name."), field="name")
    if len(name) > MAX_NAME:
        raise ValidationFailed(
            _("The name can have at most %(max)d characters.") % {"max": MAX_NAME}, field="name"
        )
    if not (in_conversation or in_bulk):
        raise ValidationFailed(
            _("Choose where the add-on is offered: the conversation, All conversations or both."),
            field="placement",
        )
    return {
        "name": name,
        "url": check_url(url),
        "description": (description or "").strip()[:MAX_DESCRIPTION],
        "in_conversation": bool(in_conversation),
        "in_bulk": bool(in_bulk),
    }


def _name_taken() -> ValidationFailed:
    return ValidationFailed(_("Another add-on already has this name."), field="name")


def _require_admin(actor: Actor, account: Account) -> None:
    if actor.account.pk != account.pk:
        raise NotFound(_("Not found."))
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can manage add-ons."))
