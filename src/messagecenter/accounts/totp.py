"""Optional two-factor sign-in with time-based one-time codes (TOTP, RFC 6238).

The secret only reaches the operator row once the operator proved their authenticator app
holds it (``enable`` with a valid code); until then the caller keeps it (the web UI keeps it in
the session), so an abandoned setup leaves nothing behind.

A code is good once: the operator row remembers the last accepted 30-second step, and a code
is accepted only by a compare-and-set that moves it forward, so neither a replay nor two
parallel requests with one code get in twice. Recovery codes (ten, shown once, stored hashed)
stand in for a lost phone, each once.
"""

from __future__ import annotations

import hashlib
import re
import secrets

import pyotp
from django.db import transaction
from django.db.models import Q
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Operator, RecoveryCode
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import Conflict, PermissionDenied, ValidationFailed

ISSUER = "Message Center"
CODE_PATTERN = re.compile(r"\d{6}")
# Accept the previous and next 30-second step as well: phones' clocks drift.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits without look-alikes (0/o, 1/l/i): easy to read off paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_PATTERN = re.compile(rf"[{_RECOVERY_ALPHABET}]{{10}}")


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(operator: Operator, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=operator.email, issuer_name=ISSUER)


def normalise_code(code: str) -> str:
    # Apps show codes as "123 456"; people paste them that way.
    return re.sub(r"[\s-]", "", code or "")


def matching_step(secret: str, code: str) -> int | None:
    """The 30-second step (of now, the one before or after) whose code ``code`` is."""
    code = normalise_code(code)
    if not secret or not CODE_PATTERN.fullmatch(code):
        return None
    generator = pyotp.TOTP(secret)
    now = generator.timecode(clock.now())
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if constant_time_compare(generator.generate_otp(step), code):
            return step
    return None


def verify(secret: str, code: str) -> bool:
    return matching_step(secret, code) is not None


def check_login_code(operator: Operator, code: str) -> bool:
    """The second login step: a code from the operator's enabled authenticator that is newer
    than every code accepted before, or an unused recovery code."""
    if not operator.totp_enabled:
        return False
    if RECOVERY_CODE_PATTERN.fullmatch(normalise_recovery(code)):
        return use_recovery_code(operator, code)
    step = matching_step(operator.totp_secret, code)
    return step is not None and _advance_step(operator, step)


def enable(operator: Operator, *, secret: str, code: str, actor: Actor) -> list[str]:
    """Turn two-factor sign-in on with ``secret``, once ``code`` proves the app has it.

    Returns the new recovery codes, to be shown once: only their hashes are kept.
    """
    _require_self(operator, actor)
    if operator.totp_enabled:
        raise Conflict(_("Two-factor authentication is already on."))
    step = matching_step(secret, code)
    if step is None:
        raise ValidationFailed(_("That code is not valid. Check your app and try again."))
    with transaction.atomic():
        # The confirming code counts as used: it cannot sign in afterwards.
        Operator.objects.filter(pk=operator.pk).update(
            totp_secret=secret, totp_enabled=True, totp_last_step=step
        )
        operator.totp_secret, operator.totp_enabled, operator.totp_last_step = secret, True, step
        codes = _replace_recovery_codes(operator)
        audit.record(actor, "operator.2fa_enabled", "operator", operator.public_id)
    return codes


def disable(operator: Operator, *, code: str, actor: Actor) -> None:
    """Turn two-factor sign-in off; a current code (or a recovery code) proves the owner."""
    _require_self(operator, actor)
    if not check_login_code(operator, code):
        raise ValidationFailed(_("That code is not valid. Check your app and try again."))
    with transaction.atomic():
        Operator.objects.filter(pk=operator.pk).update(totp_secret="", totp_enabled=False)
        operator.totp_secret, operator.totp_enabled = "", False
        RecoveryCode.objects.filter(operator=operator).delete()
        audit.record(actor, "operator.2fa_disabled", "operator", operator.public_id)


def reset(operator: Operator, *, actor: Actor) -> None:
    """An administrator clears another operator's second factor (a lost phone and no
    recovery codes left): the operator signs in with the password alone and sets up a new
    one. Audit-logged; telling the operator is the caller's part."""
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can do this."))
    if actor.account.pk != operator.account_id:
        from messagecenter.core.errors import NotFound

        raise NotFound(_("Not found."))
    if actor.operator.pk == operator.pk:
        raise PermissionDenied(_("Turn your own two-factor sign-in off on your security page."))
    if not operator.totp_enabled:
        raise Conflict(_("This operator has no second factor to reset."))
    with transaction.atomic():
        Operator.objects.filter(pk=operator.pk).update(
            totp_secret="", totp_enabled=False, totp_last_step=None
        )
        operator.totp_secret, operator.totp_enabled, operator.totp_last_step = "", False, None
        RecoveryCode.objects.filter(operator=operator).delete()
        audit.record(actor, "operator.2fa_reset", "operator", operator.public_id)


def regenerate_recovery_codes(operator: Operator, *, code: str, actor: Actor) -> list[str]:
    """New recovery codes in place of the old ones (used up, or written down somewhere
    unsafe); a current code proves the owner. Returns them, to be shown once."""
    _require_self(operator, actor)
    if not check_login_code(operator, code):
        raise ValidationFailed(_("That code is not valid. Check your app and try again."))
    with transaction.atomic():
        codes = _replace_recovery_codes(operator)
        audit.record(actor, "operator.recovery_codes_regenerated", "operator", operator.public_id)
    return codes


def use_recovery_code(operator: Operator, code: str) -> bool:
    """Spend one recovery code; True when it was the operator's and unused until now."""
    with transaction.atomic():
        # Compare-and-set: of two requests with one code, only one sees the row unused.
        spent = RecoveryCode.objects.filter(
            operator=operator, code_hash=_hash(code), used_at__isnull=True
        ).update(used_at=clock.now())
        if spent:
            actor = Actor.for_operator(operator)
            audit.record(actor, "operator.recovery_code_used", "operator", operator.public_id)
    return spent == 1


def recovery_codes_left(operator: Operator) -> int:
    return RecoveryCode.objects.filter(operator=operator, used_at__isnull=True).count()


def _advance_step(operator: Operator, step: int) -> bool:
    # One UPDATE decides, so a replayed or parallel code finds the step already taken.
    moved = Operator.objects.filter(
        Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step),
        pk=operator.pk,
        totp_enabled=True,
    ).update(totp_last_step=step)
    if moved:
        operator.totp_last_step = step
    return moved == 1


def _replace_recovery_codes(operator: Operator) -> list[str]:
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    now = clock.now()
    RecoveryCode.objects.filter(operator=operator).delete()
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(operator=operator, code_hash=_hash(c), created_at=now) for c in codes]
    )
    return codes


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_recovery(code: str) -> str:
    return normalise_code(code).lower()


def _hash(code: str) -> str:
    # 50 random bits per code and a lock-out on wrong tries: a plain SHA-256 is enough, as
    # for API tokens; a slow hash would only slow down the sign-in.
    return hashlib.sha256(normalise_recovery(code).encode()).hexdigest()


def _require_self(operator: Operator, actor: Actor) -> None:
    if actor.operator is None or actor.operator.pk != operator.pk:
        raise PermissionDenied(_("Only the operator can change their own two-factor settings."))
