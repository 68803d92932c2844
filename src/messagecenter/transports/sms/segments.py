"""How many SMS a text costs, and in which encoding (GSM 03.38 / 3GPP TS 23.038).

A text made only of the GSM-7 default alphabet (and its extension table, whose characters
take two septets: an escape and the character) goes as GSM-7: 160 septets in one SMS, 153 per
part once it must be split (the user data header takes the rest). Any other character makes
the whole text UCS-2 (UTF-16): 70 code units in one SMS, 67 per part. A character never
straddles two parts (an escape pair, a surrogate pair), so a part may stay a unit short.

The web composer shows the same count (``web/static/web/js/sms-segments.js`` ports these
rules; the tests run one table of cases against both). Twilio's optional "smart encoding"
may replace some look-alike characters (curly quotes) with GSM ones; we count the text as
written, which is the upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"
# The default alphabet, in table order (0x1B, the escape, left out: it is no character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class Segments:
    """``count`` SMS in ``encoding``; ``units`` used (septets or UTF-16 code units) of the
    ``capacity`` those SMS hold."""

    count: int
    encoding: str
    units: int
    capacity: int

    def as_data(self) -> dict[str, int | str]:
        return {"count": self.count, "encoding": self.encoding, "units": self.units,
                "capacity": self.capacity}  # fmt: skip


def encoding_of(text: str) -> str:
    allowed = GSM7_BASIC | GSM7_EXTENSION
    return GSM7 if all(c in allowed for c in text) else UCS2


def _units(char: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1  # outside the BMP: a surrogate pair


def count(text: str) -> Segments:
    encoding = encoding_of(text)
    sizes = [_units(c, encoding) for c in text]
    units = sum(sizes)
    if units <= SINGLE[encoding]:
        return Segments(1 if text else 0, encoding, units, SINGLE[encoding])
    parts, room = 1, PART[encoding]
    for size in sizes:
        if size > room:  # it would straddle two parts: it starts the next one
            parts, room = parts + 1, PART[encoding]
        room -= size
    return Segments(parts, encoding, units, parts * PART[encoding])
