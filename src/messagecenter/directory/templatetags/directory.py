"""Small display helpers of the contacts pages."""

from __future__ import annotations

import phonenumbers
from django import template

register = template.Library()


@register.filter
def initials(contact) -> str:
    """One or two letters for the avatar: "Clara Kundin" → "CK"; no name → "?"."""
    words = [w for w in str(getattr(contact, "name", "") or "").split() if w[:1].isalpha()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


@register.filter
def phone(value: str) -> str:
    """An E.164 number as people read it: "+4915112345678" → "+49 151 12345678"."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def sample(values: list[str], count: int = 3) -> str:
    """The first few non-empty sample values of a column, for the mapping step."""
    shown = [v.strip() for v in values if v.strip()][:count]
    return " · ".join(v if len(v) <= 40 else v[:39] + "…" for v in shown)
