"""A provider channel's message with files in the conversation view: the files to download and
the part that could not be kept, with its reason, in English and German."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.conversations import inbound
from messagecenter.transports.base import InboundAttachment, InboundMessage
from messagecenter.widgets.models import ChannelConnection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def received_with_files(widget):
    channel = ChannelConnection.objects.create(
        account=widget.account, widget=widget, kind="custom", name="Shop app"
    )
    parts = (
        InboundAttachment("schaden.png", "image/png", PNG),
        InboundAttachment("video.mp4", "video/mp4", b"", size=3_000_000, reason="Too large."),
    )
    message = InboundMessage(
        body="Hier das Foto",
        identity_kind="external",
        identity_value="user-7",
        provider_message_id="msg-1",
        attachments=parts,
    )
    return inbound.receive(channel, message).conversation


def test_the_operator_downloads_the_file_and_sees_what_was_not_kept(app_for, widget, alice):
    conversation = received_with_files(widget)
    message = app_for(alice).open(f"/inbox/{conversation.public_id}/").locator(".msg--contact")

    link = message.get_by_role("list", name="Attachments").get_by_role("link", name="schaden.png")
    with message.page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "schaden.png"
    expect(message.locator("[data-skipped]")).to_contain_text(
        "Not kept: video.mp4 (3 MB). Too large."
    )


def test_a_german_operator_reads_it_in_german(app_for, widget, alice):
    alice.language = "de"
    alice.save(update_fields=["language"])
    conversation = received_with_files(widget)
    message = app_for(alice).open(f"/inbox/{conversation.public_id}/").locator(".msg--contact")

    expect(message.get_by_role("list", name="Anhänge")).to_be_visible()
    expect(message.locator("[data-skipped]")).to_contain_text("Nicht übernommen: video.mp4")
