"""Every real-world mail of the corpora ingests without an exception and keeps every MIME part:
each non-empty attachment the parser found is a stored file linked to the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from messagecenter.transports.email.inbound import Outcome, ingest
from messagecenter.transports.email.models import MailAttachment
from messagecenter.transports.email.parse import MailParseError, parse_mail
from messagecenter.widgets.models import ChannelConnection

from .test_parse_corpus import _mail_corpus

pytestmark = pytest.mark.django_db

CORPUS = _mail_corpus()
STALWART = sorted((CORPUS / "stalwart").glob("*/*.eml"))
SPAMSCOPE = sorted(p for p in (CORPUS / "spamscope").glob("mail_*") if p.is_file())
MAILS = STALWART + SPAMSCOPE


@pytest.fixture
def channel(widget):
    return ChannelConnection.objects.create(
        account=widget.account, widget=widget, kind="email", config={"address": "s@acme.example"}
    )


def test_the_corpora_are_there():
    assert len(STALWART) > 50 and len(SPAMSCOPE) >= 20


@pytest.mark.parametrize("path", MAILS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_corpus_mail_ingests_with_every_part(channel, path: Path):
    raw = path.read_bytes()
    try:
        parsed = parse_mail(raw)
    except MailParseError:  # an Outlook .msg: not a mail, and ingest says so
        assert ingest(channel, raw).outcome == Outcome.UNREADABLE
        return

    result = ingest(channel, raw)

    if result.outcome != Outcome.MESSAGE:
        # Not a customer message by design: say which, and never a crash.
        assert result.outcome in {Outcome.AUTO_REPLY, Outcome.BOUNCE, Outcome.UNREADABLE}, result
        return
    stored = MailAttachment.objects.filter(message=result.received.entry.message)
    expected = sorted(a.filename[:255] or "file" for a in parsed.attachments if a.content)
    assert sorted(a.file.original_name for a in stored.select_related("file")) == expected
    assert sum(a.file.size for a in stored) == sum(a.size for a in parsed.attachments)
    assert ingest(channel, raw).outcome == Outcome.DUPLICATE
