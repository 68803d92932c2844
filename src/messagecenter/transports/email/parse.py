"""Reading an incoming mail: raw RFC 822 bytes in, one plain ``ParsedMail`` value out.

Pure: no database, no settings, no network. The e-mail transport stores what this returns.

Rules the code follows, and why:
- **Never raise on a bad mail.** Real mail is broken in every way (wrong charsets, missing
  boundaries, header syntax from 1998). Each field is read on its own with a fallback, so one bad
  header costs that header, not the mail. Only input that is not a mail at all (empty, or a binary
  file such as an Outlook ``.msg``) raises ``MailParseError``.
- **Line endings do not matter.** CRLF is turned into LF before parsing, so a mail read from IMAP
  (CRLF) and the same mail from a file (LF) give the same result.
- **Which parts are the body** follows JMAP's ``parseStructure`` (RFC 8621 §4.1.4), the rule most
  clients and the stalwart parser use: the rest are attachments.
- **HTML is sanitised** with nh3; remote images are kept only as ``data-mc-remote-src`` so the UI
  can load them when the operator asks; ``cid:`` images stay ``cid:`` and name their attachment.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import email.utils
import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header
from email.message import Message
from enum import StrEnum
from html.parser import HTMLParser

import nh3
from mailparser_reply.parser import EmailMessage as _ReplyReader

LOOP_HEADER = "X-MC-Loop"


class MailParseError(ValueError):
    """The input is not an e-mail at all (empty, or a binary file such as an Outlook .msg)."""


class MailKind(StrEnum):
    NORMAL = "normal"
    AUTO_REPLY = "auto_reply"  # out-of-office and other automatic answers (RFC 3834)
    BOUNCE = "bounce"  # a delivery status notification about a mail we sent
    LOOP = "loop"  # carries our own loop header: our mail came back to us


@dataclass(frozen=True)
class Address:
    name: str
    address: str  # as written; compare with ``normalized``

    @property
    def normalized(self) -> str:
        return self.address.strip().lower()


@dataclass(frozen=True)
class Attachment:
    filename: str  # decoded; a generated name ("attachment-2.pdf") when the mail gives none
    content_type: str  # lower case, e.g. "application/pdf"
    content: bytes = field(repr=False)
    content_id: str | None = None  # without <>
    inline: bool = False  # shown inside the HTML body through a cid: reference
    disposition: str = ""  # "inline", "attachment" or "" as declared
    charset: str | None = None  # declared charset of a text attachment
    filename_given: bool = True  # False when ``filename`` was generated

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class FailedRecipient:
    recipient: str
    action: str  # "failed", "delayed", "delivered", "relayed", "expanded" (RFC 3464)
    status: str  # e.g. "5.1.1"
    diagnostic: str  # e.g. "smtp; 550 5.1.1 <bob@example.org>: user unknown"


@dataclass(frozen=True)
class Bounce:
    """A delivery status notification, read so the caller can mark the original mail failed."""

    original_message_id: str | None
    recipients: list[FailedRecipient]

    @property
    def is_failure(self) -> bool:
        """A recipient failed (or the report names none); "delayed" is only a warning."""
        return not self.recipients or any(r.action in ("failed", "") for r in self.recipients)

    @property
    def reason(self) -> str:
        parts = [r.diagnostic or r.status for r in self.recipients if r.action in ("failed", "")]
        return "; ".join(p for p in parts if p) or "The mail could not be delivered."


@dataclass
class ParsedMail:
    message_id: str | None  # without <>
    in_reply_to: str | None  # the first id of In-Reply-To, without <>
    references: list[str]  # oldest first, without <>
    subject: str
    from_address: Address | None
    reply_to: list[Address]
    to: list[Address]
    cc: list[Address]
    delivered_to: list[str]  # Delivered-To, X-Original-To, Envelope-To: where the server put it
    date: datetime | None  # aware; None when missing or unreadable
    text: str  # the whole plain-text body (from the HTML when the mail has no text part)
    html: str  # sanitised HTML body, "" when the mail has none
    reply_text: str  # the new part of the text: quoted history and signature removed
    quoted_text: str  # what was cut from ``text`` to get ``reply_text`` (nothing is lost)
    reply_html: str  # sanitised HTML above the quoted history; ``html`` when none was found
    attachments: list[Attachment]
    kind: MailKind
    remote_images_blocked: bool = False
    auto_reply_reason: str = ""  # which header or rule made this an auto-reply
    bounce: Bounce | None = None
    loop_id: str | None = None  # the value of our loop header, when present
    defects: list[str] = field(default_factory=list)  # e.g. "StartBoundaryNotFoundDefect"

    @property
    def sender(self) -> Address | None:
        """Where an answer goes: Reply-To first, else From."""
        return self.reply_to[0] if self.reply_to else self.from_address

    @property
    def recipients(self) -> list[Address]:
        return [*self.to, *self.cc]


def parse_mail(raw: bytes, *, loop_ids: set[str] | frozenset[str] | None = None) -> ParsedMail:
    """Read one raw mail. ``loop_ids``: our loop header values; None counts any as ours."""
    msg = _load(raw)
    structure = _Structure.of(msg)
    raw_html = _raw_html(structure.html_parts)
    html, blocked = sanitize_html(raw_html) if raw_html else ("", False)
    cids = set(_CID_RE.findall(html))
    text = _text_body(structure.text_parts)
    if not text.strip():
        text = html_to_text(html)
    reply_text, quoted_text = split_reply(text)
    bounce = _bounce(msg)
    loop_id = _header(msg, LOOP_HEADER) or None
    kind, auto_reason = _classify(msg, bounce, loop_id, loop_ids)
    return ParsedMail(
        message_id=_first_id(_header(msg, "Message-ID")),
        in_reply_to=_first_id(_header(msg, "In-Reply-To")),
        references=message_ids(_header(msg, "References")),
        subject=_header(msg, "Subject"),
        from_address=next(iter(_addresses(msg, "From")), None),
        reply_to=_addresses(msg, "Reply-To"),
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        delivered_to=_delivered_to(msg),
        date=_date(msg),
        text=text,
        html=html,
        reply_text=reply_text,
        quoted_text=quoted_text,
        reply_html=html_reply(raw_html) if raw_html else "",
        attachments=_attachments(structure.attachment_parts, cids),
        kind=kind,
        remote_images_blocked=blocked,
        auto_reply_reason=auto_reason,
        bounce=bounce,
        loop_id=loop_id,
        defects=_defects(msg),
    )


# --- loading -------------------------------------------------------------------------------------

_BINARY_MAGIC = (b"\xd0\xcf\x11\xe0", b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")


def _load(raw: bytes) -> Message:
    if not raw or not raw.strip():
        raise MailParseError("The input is empty.")
    raw = raw.replace(b"\r\n", b"\n")
    if raw.startswith(_BINARY_MAGIC) or b"\x00" in raw.split(b"\n\n", 1)[0][:4096]:
        raise MailParseError("The input is a binary file, not an e-mail (RFC 822) message.")
    raw = _repair_obsolete_headers(raw)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for part in list(msg.walk()):
        _repair_transfer_encoding(part)
        _recover_swallowed_part(part)
    return msg


_OBS_FIELD_NAME = re.compile(rb"^([!-9;-~]+)[ \t]+:", re.MULTILINE)


def _repair_obsolete_headers(raw: bytes) -> bytes:
    """RFC 5322 §4.5 allows blanks before a header's colon; the stdlib reads it as body text."""
    head, sep, body = raw.partition(b"\n\n")
    return _OBS_FIELD_NAME.sub(rb"\1:", head) + sep + body


def _recover_swallowed_part(part: Message) -> None:
    """A multipart header block directly followed by a part's headers (no blank line between):
    the stdlib keeps the first Content-Type and hides that part's text in the preamble."""
    types = part.get_all("Content-Type") or []
    if len(types) < 2 or not part.is_multipart() or not (part.preamble or "").strip():
        return
    recovered = email.message.EmailMessage(policy=email.policy.default)
    recovered["Content-Type"] = " ".join(str(types[-1]).split())
    encodings = part.get_all("Content-Transfer-Encoding") or []
    if encodings:
        recovered["Content-Transfer-Encoding"] = " ".join(str(encodings[-1]).split()).lower()
    recovered.set_payload(part.preamble or "")
    payload = part.get_payload()
    if isinstance(payload, list):
        payload.insert(0, recovered)
        part.preamble = None


def _repair_transfer_encoding(part: Message) -> None:
    # The stdlib compares the encoding name exactly, so "base64   " would stay undecoded.
    value = part.get("Content-Transfer-Encoding")
    clean = " ".join(str(value).split()).lower() if value is not None else ""
    if value is not None and str(value) != clean:
        part.replace_header("Content-Transfer-Encoding", clean)


def _defects(msg: Message) -> list[str]:
    names = []
    for part in msg.walk():
        names += [type(d).__name__ for d in getattr(part, "defects", [])]
    return list(dict.fromkeys(names))


# --- headers -------------------------------------------------------------------------------------


def _header(msg: Message, name: str) -> str:
    """The decoded value of one header, "" when missing; never raises."""
    # decode_header joins adjacent encoded words of one charset before decoding them, which
    # mends a multibyte character split across two words (common in GB2312 and Shift-JIS mail).
    return _decode_words(re.sub(r"\r?\n[ \t]*", " ", _raw_header(msg, name)))


def _raw_header(msg: Message, name: str) -> str:
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return value if isinstance(value, str) else str(value)
    return ""


def _decode_words(value: str) -> str:
    """RFC 2047 decoding with the fallbacks the stdlib lacks (unknown charsets, bad bytes)."""
    value = _unescape(value)  # raw 8-bit bytes first, so they survive decode_header
    try:
        chunks = decode_header(value)
    except Exception:
        return value.strip()
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        elif charset is None:  # the plain text between encoded words, as decode_header encoded it
            out.append(chunk.decode("raw-unicode-escape", errors="replace"))
        else:
            out.append(decode_bytes(chunk, charset))
    return "".join(out).strip()


def _unescape(value: str) -> str:
    """Undo the surrogate escapes the stdlib uses for undeclared 8-bit header bytes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"), None)


_MSGID_RE = re.compile(r"<([^<>\s]+)>")


def message_ids(value: str) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References value, without <>, in order, once each."""
    ids = _MSGID_RE.findall(value or "")
    if not ids and value and value.strip() and " " not in value.strip():
        ids = [value.strip()]  # a bare id without brackets, as some old mailers write it
    return list(dict.fromkeys(ids))


def _first_id(value: str) -> str | None:
    ids = message_ids(value)
    return ids[0] if ids else None


# An unquoted address used as the display name ("alice@example.com <bob@example.com>"): quoted,
# so the mailbox is the one in brackets, as every mail client reads it.
_ADDRESS_AS_NAME = re.compile(r'(^|,)\s*([^,"<>\s]+@[^,"<>\s]+)\s*<([^<>]*)>')


def _addresses(msg: Message, name: str) -> list[Address]:
    raw = _raw_header(msg, name)
    if not raw.strip():
        return []
    value = re.sub(r"\r?\n[ \t]*", " ", _unescape(raw))
    value = _ADDRESS_AS_NAME.sub(r'\1 "\2" <\3>', value)
    # getaddresses keeps encoded words intact while it splits, so an encoded comma in a name
    # ("=?iso-8859-1?Q?Last=2C_First?=") cannot split it; the names are decoded afterwards.
    pairs = email.utils.getaddresses([value])
    return [_address(n, a) for n, a in pairs if (n or a).strip("<>@ ")]


def _address(name: str, address: str) -> Address:
    name = _decode_words(name) if "=?" in name else name.strip()
    if "@" not in address and not name:
        return Address(address, "")  # "To: Whomever": a name without a mailbox
    return Address(name, address)


def _delivered_to(msg: Message) -> list[str]:
    found = []
    for name in ("Delivered-To", "X-Original-To", "Envelope-To"):
        for value in msg.get_all(name) or []:
            found += [a for _n, a in email.utils.getaddresses([str(value)]) if "@" in a]
    return list(dict.fromkeys(found))


def _date(msg: Message) -> datetime | None:
    try:
        value = email.utils.parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return None
    # "-0000" (RFC 5322: zone unknown) and a missing zone come back naive; UTC is the best guess.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- charsets ------------------------------------------------------------------------------------

# Labels that mailers write but Python does not know, or knows as a narrower charset than the one
# the sender actually used (a GB2312 label on GBK text, a Latin-1 label on Windows-1252 quotes).
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "iso-8859-8-i": "iso-8859-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "",
    "unknown-8bit": "",
    "us-ascii": "",  # undeclared 8-bit bytes are far more often UTF-8 or Windows-1252 than errors
    "ascii": "",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "windows-874": "cp874",
}


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode as declared; unknown or missing: UTF-8, else Windows-1252. Never raises."""
    label = (charset or "").strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    if label and _known(label):
        try:
            return data.decode(label)
        except UnicodeDecodeError:
            pass
        try:  # mislabelled UTF-8 (a common mistake) decodes cleanly; anything else stays declared
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode(label, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _known(label: str) -> bool:
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):  # unknown, or a label with a NUL byte in it
        return False
    return getattr(info, "_is_text_encoding", True)  # "base64" is a codec, not a charset


def _part_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _part_text(part: Message) -> str:
    text = decode_bytes(_part_bytes(part), _param(part, "charset"))
    return text.replace("\r\n", "\n")


def _param(part: Message, name: str) -> str | None:
    try:
        value = part.get_param(name)
    except Exception:
        return None
    if isinstance(value, tuple):  # an RFC 2231 value the stdlib left undecoded
        value = email.utils.collapse_rfc2231_value(value)
    return _unescape(str(value)) if value is not None else None


# --- body structure (RFC 8621 §4.1.4) ------------------------------------------------------------

_INLINE_MEDIA = ("image/", "audio/", "video/")


_MIME_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+")


def _content_type(part: Message) -> str:
    try:
        match = _MIME_TYPE.match(part.get_content_type())
    except Exception:
        return "text/plain"
    if not match:
        return "text/plain"
    ctype = match.group(0)
    if ctype.startswith("multipart/") and not isinstance(part.get_payload(), list):
        return "text/plain"  # no boundary found: its body is all we can show, so show it as text
    return ctype


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _is_multipart(part: Message) -> bool:
    return _content_type(part).startswith("multipart/")


@dataclass
class _Structure:
    text_parts: list[Message]
    html_parts: list[Message]
    attachment_parts: list[Message]

    @classmethod
    def of(cls, msg: Message) -> _Structure:
        text: list[Message] = []
        html: list[Message] = []
        attachments: list[Message] = []
        _walk([msg], "mixed", False, html, text, attachments)
        return cls(text, html, attachments)


def _is_inline(part: Message, index: int, multipart_type: str) -> bool:
    ctype = _content_type(part)
    if _disposition(part) == "attachment":
        return False
    if ctype not in ("text/plain", "text/html") and not ctype.startswith(_INLINE_MEDIA):
        return False
    if index == 0:
        return True
    return multipart_type != "related" and (ctype.startswith(_INLINE_MEDIA) or not _filename(part))


def _walk(parts, multipart_type, in_alternative, html_body, text_body, attachments) -> None:
    """RFC 8621's parseStructure, transcribed: lists are shared, a None list is a closed one."""
    text_length = len(text_body) if text_body is not None else -1
    html_length = len(html_body) if html_body is not None else -1
    for index, part in enumerate(parts):
        ctype = _content_type(part)
        if _is_multipart(part):
            sub = ctype.split("/", 1)[1]
            _walk(
                part.get_payload(),
                sub,
                in_alternative or sub == "alternative",
                html_body,
                text_body,
                attachments,
            )
        elif _is_inline(part, index, multipart_type):
            if multipart_type == "alternative":
                target = {"text/plain": text_body, "text/html": html_body}.get(ctype, attachments)
                if target is not None:
                    target.append(part)
                continue
            if in_alternative:
                html_body = None if ctype == "text/plain" else html_body
                text_body = None if ctype == "text/html" else text_body
            for body in (text_body, html_body):
                if body is not None:
                    body.append(part)
            # JMAP adds an inline image to the attachments only when one body cannot show it;
            # stalwart, and we, always do: an image shown in the text is still a file to store.
            if ctype.startswith(_INLINE_MEDIA):
                attachments.append(part)
        else:
            attachments.append(part)
    if multipart_type == "alternative" and text_body is not None and html_body is not None:
        if text_length == len(text_body) and html_length != len(html_body):
            text_body.extend(html_body[html_length:])
        if html_length == len(html_body) and text_length != len(text_body):
            html_body.extend(text_body[text_length:])


# --- text and HTML bodies ------------------------------------------------------------------------


def _text_body(parts: list[Message]) -> str:
    texts = []
    for part in parts:
        ctype = _content_type(part)
        if ctype == "text/html":
            texts.append(html_to_text(_part_text(part)))
        elif not ctype.startswith(_INLINE_MEDIA):
            texts.append(_part_text(part))
    return "\n".join(texts)


def _raw_html(parts: list[Message]) -> str:
    """The HTML body as sent (not yet sanitised), "" when the mail has no HTML part."""
    if not any(_content_type(p) == "text/html" for p in parts):
        return ""
    chunks = []
    for part in parts:
        ctype = _content_type(part)
        if ctype == "text/html":
            chunks.append(_part_text(part))
        elif not ctype.startswith(_INLINE_MEDIA):
            escaped = html_lib.escape(_part_text(part), quote=False)
            chunks.append("<pre>" + escaped + "</pre>")
    return "\n".join(chunks)


# Where mail clients start the quoted history in HTML. Found in the HTML as sent, because the
# sanitiser removes the classes and ids that mark it.
_HTML_HISTORY = re.compile(
    r"<(?:div|span|blockquote)\b[^>]*\bclass=[\"']?[^\"'>]*\b"
    r"(?:gmail_quote|moz-cite-prefix|yahoo_quoted|protonmail_quote|zmail_extra)\b"
    r"|<blockquote\b[^>]*\btype=[\"']?cite"
    r"|<div\b[^>]*\bid=[\"']?(?:divRplyFwdMsg|appendonsend|mail-editor-reference-message-container)"
    r"|<hr\b[^>]*\bid=[\"']?stopSpelling"
    r"|<div\b[^>]*border-top:\s*solid\s*#(?:E1E1E1|B5C4DF)",
    re.IGNORECASE,
)


def html_reply(raw_html: str) -> str:
    """The sanitised HTML above the quoted history (the whole HTML when there is none, or when
    nothing but the history is there: a reply written below the quote)."""
    match = _HTML_HISTORY.search(raw_html)
    whole, _blocked = sanitize_html(raw_html)
    if not match:
        return whole
    head, _blocked = sanitize_html(raw_html[: match.start()])
    return head if html_to_text(head).strip() else whole


_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "col", "colgroup", "dd",
    "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {"align", "dir", "lang", "style", "title", "valign", "width", "height"},
    "a": {"href"},
    "img": {"src", "alt"},
    "font": {"color", "face", "size"},
    "td": {"colspan", "rowspan", "bgcolor"},
    "th": {"colspan", "rowspan", "bgcolor"},
    "table": {"border", "cellpadding", "cellspacing", "bgcolor"},
    "blockquote": {"type", "cite"},
    "ol": {"start", "type"},
}
# Layout CSS only: no property that can load a URL (background, background-image, list-style,
# content, cursor, behavior), so a style attribute can neither track the reader nor run code.
_STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight",
    "text-align", "text-decoration", "text-indent", "line-height", "letter-spacing", "white-space",
    "vertical-align", "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left", "border",
    "border-top", "border-right", "border-bottom", "border-left", "border-color", "border-style",
    "border-width", "border-collapse", "border-spacing", "border-radius", "width", "height",
    "max-width", "min-width", "display", "direction",
}  # fmt: skip
REMOTE_SRC_ATTRIBUTE = "data-mc-remote-src"
_CID_RE = re.compile(r'\ssrc="cid:([^"]+)"')
# nh3 serialises every attribute as name="value" (no '"' inside), so this pattern is exact on its
# output: it finds an <img>'s src even when an earlier attribute value contains ">".
_IMG_SRC_RE = re.compile(r'(<img(?:\s+[^\s="/>]+(?:="[^"]*")?)*?\s+)src="((?:https?:)?//[^"]*)"')


def sanitize_html(html: str) -> tuple[str, bool]:
    """nh3-clean a mail's HTML; remote images become ``data-mc-remote-src``.

    Returns (html, whether any remote image was blocked)."""
    clean = nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "title", "head"},
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties=_STYLE_PROPERTIES,
        strip_comments=True,
    )
    blocked, count = _IMG_SRC_RE.subn(rf'\1{REMOTE_SRC_ATTRIBUTE}="\2"', clean)
    return blocked.strip(), count > 0


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    """data: URLs only as image sources, and only for images (no data:text/html links)."""
    if value.strip().lower().startswith("data:"):
        return value if (element, attribute) == ("img", "src") and _is_data_image(value) else None
    return value


def _is_data_image(value: str) -> bool:
    return value.strip().lower().startswith("data:image/") and "svg" not in value[:20].lower()


def resolve_cid_images(html: str, urls_by_content_id: dict[str, str]) -> str:
    """Point each ``cid:`` image at the URL where its attachment is stored; unknown ones stay."""

    def url(match: re.Match) -> str:
        target = urls_by_content_id.get(match.group(1))
        return f' src="{html_lib.escape(target)}"' if target else match.group(0)

    return _CID_RE.sub(url, html)


class _TextExtractor(HTMLParser):
    _BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}
    _SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0
        self.quote_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skipping += 1
        elif tag == "blockquote":
            self.quote_depth += 1
            self.out.append("\n")
        elif tag in self._BLOCK:
            self.out.append("\n")
        if tag == "li":
            self.out.append("- ")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
            self.out.append("\n")
        elif tag in ("p", "div", "table", "tr"):
            self.out.append("\n")

    def handle_data(self, data):
        if self.skipping:
            return
        data = re.sub(r"\s+", " ", data)
        if self.quote_depth:
            data = data.replace("\n", "\n" + "> " * self.quote_depth)
            if not self.out or self.out[-1].endswith("\n"):
                data = "> " * self.quote_depth + data.lstrip()
        self.out.append(data)


def html_to_text(html: str) -> str:
    """Plain text from HTML, for mails without a text part (blockquotes become "> " lines)."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", html)
    lines = [line.strip() for line in "".join(parser.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- the new part of a reply ---------------------------------------------------------------------

# mail-parser-reply knows the "wrote:" lines and header blocks of many mail clients in these
# languages (English is always on); it only marks where the history begins. The cut is made here
# on the original lines, because the library strips every line and would lose indentation.
_REPLY_LANGUAGES = ("de", "en", "fr", "es", "it", "nl", "pl", "sv")
# Lines that open the history but that the library leaves above it: rules, "--- Forwarded
# message ---" banners, Apple's "Begin forwarded message:".
_SEPARATOR_LINE = re.compile(
    r"^\s*(?:[-_=*]{3,}|-{3,}.*-{3,}|begin forwarded message:"
    r"|anfang der weitergeleiteten (?:e-mail|nachricht):)\s*$",
    re.IGNORECASE,
)
_QUOTED_LINE = re.compile(r"^\s*>")


def split_reply(text: str) -> tuple[str, str]:
    """(new part, quoted history with signature). The two together hold all of ``text``."""
    lines = _split_separator_lines(text.replace("\r\n", "\n")).split("\n")
    # keep_hyphen_lists: a "- item" list is the answer, not a signature.
    message = _ReplyReader("\n".join(lines), list(_REPLY_LANGUAGES), keep_hyphen_lists=True)
    normalized = message.text  # one line per original line, each stripped
    header_line = _first_header_line(message, normalized)
    head = [line for line in lines[:header_line] if line.strip()]
    if _quote_follows(lines, header_line) and _only_a_greeting(head):
        return _bottom_posted(lines, header_line)
    cut = _signature_line(message, normalized, header_line)
    while cut > 0 and (not lines[cut - 1].strip() or _SEPARATOR_LINE.match(lines[cut - 1])):
        cut -= 1
    reply = "\n".join(line.rstrip() for line in lines[:cut]).strip("\n")
    quoted = "\n".join(lines[cut:]).strip("\n")
    return reply, quoted


def _split_separator_lines(text: str) -> str:
    # The same rule the library applies before it reads: a reply typed directly above Outlook's
    # underscore line is a line of its own.
    return re.sub(r"([^\n_])(_{20,})", "\\1\n\\2", text)


# The history of a reply starts near its top; searching a whole 1 MB text takes a second.
_HEADER_SEARCH_CHARS = 100_000


def _first_header_line(message, normalized: str) -> int:
    match = message.HEADER_REGEX.search(normalized, 0, _HEADER_SEARCH_CHARS)
    if not match:
        return normalized.count("\n") + 1
    start = match.start()
    while start < len(normalized) and normalized[start] == "\n":
        start += 1
    return normalized.count("\n", 0, start)


# "-Anna Smith" alone on a line after a blank one: a signature (a list item is "- item").
_DASH_NAME_SIGNATURE = re.compile(r"\n\n-[^\W\d_][^\s]*(?: [^\s]+){0,2}$", re.MULTILINE)


_SIGNATURE_WINDOW = 40  # lines: a signature closes the new part; and the library's regex is slow


def _signature_line(message, normalized: str, header_line: int) -> int:
    first = max(0, header_line - _SIGNATURE_WINDOW)
    tail = "\n".join(normalized.split("\n")[first:header_line])
    if not tail.strip():
        return header_line
    starts = [
        m.start()
        for m in (message.SIGNATURE_REGEX.search(tail), _DASH_NAME_SIGNATURE.search(tail))
        if m is not None
    ]
    if not starts:
        return header_line
    start = min(starts)
    while start < len(tail) and tail[start] == "\n":
        start += 1
    return first + tail.count("\n", 0, start)


def _quote_follows(lines: list[str], header_line: int) -> bool:
    """The history is "> " quoted (so unquoted lines below it are new); Outlook's is not."""
    following = [line for line in lines[header_line + 1 :] if line.strip()]
    return bool(following) and bool(_QUOTED_LINE.match(following[0]))


def _only_a_greeting(head: list[str]) -> bool:
    """Nothing, or one short line ("Hi,") above the history: the answer is below it."""
    return not head or (len(head) == 1 and len(head[0].split()) <= 3)


def _bottom_posted(lines: list[str], header_line: int) -> tuple[str, str]:
    """A reply below or between the quotes: keep the unquoted lines; the history is all of it."""
    after = [line.rstrip() for line in lines[header_line + 1 :] if not _QUOTED_LINE.match(line)]
    if not "".join(after).strip():  # a greeting on top of a plain quote: the greeting is all
        return "\n".join(lines[:header_line]).strip(), "\n".join(lines[header_line:]).strip("\n")
    answer = [line.rstrip() for line in lines[:header_line]] + after
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(answer)).strip("\n")
    reply, _signature = split_reply(text) if text.strip() else ("", "")
    return reply, "\n".join(lines).strip("\n")


# --- attachments ---------------------------------------------------------------------------------


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        name = _param(part, "name")
    if not name:
        return None
    name = _decode_words(_unescape(str(name)))  # some mailers put RFC 2047 words in parameters
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip() or None


def _content_id(part: Message) -> str | None:
    value = _header(part, "Content-ID")
    return value.strip().strip("<>").strip() or None


def _attachments(parts: list[Message], cids: set[str]) -> list[Attachment]:
    return [_attachment(part, i + 1, cids) for i, part in enumerate(parts)]


def _attachment(part: Message, number: int, cids: set[str]) -> Attachment:
    ctype = _content_type(part)
    name = _filename(part)
    content_id = _content_id(part)
    return Attachment(
        filename=name or _default_name(ctype, number, content_id),
        content_type=ctype,
        content=_attachment_bytes(part, ctype),
        content_id=content_id,
        inline=content_id is not None and content_id in cids,
        disposition=_disposition(part),
        charset=_param(part, "charset") if ctype.startswith("text/") else None,
        filename_given=name is not None,
    )


def _attachment_bytes(part: Message, ctype: str) -> bytes:
    if ctype == "message/rfc822" or part.is_multipart():
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            try:
                return inner.as_bytes(policy=email.policy.compat32)
            except Exception:
                return str(inner).encode("utf-8", "surrogateescape")
    return _part_bytes(part)


_EXTENSIONS = {
    "message/rfc822": ".eml",
    "text/plain": ".txt",
    "text/html": ".html",
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
}


def _default_name(ctype: str, number: int, content_id: str | None) -> str:
    if content_id:  # an unnamed inline image is known by its Content-ID
        return re.sub(r"[^\w.@-]", "_", content_id)
    stem = "forwarded-message" if ctype == "message/rfc822" else f"attachment-{number}"
    return stem + _EXTENSIONS.get(ctype, ".bin")


# --- auto-replies, bounces and loops -------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matische)? ?antwort|out of (the )?office|abwesenheitsnotiz"
    r"|r[ée]ponse automatique|respuesta autom[aá]tica|risposta automatica)\b",
    re.IGNORECASE,
)


def _classify(msg, bounce, loop_id, loop_ids) -> tuple[MailKind, str]:
    if loop_id and (loop_ids is None or loop_id in loop_ids):
        return MailKind.LOOP, ""
    if bounce is not None:
        return MailKind.BOUNCE, ""
    reason = _auto_reply_reason(msg)
    return (MailKind.AUTO_REPLY, reason) if reason else (MailKind.NORMAL, "")


def _auto_reply_reason(msg: Message) -> str:
    auto_submitted = _header(msg, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply"):
        if _header(msg, name):
            return name
    for name in ("Precedence", "X-Precedence"):
        if _header(msg, name).lower() in ("auto_reply", "bulk", "junk"):
            return f"{name}: {_header(msg, name).lower()}"
    if "oof" in _header(msg, "X-Auto-Response-Suppress").lower().replace(" ", "").split(","):
        return "X-Auto-Response-Suppress"  # Exchange marks its own out-of-office answers so
    if _AUTO_SUBJECT.match(_header(msg, "Subject")):
        return "subject"
    return ""


def _bounce(msg: Message) -> Bounce | None:
    ctype = _content_type(msg)
    report_type = (_param(msg, "report-type") or "").lower()
    if ctype == "multipart/report" and report_type == "delivery-status":
        return _read_dsn(msg)
    if _looks_like_legacy_bounce(msg):
        return _read_legacy_bounce(msg)
    return None


def _read_dsn(msg: Message) -> Bounce:
    recipients: list[FailedRecipient] = []
    original_id = None
    for part in msg.walk():
        ctype = _content_type(part)
        if ctype == "message/delivery-status":
            recipients += _dsn_recipients(part)
        elif ctype in ("message/rfc822", "text/rfc822-headers") and original_id is None:
            original_id = _original_id(part)
    return Bounce(original_id, recipients)


def _dsn_recipients(part: Message) -> list[FailedRecipient]:
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = [
            {k.lower(): str(v) for k, v in block.items()}
            for block in payload
            if isinstance(block, Message)
        ]
    else:
        blocks = _header_blocks(decode_bytes(_part_bytes(part), None))
    found = []
    for block in blocks:
        recipient = block.get("final-recipient") or block.get("original-recipient")
        if recipient:
            found.append(
                FailedRecipient(
                    recipient=_strip_address_type(recipient),
                    action=block.get("action", "").strip().lower(),
                    status=block.get("status", "").strip(),
                    diagnostic=" ".join(block.get("diagnostic-code", "").split()),
                )
            )
    return found


def _header_blocks(text: str) -> list[dict[str, str]]:
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        unfolded = re.sub(r"\n[ \t]+", " ", chunk)
        pairs = (line.split(":", 1) for line in unfolded.split("\n") if ":" in line)
        blocks.append({k.strip().lower(): v.strip() for k, v in pairs})
    return blocks


def _strip_address_type(value: str) -> str:
    value = value.split(";", 1)[-1] if ";" in value else value  # "rfc822; bob@example.org"
    return value.strip().strip("<>").strip()


def _original_id(part: Message) -> str | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return _first_id(_header(payload[0], "Message-ID"))
    match = re.search(r"(?im)^message-id:\s*(<[^>]+>)", decode_bytes(_part_bytes(part), None))
    return _first_id(match.group(1)) if match else None


_DAEMON = re.compile(r"^(mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery (status notification|failure|has failed)|returned mail|failure notice"
    r"|mail delivery failed|unzustellbar|nicht zugestellt)",
    re.IGNORECASE,
)


def _looks_like_legacy_bounce(msg: Message) -> bool:
    """A bounce without a DSN part (old qmail, some Exchange setups): sender and subject tell."""
    sender = next(iter(_addresses(msg, "From")), None)
    from_daemon = sender is not None and bool(_DAEMON.match(sender.address))
    failed = _header(msg, "X-Failed-Recipients")
    return bool(failed) or (from_daemon and bool(_BOUNCE_SUBJECT.search(_header(msg, "Subject"))))


def _read_legacy_bounce(msg: Message) -> Bounce:
    body = "\n".join(_part_text(p) for p in msg.walk() if not p.is_multipart())
    match = re.search(r"(?im)^\s*message-id:\s*(<[^>]+>)", body)
    failed = [a.strip() for a in _header(msg, "X-Failed-Recipients").split(",") if a.strip()]
    lines = [line.strip() for line in body.splitlines() if re.search(r"\b[45]\d\d\b", line)]
    diagnostic = lines[0] if lines else ""
    recipients = [FailedRecipient(a, "failed", "", diagnostic) for a in failed]
    return Bounce(_first_id(match.group(1)) if match else None, recipients)
