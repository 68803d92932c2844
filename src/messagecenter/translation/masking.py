"""What a provider must never change: chat commands, macro placeholders, URLs, e-mail
addresses, order numbers and code. Each such span is replaced by an empty XML tag
``<x i="N"/>`` before the text leaves and put back after: DeepL (``tag_handling=xml``) and
LibreTranslate (``format=html``) both keep tags, and an empty tag has no text to translate.
The rest is XML-escaped, so a ``<`` the contact typed is text, not a tag."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# Order matters: a fenced block before inline code, a URL before the e-mail inside it.
PROTECTED = re.compile(
    r"```.*?```"  # fenced code
    r"|`[^`\n]+`"  # inline code
    r"|^\s*\$\w+[^\n]*"  # a chat command line ($forward, $end …)
    r"|\{[a-z_]+(?:\.[a-z_]+)*\}"  # a macro placeholder ({contact.name})
    r"|\bhttps?://[^\s<>\"']+"  # a URL
    r"|\bwww\.[^\s<>\"']+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an e-mail address
    r"|#\d{3,}"  # an order or ticket number (#12345)
    r"|\b(?=[A-Z0-9-]*\d)[A-Z]{1,6}-?\d[A-Z0-9-]{2,}\b"  # AB-12345, ORD2024-001
    r"|\b\d{5,}\b",  # a bare long number
    re.DOTALL | re.MULTILINE,
)
TAG = re.compile(r'<x\s+i\s*=\s*"(\d+)"\s*/?>(?:\s*</x>)?')
# Who says the provider kept every tag: it may move them, never drop them.


@dataclass(frozen=True)
class Masked:
    text: str  # escaped, with the tags
    spans: list[str]

    def unmask(self, translated: str) -> str:
        """The provider's answer as plain text with every protected span back."""
        parts: list[str] = []
        last = 0
        seen: set[int] = set()
        for match in TAG.finditer(translated):
            parts.append(html.unescape(translated[last : match.start()]))
            index = int(match.group(1))
            if index < len(self.spans):
                parts.append(self.spans[index])
                seen.add(index)
            last = match.end()
        parts.append(html.unescape(translated[last:]))
        # A span the provider dropped is appended rather than lost.
        missing = [span for i, span in enumerate(self.spans) if i not in seen]
        return "".join(parts) + "".join(f" {span}" for span in missing)


def mask(text: str) -> Masked:
    spans: list[str] = []
    parts: list[str] = []
    last = 0
    for match in PROTECTED.finditer(text):
        parts.append(html.escape(text[last : match.start()], quote=False))
        parts.append(f'<x i="{len(spans)}"/>')
        spans.append(match.group(0))
        last = match.end()
    parts.append(html.escape(text[last:], quote=False))
    return Masked("".join(parts), spans)
