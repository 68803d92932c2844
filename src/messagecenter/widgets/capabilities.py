"""What each transport can do (R-CHAN-2). The domain services enforce these.

The transport adapters (a later issue) declare the same values; until a transport exists its
declared capabilities live here, so rules such as "deletion only on webchat, telegram and
custom" (R-CONV-5) are enforced from the first commit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capabilities:
    can_delete: bool
    media_types: frozenset[str]
    max_file_bytes: int | None  # None: the product limit (100 MB) applies
    voice: bool
    calls: bool
    templates: bool


_ALL = frozenset({"image", "audio", "video", "document", "other"})
MB = 1024 * 1024

_BY_KIND = {
    "webchat": Capabilities(True, _ALL, None, True, True, False),
    "email": Capabilities(False, _ALL, 25 * MB, True, False, False),
    "whatsapp": Capabilities(False, _ALL, 16 * MB, True, False, True),
    "telegram": Capabilities(True, _ALL, 50 * MB, True, False, False),
    # SMS (MMS) carries images only: JPEG, PNG, GIF (R-FILE-1); no voice (R-FILE-2).
    "sms": Capabilities(False, frozenset({"image"}), 5 * MB, False, False, False),
    "custom": Capabilities(True, _ALL, None, True, False, False),
}


def capabilities_for(kind: str) -> Capabilities:
    return _BY_KIND[kind]
