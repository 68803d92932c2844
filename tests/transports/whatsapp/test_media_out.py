"""Operator files to WhatsApp: each uploaded to ``/<phone number id>/media`` and sent by media
id as image, video, audio or document (by WhatsApp's supported formats; a GIF goes as a
document), the text as the caption of a single file (not of audio); a file over WhatsApp's
limit for its kind goes as the lasting download link in the text."""

from __future__ import annotations

import dataclasses

import pytest

from messagecenter.conversations import services
from messagecenter.conversations.models import DeliveryState, Message
from messagecenter.core.actors import Actor
from messagecenter.transports.whatsapp.transport import WhatsAppTransport, media_type
from tests.conftest import capture_events
from tests.files.channel_helpers import finished_upload
from tests.files.conftest import png
from tests.transports.whatsapp.conftest import post
from tests.transports.whatsapp.payloads import PHONE, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(provider, whatsapp, alice, clock):
    post(provider, whatsapp, text("wamid.IN1", "Schicken Sie mir die Rechnung?"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def send(conversation, alice, body, uploads):
    with capture_events():
        return services.post_operator_message(
            conversation, body, actor=Actor.for_operator(alice), uploads=uploads
        )


def test_an_image_is_uploaded_and_sent_by_id_with_the_text_as_caption(
    conversation, alice, whatsapp_api
):
    image = png()
    entry = send(conversation, alice, "Hier das Foto", [finished_upload(alice, "foto.png", image)])

    [upload] = whatsapp_api.uploads
    assert upload["messaging_product"] == "whatsapp" and upload["type"] == "image/png"
    assert whatsapp_api.media[upload["id"]].content == image
    [sent] = whatsapp_api.sent
    assert sent["to"] == PHONE and sent["type"] == "image"
    assert sent["image"] == {"id": upload["id"], "caption": "Hier das Foto"}
    assert Message.objects.get(entry=entry).delivery_state == DeliveryState.SENT


def test_several_files_then_the_text(conversation, alice, whatsapp_api):
    uploads = [finished_upload(alice, "rechnung.pdf", b"%PDF-1.4 fake"),
               finished_upload(alice, "foto.png", png())]  # fmt: skip
    send(conversation, alice, "Anbei beides", uploads)

    kinds = [m["type"] for m in whatsapp_api.sent]
    assert kinds == ["document", "image", "text"]
    assert whatsapp_api.sent[0]["document"]["filename"] == "rechnung.pdf"
    assert "caption" not in whatsapp_api.sent[0]["document"]
    assert whatsapp_api.sent[2]["text"]["body"] == "Anbei beides"


def test_formats_whatsapp_does_not_play_go_as_documents():
    assert media_type("image/jpeg") == "image" and media_type("image/gif") == "document"
    assert media_type("video/mp4") == "video" and media_type("video/webm") == "document"
    assert media_type("audio/ogg") == "audio" and media_type("application/pdf") == "document"


def test_a_file_over_whatsapps_limit_goes_as_a_link(
    conversation, alice, whatsapp_api, monkeypatch, settings
):
    settings.PUBLIC_URL = "https://support.acme.test"
    small = dataclasses.replace(WhatsAppTransport.capabilities, media_limits=(("image", 10),))
    monkeypatch.setattr(WhatsAppTransport, "capabilities", small)

    send(conversation, alice, "Foto", [finished_upload(alice, "foto.png", png())])

    assert whatsapp_api.uploads == []
    [sent] = whatsapp_api.sent
    assert sent["type"] == "text"
    assert "foto.png: https://support.acme.test/f/" in sent["text"]["body"]


def test_a_refused_upload_fails_the_message_with_the_reason(conversation, alice, whatsapp_api):
    whatsapp_api.fail("media", 131053, message="Media upload error")

    entry = send(conversation, alice, "", [finished_upload(alice, "foto.png", png())])

    message = Message.objects.get(entry=entry)
    assert message.delivery_state == DeliveryState.FAILED
    assert "Media upload error" in message.delivery_error
    assert whatsapp_api.sent == []
