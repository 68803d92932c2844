"""Voice messages on WhatsApp (R-FILE-2): a recording is uploaded as OGG/Opus media and sent
as ``audio`` with ``voice``; other files stay links; a voice note arrives as a voice message."""

from __future__ import annotations

import pytest

from messagecenter.conversations import services
from messagecenter.conversations.attachments import message_extras
from messagecenter.conversations.models import Message, OutboundDelivery
from messagecenter.core.actors import Actor
from messagecenter.files import voice
from messagecenter.files.models import StoredFile
from tests.conftest import capture_events
from tests.files.channel_helpers import finished_upload, finished_voice_upload
from tests.files.recordings import recording
from tests.transports.whatsapp.conftest import post
from tests.transports.whatsapp.payloads import PHONE, message, text, value, webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(provider, whatsapp, alice, clock):
    post(provider, whatsapp, text("wamid.IN1", "Hallo"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def send(conversation, alice, body, uploads):
    with capture_events():
        return services.post_operator_message(
            conversation, body, actor=Actor.for_operator(alice), uploads=uploads
        )


def test_a_recording_goes_as_a_voice_note(conversation, alice, whatsapp_api):
    uploads = [finished_voice_upload(alice, recording(2.0), 2000),
               finished_upload(alice, "plan.txt", b"Plan")]  # fmt: skip
    send(conversation, alice, "Anbei", uploads)

    # Each file as its own message (uploaded to /media), then the text (two files: no caption).
    note, document, last = whatsapp_api.sent
    assert note["type"] == "audio" and note["audio"]["voice"] is True
    assert note["to"] == PHONE.removeprefix("+")
    media = whatsapp_api.media[note["audio"]["id"]]
    assert media.mime_type == "audio/ogg" and voice.is_ogg_opus(media.content[:64])
    assert document["type"] == "document" and document["document"]["filename"] == "plan.txt"
    assert last["type"] == "text" and last["text"]["body"].startswith("Anbei")
    assert OutboundDelivery.objects.get().provider_message_id == last["id"]


def test_a_voice_only_message_sends_no_empty_text(conversation, alice, whatsapp_api):
    send(conversation, alice, "", [finished_voice_upload(alice, recording(1.0), 1000)])

    [note] = whatsapp_api.sent
    assert note["type"] == "audio"


def test_a_contacts_voice_note_arrives_as_a_voice_message(provider, whatsapp, whatsapp_api):
    whatsapp_api.add_media("88", recording(3.0, container="ogg"), "audio/ogg; codecs=opus")
    audio = {"id": "88", "mime_type": "audio/ogg; codecs=opus", "voice": True}

    post(provider, whatsapp, webhook(("messages", value(messages=[
        message("wamid.V1", None, type="audio", audio=audio)]))))  # fmt: skip

    stored = Message.objects.get()
    [file] = message_extras([stored])[stored.pk]["files"]
    assert file["voice"] is True and abs(file["duration_ms"] - 3000) <= 30
    assert StoredFile.objects.get().content_type == "audio/ogg"
