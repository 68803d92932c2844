"""Webhook endpoints: the only writer. Administrators create, edit, enable/disable, rotate
the signing secret of, and delete their account's endpoints; every change leaves an audit
row. The signing secret is returned once (``EndpointSecret``) and kept encrypted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account
from messagecenter.core import clock, ssrf, webhooks
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.webhooks.events import EVENT_TYPES, endpoints_changed
from messagecenter.webhooks.models import WebhookEndpoint

# After a rotation, deliveries are signed with the new and the previous secret this long, so
# the receiver can switch without refusing anything.
ROTATION_OVERLAP = timedelta(hours=24)
MAX_DESCRIPTION = 200
# ``WebhookEndpoint.disabled_reason``: by an administrator, or for sustained failure.
DISABLED_BY_HAND = "manual"
DISABLED_FAILING = "failing"


@dataclass(frozen=True)
class EndpointSecret:
    """An endpoint with its new signing secret: show ``secret`` once, never store it."""

    endpoint: WebhookEndpoint
    secret: str


def create_endpoint(
    account: Account, url: str, event_types: Iterable[str], *, description: str = "", actor: Actor
) -> EndpointSecret:
    _require_admin(actor, account)
    values = _cleaned(url, event_types, description)
    secret = webhooks.new_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            account=account, credentials={"signing": [secret]}, created_at=clock.now(), **values
        )
        audit.record(actor, "webhook.created", "webhook", endpoint.public_id)
        transaction.on_commit(endpoints_changed)
    return EndpointSecret(endpoint, secret)


def update_endpoint(
    endpoint: WebhookEndpoint,
    url: str,
    event_types: Iterable[str],
    *,
    description: str = "",
    actor: Actor,
) -> WebhookEndpoint:
    _require_admin(actor, endpoint.account)
    values = _cleaned(url, event_types, description)
    with transaction.atomic():
        for name, value in values.items():
            setattr(endpoint, name, value)
        endpoint.save(update_fields=list(values))
        audit.record(actor, "webhook.updated", "webhook", endpoint.public_id)
    return endpoint


def set_enabled(endpoint: WebhookEndpoint, enabled: bool, *, actor: Actor) -> WebhookEndpoint:
    """Switch an endpoint on or off by hand. Switching on clears its failure record, so it
    gets a fresh day before it could be disabled again."""
    _require_admin(actor, endpoint.account)
    if endpoint.enabled == enabled:
        return endpoint
    changes: dict = {"enabled": enabled, "disabled_at": None if enabled else clock.now()}
    changes["disabled_reason"] = "" if enabled else DISABLED_BY_HAND
    if enabled:
        changes |= {"consecutive_failures": 0, "failing_since": None}
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(**changes)
        for name, value in changes.items():
            setattr(endpoint, name, value)
        action = "webhook.enabled" if enabled else "webhook.disabled"
        audit.record(actor, action, "webhook", endpoint.public_id)
        transaction.on_commit(endpoints_changed)
    return endpoint


def rotate_secret(endpoint: WebhookEndpoint, *, actor: Actor) -> EndpointSecret:
    """A new signing secret; the previous one keeps signing alongside for a day."""
    _require_admin(actor, endpoint.account)
    secret = webhooks.new_secret()
    current = signing_secrets(endpoint)[:1]
    until = clock.now() + ROTATION_OVERLAP
    with transaction.atomic():
        endpoint.credentials = {
            "signing": [secret],
            "previous": current,
            "previous_until": until.isoformat(),
        }
        endpoint.save(update_fields=["credentials"])
        audit.record(actor, "webhook.secret_rotated", "webhook", endpoint.public_id)
    return EndpointSecret(endpoint, secret)


def delete_endpoint(endpoint: WebhookEndpoint, *, actor: Actor) -> None:
    """Delete it with its delivery log (the events other endpoints share stay)."""
    _require_admin(actor, endpoint.account)
    with transaction.atomic():
        audit.record(actor, "webhook.deleted", "webhook", endpoint.public_id)
        endpoint.delete()
        transaction.on_commit(endpoints_changed)


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one
    while a rotation's overlap lasts (a receiver holding either accepts)."""
    credentials = endpoint.credentials or {}
    secrets = list(credentials.get("signing") or [])
    until = credentials.get("previous_until")
    if until and clock.now().isoformat() < until:
        secrets += list(credentials.get("previous") or [])
    return secrets


def _cleaned(url: str, event_types: Iterable[str], description: str) -> dict:
    try:
        checked = str(ssrf.check_url((url or "").strip(), resolve=True))
    except ssrf.BlockedAddress as error:
        raise ValidationFailed(error.message, field="url", reason=error.reason) from None
    if len(checked) > 2000:
        raise ValidationFailed(_("The URL is too long."), field="url")
    types = sorted(set(event_types))
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise ValidationFailed(
            _("Unknown event type: %(types)s.") % {"types": ", ".join(unknown)},
            field="event_types",
        )
    if not types:
        raise ValidationFailed(_("Choose at least one event."), field="event_types")
    return {
        "url": checked,
        "event_types": types,
        "description": (description or "").strip()[:MAX_DESCRIPTION],
    }


def _require_admin(actor: Actor, account: Account) -> None:
    if actor.account.pk != account.pk:
        raise NotFound(_("Not found."))
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can manage webhooks."))
