"""REST API tokens: created and shown once, stored as a SHA-256 hash, checked on every request.

A token looks like ``mc_<prefix>_<secret>``. Only its hash is stored; the prefix (``mc_<prefix>``)
is kept in clear so lists can tell tokens apart. A plain SHA-256 is enough here, unlike for
passwords: the secret is 40 random base62 characters (~238 bits), so there is nothing to
brute-force, and a fast hash keeps the per-request check cheap.

Personal tokens act as their operator; integration tokens act as the account's integration
(a bot), never as an operator. Each token carries scopes that the API checks per endpoint.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account, ApiToken, Operator, TokenKind
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError, PermissionDenied, ValidationFailed

SCOPES = {
    "conversations:read": gettext_lazy("Read conversations and their timelines"),
    "conversations:write": gettext_lazy("Write messages and notes, assign, change status"),
    "contacts:read": gettext_lazy("Read contacts, their custom fields and data; export them"),
    "contacts:write": gettext_lazy("Create and change contacts, block them, erase them"),
    "team:read": gettext_lazy("Read operators, their presence, groups and topics"),
    "team:write": gettext_lazy("Change presence, groups and topics"),
    "settings:read": gettext_lazy("Read widgets, channels, macros and contact fields"),
    "settings:write": gettext_lazy("Change widgets, macros and contact fields"),
    "analytics:read": gettext_lazy("Read analytics summaries"),
    "tokens:manage": gettext_lazy("List and revoke API tokens"),
}
_ALPHABET = string.ascii_letters + string.digits
_PREFIX_LENGTH = 8
_SECRET_LENGTH = 40
_FORMAT = re.compile(rf"mc_([A-Za-z0-9]{{{_PREFIX_LENGTH}}})_[A-Za-z0-9]{{{_SECRET_LENGTH}}}")
# ``last_used_at`` is informational; writing it on every request would turn each read into a
# write (and, on SQLite, take the database's single write lock), so it is refreshed at most
# once per this interval.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class InvalidToken(DomainError):
    """The request's token is missing, malformed, unknown or revoked."""

    code = "invalid_token"
    http_status = 401


@dataclass(frozen=True)
class NewToken:
    """A freshly created token. ``secret`` is the full token string: show it once, never
    store it."""

    token: ApiToken
    secret: str


def create_personal_token(
    operator: Operator, name: str, scopes: Iterable[str], *, actor: Actor | None = None
) -> NewToken:
    """A token that acts as ``operator``. Only the operator creates their own."""
    actor = actor or Actor.for_operator(operator)
    if actor.operator is None or actor.operator.pk != operator.pk:
        raise PermissionDenied(_("Only the operator can create their own personal tokens."))
    return _create(operator.account, TokenKind.PERSONAL, name, scopes, actor, operator=operator)


def create_integration_token(
    account: Account, name: str, scopes: Iterable[str], *, actor: Actor
) -> NewToken:
    """A token for an integration (a bot) of ``account``. Administrators only."""
    if not _is_admin_of(actor, account):
        raise PermissionDenied(_("Only an administrator can create integration tokens."))
    return _create(account, TokenKind.INTEGRATION, name, scopes, actor)


def authenticate(raw: str) -> ApiToken:
    """The live token for ``raw``, or ``InvalidToken``. Marks it used."""
    if not _FORMAT.fullmatch(raw or ""):
        raise InvalidToken(_("Invalid API token."))
    token = (
        ApiToken.objects.select_related("account", "operator__account")
        .filter(token_hash=hash_token(raw))
        .first()
    )
    if token is None:
        raise InvalidToken(_("Invalid API token."))
    if token.revoked_at is not None:
        raise InvalidToken(_("This API token has been revoked."))
    if token.operator is not None and not token.operator.is_active:
        raise InvalidToken(_("This API token belongs to a deactivated operator."))
    _mark_used(token)
    return token


def has_scope(token: ApiToken, scope: str) -> bool:
    return scope in token.scopes


def revoke(token: ApiToken, *, actor: Actor) -> ApiToken:
    """Revoke for good (a revoked token answers 401). Allowed to the token itself, its
    operator, and the account's administrators. Revoking twice changes nothing."""
    if not can_manage(actor, token):
        raise PermissionDenied(_("You cannot revoke this token."))
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = clock.now()
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.revoked_at)
        audit.record(actor, "api_token.revoked", "api_token", token.public_id)
    return token


def visible_tokens(actor: Actor) -> QuerySet[ApiToken]:
    """Tokens ``actor`` may list and revoke: administrators see the account's tokens, an
    operator their personal ones, an integration only itself."""
    tokens = ApiToken.objects.for_account(actor.account).order_by("-created_at", "-id")
    if _is_admin_of(actor, actor.account):
        return tokens
    if actor.operator is not None:
        return tokens.filter(operator=actor.operator)
    return tokens.filter(pk=actor.token.pk if actor.token else None)


def can_manage(actor: Actor, token: ApiToken) -> bool:
    if token.account_id != actor.account.pk:
        return False
    if actor.token is not None and actor.token.pk == token.pk:
        return True
    if actor.operator is not None and actor.operator.pk == token.operator_id:
        return True
    return _is_admin_of(actor, actor.account)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _create(
    account: Account,
    kind: str,
    name: str,
    scopes: Iterable[str],
    actor: Actor,
    *,
    operator: Operator | None = None,
) -> NewToken:
    name, scopes = _clean_name(name), _clean_scopes(scopes)
    prefix, secret = _generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            account=account,
            kind=kind,
            operator=operator,
            name=name,
            prefix=prefix,
            token_hash=hash_token(secret),
            scopes=scopes,
        )
        audit.record(actor, "api_token.created", "api_token", token.public_id, kind=kind)
    return NewToken(token, secret)


def _generate() -> tuple[str, str]:
    prefix = "mc_" + _random(_PREFIX_LENGTH)
    return prefix, f"{prefix}_{_random(_SECRET_LENGTH)}"


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _mark_used(token: ApiToken) -> None:
    now = clock.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    token.last_used_at = now
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("A token needs a name."), field="name")
    return name[:100]


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    cleaned = sorted(set(scopes))
    unknown = [scope for scope in cleaned if scope not in SCOPES]
    if unknown:
        raise ValidationFailed(
            _("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(unknown)}, field="scopes"
        )
    if not cleaned:
        raise ValidationFailed(_("A token needs at least one scope."), field="scopes")
    return cleaned


def _is_admin_of(actor: Actor | None, account: Account) -> bool:
    operator = actor.operator if actor is not None else None
    return operator is not None and operator.is_admin and operator.account_id == account.pk
