"""Optional two-factor sign-in with time-based one-time codes (TOTP, RFC 6238).

The secret only reaches the operator row once the operator proved their authenticator app
holds it (``enable`` with a valid code); until then the caller keeps it (the web UI keeps it in
the session), so an abandoned setup leaves nothing behind.
"""

from __future__ import annotations

import re

import pyotp
from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Operator
from messagecenter.core.actors import Actor
from messagecenter.core.errors import Conflict, PermissionDenied, ValidationFailed

ISSUER = "Message Center"
CODE_PATTERN = re.compile(r"\d{6}")
# Accept the previous and next 30-second step as well: phones' clocks drift.
VALID_WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(operator: Operator, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=operator.email, issuer_name=ISSUER)


def normalise_code(code: str) -> str:
    # Apps show codes as "123 456"; people paste them that way.
    return re.sub(r"[\s-]", "", code or "")


def verify(secret: str, code: str) -> bool:
    code = normalise_code(code)
    if not secret or not CODE_PATTERN.fullmatch(code):
        return False
    return pyotp.TOTP(secret).verify(code, valid_window=VALID_WINDOW)


def check_login_code(operator: Operator, code: str) -> bool:
    """The second login step: a current code from the operator's enabled authenticator."""
    return operator.totp_enabled and verify(operator.totp_secret, code)


def enable(operator: Operator, *, secret: str, code: str, actor: Actor) -> None:
    """Turn two-factor sign-in on with ``secret``, once ``code`` proves the app has it."""
    _require_self(operator, actor)
    if operator.totp_enabled:
        raise Conflict(_("Two-factor authentication is already on."))
    if not verify(secret, code):
        raise ValidationFailed(_("That code is not valid. Check your app and try again."))
    with transaction.atomic():
        Operator.objects.filter(pk=operator.pk).update(totp_secret=secret, totp_enabled=True)
        operator.totp_secret, operator.totp_enabled = secret, True
        audit.record(actor, "operator.2fa_enabled", "operator", operator.public_id)


def disable(operator: Operator, *, code: str, actor: Actor) -> None:
    """Turn two-factor sign-in off; a current code proves the phone is still in hand."""
    _require_self(operator, actor)
    if not check_login_code(operator, code):
        raise ValidationFailed(_("That code is not valid. Check your app and try again."))
    with transaction.atomic():
        Operator.objects.filter(pk=operator.pk).update(totp_secret="", totp_enabled=False)
        operator.totp_secret, operator.totp_enabled = "", False
        audit.record(actor, "operator.2fa_disabled", "operator", operator.public_id)


def _require_self(operator: Operator, actor: Actor) -> None:
    if actor.operator is None or actor.operator.pk != operator.pk:
        raise PermissionDenied(_("Only the operator can change their own two-factor settings."))
