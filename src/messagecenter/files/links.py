"""Signed download links, scoped to the file's account.

Two kinds, both tokens signed with the secret key (no row to look up, nothing to guess):

- the **download URL** (``download_url``) serves the bytes and lives ``MC_FILE_URL_SECONDS``
  (minutes): what a browser, a mail client or a provider (SMS ``MediaUrl``) fetches;
- the **lasting link** (``lasting_link``) lives ``MC_FILE_LINK_DAYS`` and serves nothing itself:
  it mints a fresh download URL and redirects there. It is what a contact keeps (in a mail, an
  SMS, the messenger's history), so it still works days later while any URL that leaks from a
  log or a proxy is dead within minutes.

A token names the account and the file; the file is looked up inside that account only, so a
token can never reach another account's file (a forged or expired one is simply not found).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from messagecenter.core.errors import NotFound
from messagecenter.files.models import StoredFile

DOWNLOAD_SALT = "messagecenter.files.download"
LINK_SALT = "messagecenter.files.link"
# The file, an image's preview, a voice message's playable copy (files.voice.playable).
VARIANTS = ("file", "thumb", "voice")


def download_url(stored: StoredFile, *, variant: str = "file") -> str:
    """A path (relative) serving the file for ``MC_FILE_URL_SECONDS``."""
    token = _sign(stored, DOWNLOAD_SALT, variant)
    return reverse("file_download", args=[token, _safe_name(stored, variant)])


def lasting_link(stored: StoredFile, *, variant: str = "file") -> str:
    return reverse("file_link", args=[_sign(stored, LINK_SALT, variant)])


def absolute(path: str) -> str:
    """For messages leaving the product (mail, SMS): the public address of ``path``."""
    return settings.PUBLIC_URL + path


def resolve_download(token: str) -> tuple[StoredFile, str]:
    return _resolve(token, DOWNLOAD_SALT, timedelta(seconds=settings.FILE_URL_SECONDS))


def resolve_link(token: str) -> tuple[StoredFile, str]:
    return _resolve(token, LINK_SALT, timedelta(days=settings.FILE_LINK_DAYS))


def _sign(stored: StoredFile, salt: str, variant: str) -> str:
    payload = {"a": stored.account.public_id, "f": stored.public_id, "v": variant}
    return signing.dumps(payload, salt=salt, compress=False)


def _resolve(token: str, salt: str, max_age: timedelta) -> tuple[StoredFile, str]:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # forged, altered or expired (SignatureExpired)
        raise NotFound("Not found.") from None
    variant = payload.get("v")
    stored = (
        StoredFile.objects.filter(account__public_id=payload.get("a"), public_id=payload.get("f"))
        .select_related("account")
        .first()
    )
    if (
        stored is None
        or variant not in VARIANTS
        or (variant == "thumb" and not stored.thumbnail_key)
        or (variant == "voice" and not stored.voice)
    ):
        raise NotFound("Not found.")
    return stored, variant


def _safe_name(stored: StoredFile, variant: str) -> str:
    """The last path segment: a readable name for saving, nothing the server relies on."""
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in stored.original_name)
    name = name.strip("._")[:100] or "file"
    if variant == "voice" and stored.voice_ogg_key:
        name = name.rsplit(".", 1)[0] + ".ogg"
    return ("thumb-" if variant == "thumb" else "") + name
