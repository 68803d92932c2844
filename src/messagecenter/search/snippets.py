"""Highlighted snippets: the part of a message (or contact) that matched, with the matching
words marked. Words are compared by the index's own rule (``QueryTerm.matches``), so what is
marked is what was found, umlauts and stems included."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from messagecenter.search.text import WORD, QueryTerm, forms

WIDTH = 160
LEAD = 40


@dataclass(frozen=True)
class Snippet:
    """``kind``: message, note, contact or phone; ``html`` is escaped text with ``<mark>``."""

    kind: str
    html: SafeString
    seq: int | None = None


def highlight(text: str, terms: list[QueryTerm], width: int = WIDTH) -> SafeString:
    """About ``width`` characters of ``text`` around its first match, matches marked."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    spans = [
        (m.start(), m.end())
        for m in WORD.finditer(text)
        if any(term.matches(forms(m.group())) for term in terms)
    ]
    start = _window_start(text, spans[0][0]) if spans else 0
    end = min(len(text), start + width)
    pieces = ["…"] if start > 0 else []
    cursor = start
    for begin, finish in spans:
        if begin < start or finish > end:
            continue
        pieces += [escape(text[cursor:begin]), "<mark>", escape(text[begin:finish]), "</mark>"]
        cursor = finish
    pieces.append(escape(text[cursor:end]))
    if end < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # noqa: S308 (every piece of text above is escaped)


def _window_start(text: str, first: int) -> int:
    if first <= LEAD:
        return 0
    space = text.rfind(" ", 0, first - LEAD)
    return space + 1 if space >= 0 else first - LEAD


def text_snippet(entry, terms: list[QueryTerm]) -> Snippet:
    """A message's or note's matching part (the entry has ``message``/``note`` loaded)."""
    kind = entry.kind if entry.kind in ("message", "note") else "message"
    body = entry.message.body if kind == "message" else entry.note.body
    return Snippet(kind, highlight(body, terms), seq=entry.seq)


def contact_snippet(contact, emails: list[str], terms: list[QueryTerm]) -> Snippet:
    fields = [contact.name, contact.company, contact.customer_id, contact.postcode, contact.country]
    text = " · ".join(value for value in [*fields, *emails] if value)
    return Snippet("contact", highlight(text, terms, width=WIDTH))


def phone_snippet(phone: str) -> Snippet:
    return Snippet("phone", mark_safe(f"<mark>{escape(phone)}</mark>"))  # noqa: S308
