"""The one writer of account profiles: default language, logo, support contact, the AI
automation hub link, and the two-factor rule. Administrators only; every change leaves an
audit row with the names of the fields it changed (never their values)."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account
from messagecenter.administration.models import AccountProfile
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.files import services as files
from messagecenter.files.models import StoredFile

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4096 * 4096
LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
# Stored at most this big on its longest side: the shell shows it at 40 px (twice for HiDPI).
LOGO_SIDE = 256
SUPPORT_FIELDS = ("support_email", "support_url", "ai_hub_url")
_http_url = URLValidator(schemes=["http", "https"])


def profile_of(account: Account) -> AccountProfile:
    """The account's profile; an unsaved one with the defaults until an admin saves one."""
    found = AccountProfile.objects.filter(account=account).select_related("logo").first()
    return found or AccountProfile(account=account)


def joined_profile(account: Account) -> AccountProfile:
    """The profile the request's account was loaded with (``accounts.auth`` joins it), or
    the defaults: no query for the pages' shell and the two-factor rule."""
    try:
        return account.profile  # type: ignore[attr-defined]
    except AccountProfile.DoesNotExist:
        return AccountProfile(account=account)


def update_support(account: Account, *, actor: Actor, **fields: str) -> AccountProfile:
    """Whom operators ask for help (an e-mail and/or a page) and the AI automation hub's
    address; an empty value clears it."""
    _require_admin(actor, account)
    cleaned = {name: (fields.get(name) or "").strip() for name in SUPPORT_FIELDS}
    _validate_support(cleaned)
    return _save(account, cleaned, actor)


def set_default_language(account: Account, language: str, *, actor: Actor) -> AccountProfile:
    """The language new operators start with (each can change their own)."""
    _require_admin(actor, account)
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unsupported language."), field="default_language")
    return _save(account, {"default_language": language}, actor)


def set_two_factor_required(account: Account, required: bool, *, actor: Actor) -> AccountProfile:
    """Require two-factor sign-in of every operator: whoever has none is sent to set it up
    right after signing in, before any other page."""
    _require_admin(actor, account)
    return _save(account, {"require_two_factor": bool(required)}, actor)


def set_logo(account: Account, upload, *, actor: Actor) -> AccountProfile:
    """Replace the logo with ``upload``: a real PNG, JPEG, GIF or WebP image (checked by
    decoding it), stored re-encoded as a PNG of at most ``LOGO_SIDE`` pixels, so what is
    served is always an image we wrote, without the upload's metadata."""
    _require_admin(actor, account)
    png = _normalised_logo(upload)
    stored = files.store_file(account, png, "logo.png", actor=actor)
    with transaction.atomic():
        profile = _locked(account)
        old = profile.logo
        profile.logo = stored
        profile.save(update_fields=["logo", "updated_at"])
        audit.record(actor, "account.logo_changed", "account", account.public_id)
        if old is not None:
            files.delete_file(old)
    return profile


def remove_logo(account: Account, *, actor: Actor) -> AccountProfile:
    _require_admin(actor, account)
    with transaction.atomic():
        profile = _locked(account)
        if profile.logo is not None:
            old, profile.logo = profile.logo, None
            profile.save(update_fields=["logo", "updated_at"])
            files.delete_file(old)
            audit.record(actor, "account.logo_removed", "account", account.public_id)
    return profile


def logo_file(account: Account, file_id: str) -> StoredFile:
    """The account's current logo by its id (any other id, or another account's, is not
    found): a replaced logo's old address stops working."""
    profile = profile_of(account)
    if profile.logo is None or profile.logo.public_id != file_id:
        raise NotFound(_("Not found."))
    return profile.logo


def _normalised_logo(upload) -> io.BytesIO:
    if upload is None or upload.size > LOGO_MAX_BYTES:
        raise ValidationFailed(_("The logo can be at most 1 MB."), field="logo")
    try:
        with Image.open(upload) as image:
            if image.format not in LOGO_FORMATS:
                raise ValidationFailed(
                    _("The logo must be a PNG, JPEG, GIF or WebP image."), field="logo"
                )
            if image.width * image.height > LOGO_MAX_PIXELS:
                raise ValidationFailed(
                    _("The logo is too large (at most 4096 × 4096 pixels)."), field="logo"
                )
            image.load()
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationFailed(_("This file is not an image we can read."), field="logo") from None
    picture.thumbnail((LOGO_SIDE, LOGO_SIDE))
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    out.seek(0)
    return out


def _validate_support(fields: dict[str, str]) -> None:
    checks = (
        ("support_email", EmailValidator(), _("Enter a valid e-mail address.")),
        ("support_url", _http_url, _("Enter a web address starting with https:// or http://.")),
        ("ai_hub_url", _http_url, _("Enter a web address starting with https:// or http://.")),
    )
    for name, validate, message in checks:
        if not fields[name]:
            continue
        try:
            validate(fields[name])
        except ValidationError:
            raise ValidationFailed(message, field=name) from None


def _save(account: Account, changes: dict, actor: Actor) -> AccountProfile:
    with transaction.atomic():
        profile = _locked(account)
        changed = sorted(name for name, value in changes.items() if getattr(profile, name) != value)
        for name in changed:
            setattr(profile, name, changes[name])
        if changed:
            profile.save(update_fields=[*changed, "updated_at"])
            audit.record(actor, "account.updated", "account", account.public_id, fields=changed)
    return profile


def _locked(account: Account) -> AccountProfile:
    AccountProfile.objects.get_or_create(account=account)
    # of=self: the logo is a nullable join, which PostgreSQL cannot lock.
    return (
        AccountProfile.objects.select_for_update(of=("self",))
        .select_related("logo")
        .get(account=account)
    )


def _require_admin(actor: Actor, account: Account) -> None:
    if actor.account.pk != account.pk:
        raise NotFound(_("Not found."))
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can do this."))
