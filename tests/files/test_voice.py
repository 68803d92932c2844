"""Voice messages (R-FILE-2) through the composer's upload path: a recording is a file marked
as voice with its length, checked to be Opus audio, capped in length and size, remuxed by a
job into an OGG/Opus copy that the player loads with byte ranges."""

from __future__ import annotations

import io

import av
import pytest
from django.core.files.storage import default_storage
from django.test import TestCase
from django.urls import reverse

from messagecenter.conversations.models import Message
from messagecenter.files import services, voice
from messagecenter.files.models import StoredFile, Upload
from messagecenter.widgets import services as widgets
from tests.conftest import as_actor
from tests.files.conftest import png, signed_in
from tests.files.recordings import recording
from tests.files.test_http import patch, reply

pytestmark = pytest.mark.django_db


def create_voice(client, conversation, data, duration_ms="2000", name="voice.webm"):
    url = reverse("conversation_uploads", args=[conversation.public_id])
    fields = {"name": name, "size": str(len(data)), "voice": "1", "duration_ms": duration_ms}
    return client.post(url, fields)


def record(client, conversation, data, duration_ms="2000"):
    created = create_voice(client, conversation, data, duration_ms)
    assert created.status_code == 201, created.content
    # The remux job runs after the upload's commit (as the worker would take it).
    with TestCase.captureOnCommitCallbacks(execute=True):
        return created.json(), patch(client, created.json()["url"], 0, data)


def test_a_recording_is_sent_as_a_voice_message_with_its_length(conversation, alice):
    client = signed_in(alice)
    created, done = record(client, conversation, recording(2.0), duration_ms="2000")

    assert done.status_code == 200
    file = done.json()["file"]
    assert file["voice"] is True and file["duration_ms"] == 2000
    assert file["content_type"] == "audio/webm" and file["media_kind"] == "audio"
    assert reply(client, conversation, "", [created["id"]]).status_code == 200

    message = Message.objects.filter(conversation=conversation).latest("entry__seq")
    [attachment] = message.attachments.select_related("file")
    # Measured by the remux job (Opus frames: within a few milliseconds).
    assert attachment.file.voice and abs(attachment.file.duration_ms - 2000) <= 30
    entry = client.get(reverse("conversation_timeline", args=[conversation.public_id])).json()
    [shown] = entry["entries"][-1]["message"]["files"]
    assert shown["voice"] is True and shown["play"].endswith("?voice=1")


def test_the_job_remuxes_to_ogg_opus_and_measures_the_length(conversation, alice):
    client = signed_in(alice)
    # The recorder said 2.9 s; the file is 2.5 s long: the job's measurement wins.
    record(client, conversation, recording(2.5), duration_ms="2900")

    stored = StoredFile.objects.get(voice=True)
    assert stored.voice_ogg_key and stored.voice_ogg_key != stored.storage_key
    assert abs(stored.duration_ms - 2500) <= 30
    with default_storage.open(stored.voice_ogg_key, "rb") as handle:
        data = handle.read()
    assert voice.is_ogg_opus(data[:64])
    with av.open(io.BytesIO(data)) as container:
        [stream] = container.streams
        assert container.format.name == "ogg" and stream.codec_context.name == "opus"
        assert sum(1 for packet in container.demux(stream) if packet.size) >= 120  # 20 ms frames


def test_other_audio_is_transcoded_to_opus():
    target = io.BytesIO()
    voice.remux(io.BytesIO(recording(1.0, container="wav", codec="pcm_s16le")), target)

    assert voice.is_ogg_opus(target.getvalue()[:64])
    assert abs(voice.ogg_duration_ms(target) - 1000) <= 30


def test_the_player_loads_the_ogg_copy_with_byte_ranges(conversation, alice):
    client = signed_in(alice)
    created, _done = record(client, conversation, recording(2.0))
    reply(client, conversation, "", [created["id"]])
    stored = StoredFile.objects.get(voice=True)
    play = reverse("conversation_file", args=[conversation.public_id, stored.public_id])

    whole = client.get(play + "?voice=1", follow=True)
    assert whole.status_code == 200 and whole["Content-Type"] == "audio/ogg"
    assert whole["Accept-Ranges"] == "bytes"
    body = b"".join(whole.streaming_content)
    assert voice.is_ogg_opus(body[:64])

    signed = client.get(play + "?voice=1")["Location"]
    part = client.get(signed, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(body)}"
    assert b"".join(part.streaming_content) == body[100:200]
    tail = client.get(signed, headers={"Range": "bytes=-10"})
    assert b"".join(tail.streaming_content) == body[-10:]
    beyond = client.get(signed, headers={"Range": f"bytes={len(body)}-"})
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(body)}"


def test_a_file_that_is_no_opus_recording_is_refused_and_nothing_is_kept(conversation, alice):
    client = signed_in(alice)
    _created, done = record(client, conversation, png())

    assert done.status_code == 422
    assert done.json()["error"] == "A voice message must be Opus audio in WebM or Ogg."
    assert not StoredFile.objects.exists() and not Upload.objects.exists()


def test_a_recording_over_the_length_cap_is_refused_at_once(conversation, alice, settings):
    settings.VOICE_MAX_SECONDS = 60
    client = signed_in(alice)

    refused = create_voice(client, conversation, recording(0.5), duration_ms="62001")
    assert refused.status_code == 422
    assert refused.json()["error"] == "Voice messages can be at most 1 minutes long."
    assert create_voice(client, conversation, recording(0.5), "62000").status_code == 201
    missing = create_voice(client, conversation, recording(0.5), duration_ms="")
    assert missing.json()["code"] == "voice_duration_missing"


def test_the_size_limit_holds_for_recordings(conversation, alice, settings):
    data = recording(1.0)
    settings.MAX_UPLOAD_BYTES = len(data) - 1
    client = signed_in(alice)

    refused = create_voice(client, conversation, data)
    assert refused.status_code == 422 and refused.json()["code"] == "file_too_large"
    settings.MAX_UPLOAD_BYTES = len(data)
    _created, done = record(client, conversation, data)
    assert done.status_code == 200


def test_a_widget_without_audio_refuses_voice_messages(conversation, alice, widget):
    widgets.update_widget(
        widget, media={"enabled": True, "types": ["image"]}, actor=as_actor(alice)
    )
    refused = create_voice(signed_in(alice), conversation, recording(0.5))

    assert refused.status_code == 409
    assert refused.json()["error"] == "This widget does not accept this kind of file."


def test_erasing_the_file_removes_its_ogg_copy(conversation, alice):
    record(signed_in(alice), conversation, recording(1.0))
    stored = StoredFile.objects.get(voice=True)
    keys = [stored.storage_key, stored.voice_ogg_key]
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.delete_file(stored)

    assert not any(default_storage.exists(key) for key in keys)


def test_the_messenger_loads_the_voice_module_from_any_website(client):
    script = client.get("/messenger-voice.js", headers={"Origin": "https://shop.example"})

    assert script.status_code == 200
    assert script["Content-Type"] == "text/javascript; charset=utf-8"
    assert script["Access-Control-Allow-Origin"] == "*"
    assert b'customElements.define("mc-voice-player"' in script.content
    again = client.get("/messenger-voice.js", headers={"If-None-Match": script["ETag"]})
    assert again.status_code == 304


def test_the_messenger_hears_the_cap(settings, widget):
    from messagecenter.transports.webchat.consumer import _widget_config

    settings.VOICE_MAX_SECONDS = 90
    assert _widget_config(widget)["voice_max_seconds"] == 90


def test_refusals_speak_german(conversation, alice):
    alice.language = "de"
    alice.save(update_fields=["language"])
    _created, done = record(signed_in(alice), conversation, png())

    assert done.json()["error"] == "Eine Sprachnachricht muss Opus-Audio in WebM oder Ogg sein."


def test_the_player_and_recorder_speak_german(alice):
    alice.language = "de"
    alice.save(update_fields=["language"])

    catalogue = signed_in(alice).get(reverse("javascript-catalog")).content.decode()

    assert "Sprachnachricht abspielen" in catalogue and "Aufnahme beenden" in catalogue
