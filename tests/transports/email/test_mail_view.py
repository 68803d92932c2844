"""What the operator sees of a mail beside its body — attachments, the quoted history the parser
cut, remote images held back, parts not kept — in the operator app's timeline and the REST API,
loaded for a whole page in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messagecenter.transports.email.inbound import ingest
from tests.api.conftest import personal
from tests.transports.email.mails import email_channel, full_mail, receive_full_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(widget):
    return email_channel(widget)


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def timeline(operator, conversation) -> list[dict]:
    url = reverse("conversation_timeline", args=[conversation.public_id])
    return signed_in(operator).get(url).json()["entries"]


def test_the_timeline_shows_the_mails_files_quoted_history_and_skipped_parts(
    channel, alice, settings
):
    received = receive_full_mail(channel, settings)

    [entry] = [e for e in timeline(alice, received.conversation) if e["kind"] == "message"]
    message = entry["message"]
    files = {f["name"]: f for f in message["files"]}
    assert set(files) == {"logo.png", "rechnung.pdf"}
    assert files["logo.png"]["inline"] and not files["rechnung.pdf"]["inline"]
    assert files["rechnung.pdf"]["content_type"] == "application/pdf"
    assert files["rechnung.pdf"]["size"] == len(b"%PDF-1.4 Rechnung 4711")
    assert message["mail"]["remote_images_blocked"] is True
    assert "Bitte senden Sie uns die Rechnung." in message["mail"]["quoted_text"]
    assert "Bitte senden" not in message["body"]
    assert [(p["filename"], p["size"]) for p in message["mail"]["skipped_attachments"]] == [
        ("film.mp4", 5000)
    ]

    download = signed_in(alice).get(files["rechnung.pdf"]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 Rechnung 4711"
    assert "attachment" in download["Content-Disposition"]


def test_another_accounts_operator_cannot_download_the_file(channel, alice, charlie, settings):
    received = receive_full_mail(channel, settings)
    [entry] = [e for e in timeline(alice, received.conversation) if e["kind"] == "message"]
    url = entry["message"]["files"][0]["url"]

    assert signed_in(charlie).get(url).status_code == 404


def test_the_api_timeline_carries_the_same_files_and_mail_details(channel, alice, settings):
    received = receive_full_mail(channel, settings)

    response = personal(alice).get(f"/conversations/{received.conversation.public_id}/timeline")

    assert response.status_code == 200
    [item] = [i for i in response.json()["items"] if i["kind"] == "message"]
    assert sorted(f["name"] for f in item["message"]["files"]) == ["logo.png", "rechnung.pdf"]
    assert item["message"]["mail"]["skipped_attachments"][0]["filename"] == "film.mp4"


def test_messenger_messages_have_no_mail_details(widget, contact, alice):
    from tests.helpers import start

    conversation = start(widget, contact)
    [entry] = [e for e in timeline(alice, conversation) if e["kind"] == "message"]
    assert entry["message"]["files"] == [] and "mail" not in entry["message"]


def test_a_page_of_thirty_mails_costs_the_same_queries_as_one(channel, alice, settings):
    """The extras of a page load in one go (two queries), never one query per mail."""
    conversation = receive_full_mail(channel, settings).conversation
    with CaptureQueriesContext(connection) as one:
        timeline(alice, conversation)
    for n in range(29):
        reply = full_mail(f"<more{n}@example.com>").replace(
            b"Subject: Rechnung", b"In-Reply-To: <full@example.com>\nSubject: Rechnung"
        )
        assert ingest(channel, reply).received.conversation == conversation
    with CaptureQueriesContext(connection) as thirty:
        entries = timeline(alice, conversation)

    assert sum(e["kind"] == "message" for e in entries) == 30
    assert len(thirty.captured_queries) == len(one.captured_queries)


def test_an_api_client_downloads_the_attachment_of_its_conversation(channel, alice, settings):
    received = receive_full_mail(channel, settings)
    conversation = received.conversation
    [pdf] = [a.file for a in received.entry.message.mail_attachments.all() if not a.inline]
    api = personal(alice)

    response = api.get(f"/conversations/{conversation.public_id}/files/{pdf.public_id}")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 Rechnung 4711"
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="rechnung.pdf"' in response["Content-Disposition"]
    # The file of another conversation of the same account is not this one's.
    other = ingest(
        channel, full_mail("<other@example.com>").replace(b"Kim Kunde <kim@", b"Lea <lea@")
    )
    other_file = other.received.entry.message.mail_attachments.first().file
    wrong = api.get(f"/conversations/{conversation.public_id}/files/{other_file.public_id}")
    assert wrong.status_code == 404


def test_the_pushed_entry_of_a_new_mail_carries_its_files(channel, settings):
    """The attachments are written after the message, in the same transaction: the live push
    (sent on commit) still has them, so an open conversation shows them without a reload."""
    from tests.conftest import capture_events

    with capture_events() as sent:
        receive_full_mail(channel, settings)

    entries = [e["entry"] for e, _groups in sent if e["type"] == "timeline.entry"]
    [pushed] = [entry for entry in entries if entry["kind"] == "message"]
    assert sorted(f["name"] for f in pushed["message"]["files"]) == ["logo.png", "rechnung.pdf"]
    assert pushed["message"]["mail"]["remote_images_blocked"] is True
