"""The stalwart MIME corpus: every mail parses, LF and CRLF alike, and matches stalwart's reading.

``NNN.json`` is what stalwart's Rust parser reads from ``NNN.eml`` (see the corpus README). We
compare what maps onto our model: subject, From/To/Cc, the attachments (count, names, decoded
sizes) and the text and HTML bodies after decoding. Where we read a mail differently on purpose,
``KNOWN_DIFFERENCES`` says which field and why; everything else must match exactly.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

from messagecenter.transports.email.parse import decode_bytes, html_to_text, parse_mail


def _mail_corpus() -> Path:
    """The shared mail corpus: ``shared/`` beside the repository (CI), else the workplace's."""
    beside = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "mail"
    return beside if beside.is_dir() else Path("/work/shared/corpora/mail")


CORPUS = _mail_corpus() / "stalwart"
MAILS = sorted(CORPUS.glob("*/*.eml")) if CORPUS.is_dir() else []

# file -> {field: reason}. Fields: subject, addresses, attachments, attachment_sizes, text, html.
KNOWN_DIFFERENCES: dict[str, dict[str, str]] = {
    "legacy/017.eml": {"attachment_sizes": "x-uuencode: we decode it, stalwart keeps the encoding"},
    "legacy/026.eml": {"attachment_sizes": "x-uuencode: we decode it, stalwart keeps the encoding"},
    "legacy/048.eml": {"attachment_sizes": "x-uuencode: we decode it, stalwart keeps the encoding"},
    "malformed/005.eml": {
        "text": "nested boundaries 'a--' and 'a----' (one a prefix of the other): the stdlib "
        "finds no start boundary and keeps the parts as the outer epilogue; stalwart splits them",
    },
    "rfc/000.eml": {
        "attachment_sizes": "RFC 2046's example has placeholder prose as 'base64' data: we "
        "decode the valid base64 letters, stalwart keeps the prose"
    },
    "rfc/001.eml": {
        "attachment_sizes": "message/external-body: stalwart drops the final newline of the "
        "phantom body (a one-byte difference)",
    },
    "thirdparty/002.eml": {
        "attachments": "invalid base64 ('?garbage'): stalwart lists an empty attachment, we "
        "decode the part as text",
        "text": "invalid base64: each parser decodes different garbage bytes",
    },
    "thirdparty/005.eml": {
        "text": "'invalid--1--' in mid-line is body text (RFC 2046 §5.1.1: a boundary starts a "
        "line); stalwart ends the part there",
    },
    "thirdparty/015.eml": {
        "attachments": "three attached message/rfc822 parts, each with a header-only nested "
        "message; stalwart swallows the last two into the first, we keep all three",
    },
}
# The malformed/ folder holds broken boundaries, on which Python's MIME parser and stalwart's
# split parts differently. There we check that no text is lost instead of an exact match.
MALFORMED = "malformed/"


def _ids(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def _with_crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _with_lf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n")


def _same(expected: str, got: str) -> bool:
    """Equal, where stalwart's U+FFFD (a byte it could not decode) stands for any one character:
    we decode undeclared 8-bit bytes as UTF-8 or Windows-1252 instead."""
    if "\ufffd" not in expected:
        return expected == got
    pattern = ".".join(re.escape(chunk) for chunk in expected.split("\ufffd"))
    return re.fullmatch(pattern, got, re.DOTALL) is not None


def _squash(text: str) -> str:
    return " ".join(text.split())


def _header(part: dict, name: str):
    return next((h["value"] for h in part["headers"] if h["name"] == name), None)


def _expected_addresses(part: dict, name: str) -> list[tuple[str, str]]:
    value = _header(part, name)
    if not isinstance(value, dict) or "Address" not in value:
        return []
    address = value["Address"]
    listed = address.get("List")
    if listed is None:
        listed = [a for group in address.get("Group", []) for a in group.get("addresses", [])]
    return [(a.get("name") or "", a.get("address") or "") for a in listed]


def _body(part: dict) -> tuple[str, object]:
    body = part["body"]
    if isinstance(body, dict):
        kind = next(iter(body))
        return kind, body[kind]
    return body, None


def _expected_filename(part: dict) -> str | None:
    name = None
    for header in ("content_type", "content_disposition"):
        value = _header(part, header)
        content_type = value.get("ContentType") if isinstance(value, dict) else None
        for attribute in (content_type or {}).get("attributes") or []:
            if attribute["name"] in ("name", "filename"):
                name = attribute["value"]
    return name


@functools.cache
def _case(path: Path):
    raw = path.read_bytes()
    expected = json.loads(path.with_suffix(".json").read_text())
    return _ids(path), parse_mail(_with_lf(raw)), parse_mail(_with_crlf(raw)), expected


def _differs(name: str, field: str) -> bool:
    return field in KNOWN_DIFFERENCES.get(name, {})


def _mails(*, malformed: bool, unless_differs: str) -> list[Path]:
    return [
        p
        for p in MAILS
        if _ids(p).startswith(MALFORMED) == malformed and not _differs(_ids(p), unless_differs)
    ]


every_mail = pytest.mark.parametrize("path", MAILS, ids=_ids)


@pytest.mark.skipif(not MAILS, reason="the shared mail corpus is not present")
class TestStalwartCorpus:
    @every_mail
    def test_lf_and_crlf_read_the_same(self, path):
        _name, lf, crlf, _expected = _case(path)
        assert (lf.subject, lf.from_address, lf.to, lf.cc) == (
            crlf.subject,
            crlf.from_address,
            crlf.to,
            crlf.cc,
        )
        assert (lf.text, lf.html, lf.reply_text, lf.reply_html) == (
            crlf.text,
            crlf.html,
            crlf.reply_text,
            crlf.reply_html,
        )
        assert [(a.filename, a.content) for a in lf.attachments] == [
            (a.filename, a.content) for a in crlf.attachments
        ]

    @every_mail
    def test_subject_and_addresses(self, path):
        _name, mail, _crlf, expected = _case(path)
        top = expected["parts"][0]
        subject = _header(top, "subject")
        assert _same(subject.get("Text", "") if isinstance(subject, dict) else "", mail.subject)
        for header, ours in (("from", [mail.from_address]), ("to", mail.to), ("cc", mail.cc)):
            got = [(a.name, a.address) for a in ours if a is not None]
            assert _same(repr(_expected_addresses(top, header)), repr(got)), header

    @pytest.mark.parametrize(
        "path", _mails(malformed=False, unless_differs="attachments"), ids=_ids
    )
    def test_attachments(self, path):
        name, mail, _crlf, expected = _case(path)
        parts = [expected["parts"][i] for i in expected["attachments"]]
        assert len(mail.attachments) == len(parts)
        for part, attachment in zip(parts, mail.attachments, strict=True):
            if _expected_filename(part):
                assert _same(_expected_filename(part).rsplit("/", 1)[-1], attachment.filename)
            if not _differs(name, "attachment_sizes"):
                assert _decoded_size(part, attachment) == attachment.size

    @pytest.mark.parametrize("path", _mails(malformed=False, unless_differs=""), ids=_ids)
    def test_text_and_html_bodies(self, path):
        name, mail, _crlf, expected = _case(path)
        texts, htmls = _expected_bodies(expected)
        if not _differs(name, "text") and texts is not None:
            assert _same(texts.replace("\r\n", "\n").rstrip(), mail.text.rstrip())
        if htmls:
            assert _squash(html_to_text(mail.html)) == _squash(html_to_text(htmls))

    @pytest.mark.parametrize("path", _mails(malformed=True, unless_differs="text"), ids=_ids)
    def test_no_text_is_lost_in_malformed_mails(self, path):
        _name, mail, _crlf, expected = _case(path)
        everything = _squash(
            " ".join(
                [mail.text, html_to_text(mail.html)]
                + [decode_bytes(a.content, a.charset) for a in mail.attachments]
            )
        )
        for index in expected["text_body"]:
            kind, value = _body(expected["parts"][index])
            if kind == "Text" and isinstance(value, str):
                for line in value.splitlines():
                    if line.strip() and not line.startswith(("--", "Content-")):
                        # stalwart reads some broken parts as one text; its markup lines are
                        # HTML to us, so compare what a reader sees of them.
                        assert _squash(html_to_text(line)) in everything


def _decoded_size(part: dict, attachment) -> int:
    kind, value = _body(part)
    if kind == "Text":
        # stalwart decodes text attachments to Unicode; compare the same decoded text.
        ours = decode_bytes(attachment.content, attachment.charset).replace("\r\n", "\n")
        theirs = value.replace("\r\n", "\n")
        return attachment.size if _same(theirs, ours) else len(value.encode())
    if kind == "Message":
        return attachment.size  # a nested message is stored as its bytes; stalwart parses it
    return len(value)


def _expected_bodies(expected: dict) -> tuple[str | None, str]:
    """stalwart's text and HTML bodies, joined the way we join them. Text is None when stalwart's
    text body is an HTML part (then we derive the text from the HTML ourselves)."""
    texts = []
    for index in expected["text_body"]:
        kind, value = _body(expected["parts"][index])
        if kind == "Html":
            return None, _html_of(expected)
        if kind == "Text":
            texts.append(value)
    return "\n".join(texts), _html_of(expected)


def _html_of(expected: dict) -> str:
    chunks = []
    for index in expected["html_body"]:
        kind, value = _body(expected["parts"][index])
        if kind == "Html":
            chunks.append(value)
        elif kind == "Text":
            chunks.append("<pre>" + value + "</pre>")
    has_html = any(_body(expected["parts"][i])[0] == "Html" for i in expected["html_body"])
    return "\n".join(chunks) if has_html else ""
