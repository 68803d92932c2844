"""Secrets at rest: channel credentials (IMAP/SMTP passwords, API tokens, webhook secrets).

:class:`EncryptedJSONField` stores a JSON object encrypted with Fernet (AES-128-CBC plus
HMAC-SHA256, from ``cryptography``). The database, its backups and ``dumpdata`` only ever hold
the token; the Python value is a :class:`Credentials` dict whose ``repr``/``str`` show the keys
and never the values, so a log line or an error page that prints it leaks nothing.

Keys. Each key is derived with HKDF-SHA256 from a key *material* string:

- the key that encrypts is ``MC_CREDENTIALS_KEY``, or ``SECRET_KEY`` when that is not set;
- keys that still decrypt: those listed in ``MC_CREDENTIALS_KEYS`` (comma-separated), Django's
  ``SECRET_KEY_FALLBACKS``, and ``SECRET_KEY`` itself once ``MC_CREDENTIALS_KEY`` is set (so
  setting a dedicated key later needs no other step).

Rotation: set the new ``MC_CREDENTIALS_KEY``, list the old one in ``MC_CREDENTIALS_KEYS``,
run ``messagecenter reencrypt_credentials`` (every stored value is decrypted with whichever
key fits and encrypted again with the new one), then drop the old key. A value no key opens
raises :class:`CredentialsKeyError`, which names the settings to fix.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.query_utils import DeferredAttribute

HKDF_INFO = b"messagecenter/credentials/v1"
MASK = "***"


class CredentialsKeyError(ImproperlyConfigured):
    """Stored credentials cannot be decrypted with any configured key."""


class Credentials(dict):
    """A dict of secrets that does not print them: ``Credentials({'password': '***'})``."""

    def __repr__(self) -> str:
        shown = ", ".join(f"{key!r}: {MASK!r}" for key in self)
        return f"Credentials({{{shown}}})"

    __str__ = __repr__


# --- keys and tokens ------------------------------------------------------------------------------


def key_materials() -> tuple[str, ...]:
    """The key materials in use, the encrypting one first."""
    primary = getattr(settings, "CREDENTIALS_KEY", "") or settings.SECRET_KEY
    decrypting = [
        *getattr(settings, "CREDENTIALS_OLD_KEYS", ()),
        settings.SECRET_KEY,
        *getattr(settings, "SECRET_KEY_FALLBACKS", ()),
    ]
    ordered = dict.fromkeys([primary, *decrypting])  # unique, in order
    return tuple(material for material in ordered if material)


def encrypt_text(text: str) -> str:
    return _fernet(key_materials()).encrypt(text.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return _fernet(key_materials()).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        raise CredentialsKeyError(
            "Stored channel credentials cannot be decrypted with the configured keys. They were "
            "encrypted with another key: set MC_CREDENTIALS_KEY to it (or list it in "
            "MC_CREDENTIALS_KEYS), or restore the SECRET_KEY they were written with."
        ) from None


def rotate_token(token: str) -> str:
    """The same plaintext encrypted with the current key (from any accepted key)."""
    try:
        return _fernet(key_materials()).rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        decrypt_text(token)  # raises the explained error
        raise


def encrypt_json(value: dict) -> str:
    if not isinstance(value, dict):
        raise TypeError(f"credentials must be a JSON object, not {type(value).__name__}")
    return encrypt_text(json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":")))


def decrypt_json(token: str) -> Credentials:
    return Credentials(json.loads(decrypt_text(token)))


@lru_cache(maxsize=8)
def _fernet(materials: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_derive(material)) for material in materials])


def _derive(material: str) -> bytes:
    # HKDF, not the raw string: SECRET_KEY signs cookies too, and one key for two purposes would
    # let a weakness in one use weaken the other. The info string separates the purposes.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        material.encode("utf-8")
    )
    return base64.urlsafe_b64encode(key)


# --- the model field ------------------------------------------------------------------------------


class SealedToken(str):
    """Ciphertext as the database holds it. The field hands rows out sealed and decrypts on
    first use of the attribute, so a connection whose key is missing still loads (the webchat
    keeps working; only the use of its credentials fails), and saving it unchanged writes the
    same token back without decrypting."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SealedToken(...)"


class _CredentialsAttribute(DeferredAttribute):
    """Decrypts a sealed value on first read; wraps assigned dicts so even an unsaved instance
    never prints a secret."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, SealedToken):
            value = decrypt_json(value)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance, value) -> None:
        if isinstance(value, dict) and not isinstance(value, Credentials):
            value = Credentials(value)
        instance.__dict__[self.field.attname] = value


class EncryptedJSONField(models.Field):
    """A JSON object encrypted at rest (a text column holding a Fernet token).

    ``instance.field`` is a :class:`Credentials` dict (decrypted when first read);
    ``values()``/``values_list()`` give :class:`SealedToken` strings. It cannot be filtered on
    (each encryption differs), so only ``isnull`` lookups exist; model forms leave it out
    (credentials are write-only in the UI: a form asks for new values, never shows stored ones).
    """

    description = "JSON object, encrypted at rest"
    descriptor_class = _CredentialsAttribute
    empty_strings_allowed = False

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value, expression, connection):
        return None if value is None else SealedToken(value)

    def to_python(self, value: Any):
        if value is None or isinstance(value, Credentials | SealedToken):
            return value
        if isinstance(value, dict):
            return Credentials(value)
        if isinstance(value, str):  # a token, e.g. from a fixture written by dumpdata
            return SealedToken(value)
        raise TypeError(f"credentials must be a JSON object, not {type(value).__name__}")

    def pre_save(self, model_instance, add):
        raw = model_instance.__dict__.get(self.attname)
        if isinstance(raw, SealedToken):
            return raw  # never read, so unchanged: keep the token as it is
        return super().pre_save(model_instance, add)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or isinstance(value, SealedToken):
            return None if value is None else str(value)
        return encrypt_json(value)

    def value_to_string(self, obj) -> str:
        # Serialisers (dumpdata) get the token, never the plaintext.
        raw = obj.__dict__.get(self.attname)
        return self.get_prep_value(
            raw if isinstance(raw, SealedToken) else getattr(obj, self.attname)
        )

    def get_lookup(self, lookup_name):
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name):
        return None

    def formfield(self, **kwargs):
        return None
