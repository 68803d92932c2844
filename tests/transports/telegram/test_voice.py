"""Voice messages on Telegram (R-FILE-2): a recording goes as ``sendVoice`` with its OGG/Opus
copy and length; a contact's voice note arrives as a voice message."""

from __future__ import annotations

import pytest

from messagecenter.conversations import services
from messagecenter.conversations.attachments import message_extras
from messagecenter.conversations.models import Message
from messagecenter.core.actors import Actor
from messagecenter.files import voice
from messagecenter.files.models import StoredFile
from tests.conftest import capture_events
from tests.files.channel_helpers import finished_voice_upload
from tests.files.recordings import recording
from tests.transports.telegram.conftest import post
from tests.transports.telegram.updates import USER, update

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(provider, telegram, alice, clock):
    post(provider, telegram, update(1, 11, "Hallo"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def send(conversation, alice, body, uploads):
    with capture_events():
        return services.post_operator_message(
            conversation, body, actor=Actor.for_operator(alice), uploads=uploads
        )


def test_a_recording_goes_as_a_voice_note_in_ogg_opus(conversation, alice, telegram_api):
    send(conversation, alice, "", [finished_voice_upload(alice, recording(3.0), 3000)])

    [sent] = telegram_api.sent
    note = sent["voice"]
    assert sent["chat_id"] == USER["id"]
    assert note["content_type"] == "audio/ogg" and note["filename"] == "voice.ogg"
    assert voice.is_ogg_opus(note["content"][:64])
    [(_method, params)] = [c for c in telegram_api.calls if c[0] == "sendVoice"]
    assert params["duration"] == "3"


def test_the_delivery_job_remuxes_when_the_copy_is_missing(conversation, alice, telegram_api):
    upload = finished_voice_upload(alice, recording(1.0), 1000)
    StoredFile.objects.filter(voice=True).update(voice_ogg_key="")  # the job has not run yet

    send(conversation, alice, "Hören Sie mal", [upload])

    text, note = telegram_api.sent
    assert text["text"] == "Hören Sie mal"
    assert voice.is_ogg_opus(note["voice"]["content"][:64])
    assert StoredFile.objects.get(voice=True).voice_ogg_key


def test_a_contacts_voice_note_arrives_as_a_voice_message(provider, telegram, telegram_api):
    telegram_api.add_file("voice-1", recording(4.0, container="ogg"), path="voice/file_3.oga")
    note = {"file_id": "voice-1", "file_unique_id": "v1", "duration": 4,
            "mime_type": "audio/ogg", "file_size": 10}  # fmt: skip

    post(provider, telegram, update(1, 11, None, voice=note))

    message = Message.objects.get()
    [file] = message_extras([message])[message.pk]["files"]
    assert file["voice"] is True and abs(file["duration_ms"] - 4000) <= 30
    stored = StoredFile.objects.get()
    # Already OGG/Opus: its own copy, nothing remuxed.
    assert stored.voice_ogg_key == stored.storage_key
