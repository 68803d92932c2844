"""Real-world mails (spamscope) and reply bodies (reply-quotes) from the shared corpus.

The spamscope attachments include live malware: the tests only count, name and hash them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from messagecenter.transports.email.parse import MailKind, MailParseError, parse_mail, split_reply


def _mail_corpus() -> Path:
    """The shared mail corpus: ``shared/`` beside the repository (CI), else the workplace's."""
    beside = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "mail"
    return beside if beside.is_dir() else Path("/work/shared/corpora/mail")


SPAMSCOPE = _mail_corpus() / "spamscope"
REPLIES = _mail_corpus() / "reply-quotes"
needs_corpus = pytest.mark.skipif(not SPAMSCOPE.is_dir(), reason="shared corpus not present")


def _mail(name: str):
    return parse_mail((SPAMSCOPE / name).read_bytes())


@needs_corpus
@pytest.mark.parametrize(
    "name", sorted(p.name for p in SPAMSCOPE.glob("mail_*") if p.name != "mail_outlook_1")
)
def test_every_real_world_mail_gives_a_subject_a_sender_and_text(name):
    mail = _mail(name)
    assert mail.subject
    assert mail.from_address is not None and "@" in mail.from_address.address
    assert (mail.text + mail.html).strip()
    assert "\udcff" not in mail.subject and "\\u" not in mail.subject


@needs_corpus
def test_an_outlook_msg_file_is_refused_as_not_a_mail():
    with pytest.raises(MailParseError, match="not an e-mail"):
        _mail("mail_outlook_1")


@needs_corpus
def test_attachments_named_by_content_id_count_as_attachments():
    names = [a.filename for a in _mail("mail_test_10").attachments]
    assert len(names) == 4
    assert "Move To Eight ZWEP6227F.pdf" in names
    ids = [a.content_id for a in _mail("mail_test_10").attachments if a.content_id]
    assert len(ids) == 3
    assert all(any(n in cid.replace("<", "") for cid in ids) for n in names if n.startswith("_"))


@needs_corpus
def test_five_attachments_all_with_string_names():
    attachments = _mail("mail_test_5").attachments
    assert len(attachments) == 5
    assert all(isinstance(a.filename, str) and a.filename_given for a in attachments)


@needs_corpus
def test_an_inline_latin1_text_attachment():
    (attachment,) = _mail("mail_test_3").attachments
    assert attachment.disposition == "inline"
    assert attachment.charset == "iso-8859-1"
    assert attachment.content_type == "text/plain"
    assert attachment.filename == "message.txt"


@needs_corpus
def test_cyrillic_subject_and_utf8_filename_with_six_received_headers():
    raw = (SPAMSCOPE / "mail_test_1").read_bytes()
    assert raw.count(b"\nReceived:") == 6  # the upstream expectation, about the raw mail itself
    mail = _mail("mail_test_1")
    assert mail.subject == "письмо уведом-е"
    (attachment,) = mail.attachments
    assert attachment.filename == "ФНС_РФ558.zip"
    # Malware: only the size and hash are read, never the archive.
    assert attachment.size > 0 and len(attachment.sha256) == 64


@needs_corpus
def test_a_long_polish_filename_decodes():
    (attachment,) = _mail("mail_test_11").attachments
    assert attachment.filename.startswith("Prokuratura Rejonowa Warszawa-Śródmieście północ")
    assert attachment.filename.endswith("postepowaniu.pdf")


@needs_corpus
def test_malformed_boundaries_still_give_the_text_and_reply_to():
    mail = _mail("mail_malformed_3")
    assert {"StartBoundaryNotFoundDefect", "MultipartInvariantViolationDefect"} <= set(mail.defects)
    assert [(a.name, a.address) for a in mail.reply_to] == [
        ("VICTORIA Souvenirs", "smgesi4@gmail.com")
    ]
    assert "Ahorre" in mail.text or len(mail.text) > 1000


@needs_corpus
def test_a_quoted_comma_stays_in_the_display_name():
    mail = _mail("mail_test_18")
    assert (mail.from_address.name, mail.from_address.address) == (
        "LastßlName, FirstName",
        "comma.name@example.com",
    )


@needs_corpus
def test_an_address_used_as_display_name_is_not_the_mailbox():
    mail = _mail("mail_test_19")
    assert (mail.from_address.name, mail.from_address.address) == (
        "alice@example.com",
        "bob@example.com",
    )
    assert mail.sender.address == "ivan@example.com"  # Reply-To, the same trick


@needs_corpus
def test_gtube_spam_body_is_read():
    mail = _mail("mail_test_16")
    assert "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X" in mail.text


@needs_corpus
@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("mail_test_12", "代开各地增值税发票"),
        ("mail_test_9", "我把镜头拉近些，你们看看这个是什么屄，这种场合自然少不了内射"),
    ],
)
def test_chinese_subjects_with_split_multibyte_words_decode(name, subject):
    assert _mail(name).subject == subject


@needs_corpus
def test_a_gb2312_label_on_utf8_text_is_read_as_utf8():
    assert "你好" in _mail("mail_test_12").text


@needs_corpus
def test_italian_and_french_subjects_decode():
    assert _mail("mail_test_5").subject == "Je prépare mon été zéro complexe !"
    assert _mail("mail_test_17").subject == "Transferencia Interbancaria Banca en Línea"


@needs_corpus
def test_a_postmaster_delivery_report_is_a_bounce():
    mail = _mail("mail_malformed_2")
    assert mail.kind == MailKind.BOUNCE


# --- reply-quotes ---------------------------------------------------------------------------------

EXPECTED = json.loads((REPLIES / "expected.json").read_text()) if REPLIES.is_dir() else {}
# Where our new part differs from the reference library's beyond blank lines, and why.
REFERENCE_DIFFERENCES = {
    "email_sent_from_my_not_signature.txt": "'Sent from my desk, is much easier then my mobile "
    "phone.' is a sentence (the file's name says so); the reference library drops it",
}


def _reply_of(name: str) -> str:
    text = (REPLIES / name).read_text(encoding="utf-8", errors="replace")
    return split_reply(text)[0]


def _cases():
    return sorted(EXPECTED.get("files", {}).items())


@pytest.mark.skipif(not EXPECTED, reason="shared corpus not present")
@pytest.mark.parametrize(("name", "case"), _cases(), ids=[n for n, _ in _cases()])
def test_the_new_part_of_a_reply(name, case):
    started = time.perf_counter()
    reply = _reply_of(name)
    assertions = case.get("upstream_assertions", {})
    assert time.perf_counter() - started < assertions.get("max_seconds", 1)
    if "reply_equals" in assertions:
        assert reply == assertions["reply_equals"]
    if "reply_equals_stripped" in assertions:
        assert reply.strip() == assertions["reply_equals_stripped"]
    for expected in assertions.get("reply_contains", []):
        assert expected in reply
    for unexpected in assertions.get("reply_not_contains", []):
        assert unexpected not in reply
    if name not in REFERENCE_DIFFERENCES:
        assert _words(reply) == _words(case["reference_reply"])


@pytest.mark.skipif(not EXPECTED, reason="shared corpus not present")
@pytest.mark.parametrize("name", sorted(EXPECTED.get("files", {})))
def test_nothing_of_a_reply_is_lost(name):
    text = (REPLIES / name).read_text(encoding="utf-8", errors="replace")
    reply, quoted = split_reply(text)
    assert _words(text).replace(" ", "") in (_words(reply) + _words(quoted)).replace(" ", "") or (
        _words(reply).replace(" ", "") in _words(quoted).replace(" ", "")  # bottom-posted
    )


def _words(text: str) -> str:
    return " ".join(text.split())
