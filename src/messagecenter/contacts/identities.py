"""Normalising identifiers so the same person matches however they were typed."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from messagecenter.core.errors import ValidationFailed

DEFAULT_PHONE_REGION = "DE"


def normalise_email(value: str) -> str:
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from None
    return value.lower()


def normalise_phone(value: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """Any common notation ("0151 2345 6789", "+49 (151) 23456789", "0049…") to E.164."""
    raw = (value or "").strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationFailed(_("Enter a valid phone number."), field="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(_("Enter a valid phone number."), field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_whatsapp(value: str) -> str:
    """A WhatsApp identity is the business-scoped user id (``US.13491208655302741918``, kept
    exactly as WhatsApp sent it) or, for users WhatsApp names by number only, the ``wa_id``:
    international digits without the plus ("4915123456789"), to E.164. A ``wa_id`` the phone
    library does not know as valid is still WhatsApp's word for that user: kept as +digits."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationFailed(_("An identifier cannot be empty."))
    if any(ch.isalpha() for ch in raw):
        return raw[:320]
    digits = raw.removeprefix("+")
    if digits.isdigit() and not digits.startswith("0"):
        try:
            return normalise_phone("+" + digits)
        except ValidationFailed:
            if 6 <= len(digits) <= 15:
                return "+" + digits
            raise
    return normalise_phone(raw)


def normalise(kind: str, value: str) -> str:
    if kind == "email":
        return normalise_email(value)
    if kind == "whatsapp":
        return normalise_whatsapp(value)
    if kind == "phone":
        return normalise_phone(value)
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(_("An identifier cannot be empty."))
    return value[:320]
