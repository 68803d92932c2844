"""The files a contact sends on a provider channel (``conversations.attachments``): stored with
their message exactly once, shown in the timeline with a download link scoped to the
conversation, parts over a limit named instead of lost, nothing left behind when the message
is refused or redelivered."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from messagecenter.conversations import inbound
from messagecenter.conversations.models import MessageAttachment
from messagecenter.core.errors import NotFound
from messagecenter.files.models import StoredFile
from messagecenter.transports.base import InboundAttachment, InboundMessage
from messagecenter.widgets.models import ChannelConnection
from tests.api.conftest import personal
from tests.conftest import capture_events

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4 Lieferschein 42"


@pytest.fixture
def channel(widget):
    """A custom channel: one of the channels whose messages carry files this way."""
    return ChannelConnection.objects.create(
        account=widget.account, widget=widget, kind="custom", name="Shop app"
    )


def message(n=1, body="Hier die Fotos", parts=(), **extra) -> InboundMessage:
    fields = {
        "body": body,
        "identity_kind": "external",
        "identity_value": "user-7",
        "provider_message_id": f"msg-{n}",
        "contact_name": "Kim",
        "attachments": tuple(parts),
    }
    return InboundMessage(**(fields | extra))


def photo(name="schaden.png", content=PNG):
    return InboundAttachment(name, "image/png", content)


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def timeline_message(operator, conversation) -> dict:
    url = reverse("conversation_timeline", args=[conversation.public_id])
    entries = signed_in(operator).get(url).json()["entries"]
    [entry] = [e for e in entries if e["kind"] == "message"]
    return entry["message"]


def test_the_files_arrive_with_the_message_in_order_and_download(channel, alice):
    received = inbound.receive(
        channel, message(parts=[photo(), InboundAttachment("lieferschein.pdf", "", PDF)])
    )

    shown = timeline_message(alice, received.conversation)
    assert [f["name"] for f in shown["files"]] == ["schaden.png", "lieferschein.pdf"]
    assert shown["files"][1]["content_type"] == "application/pdf"
    assert shown["files"][1]["size"] == len(PDF)
    download = signed_in(alice).get(shown["files"][1]["url"], follow=True)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]


def test_another_accounts_operator_and_another_conversation_get_no_file(channel, alice, charlie):
    first = inbound.receive(channel, message(1, parts=[photo()]))
    second = inbound.receive(
        channel, message(2, parts=[photo("other.png")], identity_value="user-8")
    )
    url = timeline_message(alice, first.conversation)["files"][0]["url"]
    other_file = second.entry.message.attachments.get().file

    assert signed_in(charlie).get(url).status_code == 404
    wrong = reverse("conversation_file", args=[first.conversation.public_id, other_file.public_id])
    assert signed_in(alice).get(wrong).status_code == 404


def test_the_api_lists_and_serves_the_same_files(channel, alice):
    received = inbound.receive(channel, message(parts=[photo()]))
    conversation = received.conversation
    api = personal(alice)

    items = api.get(f"/conversations/{conversation.public_id}/timeline").json()["items"]
    [item] = [i for i in items if i["kind"] == "message"]
    [listed] = item["message"]["files"]
    response = api.get(f"/conversations/{conversation.public_id}/files/{listed['id']}")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG


def test_a_redelivered_message_keeps_its_files_once(channel):
    for _ in range(3):
        received = inbound.receive(channel, message(parts=[photo()]))

    assert received.duplicate
    assert StoredFile.objects.count() == 1
    assert MessageAttachment.objects.count() == 1


def test_a_refused_message_leaves_no_file_behind(channel):
    with pytest.raises(NotFound):
        inbound.receive(channel, message(parts=[photo()], conversation="conv_doesnotexist"))

    assert not StoredFile.objects.exists()
    assert not MessageAttachment.objects.exists()


def test_a_part_over_the_limit_or_not_fetched_is_named_not_lost(channel, alice, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    large = photo("gross.png", PNG + b"\x00" * 1024 * 1024)
    unfetched = InboundAttachment(
        "video.mp4", "video/mp4", b"", size=30_000_000, reason="Larger than the bot may fetch."
    )
    received = inbound.receive(channel, message(parts=[photo(), large, unfetched]))

    shown = timeline_message(alice, received.conversation)
    assert [f["name"] for f in shown["files"]] == ["schaden.png"]
    assert [(p["filename"], p["size"]) for p in shown["not_kept"]] == [
        ("gross.png", len(PNG) + 1024 * 1024),
        ("video.mp4", 30_000_000),
    ]
    assert shown["not_kept"][0]["reason"] == "Files can be at most 1 MB."
    assert shown["not_kept"][1]["reason"] == "Larger than the bot may fetch."
    assert StoredFile.objects.count() == 1


def test_a_message_of_only_files_says_which_files(channel, alice):
    received = inbound.receive(channel, message(body="", parts=[photo(), photo("zwei.png")]))

    assert received.entry.message.body == "schaden.png, zwei.png"


def test_the_pushed_entry_carries_the_files(channel):
    with capture_events() as sent:
        inbound.receive(channel, message(parts=[photo()]))

    pushed = [e["entry"] for e, _groups in sent if e["type"] == "timeline.entry"]
    [entry] = [e for e in pushed if e["kind"] == "message"]
    assert [f["name"] for f in entry["message"]["files"]] == ["schaden.png"]
