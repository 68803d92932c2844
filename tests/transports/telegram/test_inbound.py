"""What a contact sends through Telegram: text, photos, documents, voice (downloaded with the
bot's token), files above what a bot may download, edits with their history, ``/start`` deep
links that identify a contact, and finding the conversation by the Telegram identity."""

from __future__ import annotations

import pytest
from django.test import Client

from messagecenter.contacts.services import create_contact
from messagecenter.conversations.events import entry_payload
from messagecenter.conversations.models import Message
from messagecenter.transports import registry
from messagecenter.transports.telegram import links
from messagecenter.transports.telegram.models import TelegramUpdate
from tests.conftest import capture_events
from tests.transports.telegram.conftest import post
from tests.transports.telegram.updates import USER, edit, photo, update

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def parse(connection, data):
    return registry.require("telegram").parse(connection, data)


# --- files -----------------------------------------------------------------------------------


def test_a_photo_is_downloaded_in_its_largest_size(telegram, telegram_api):
    telegram_api.add_file("ph-1", b"\xff\xd8jpeg-bytes", path="photos/file_1.jpg")

    parsed = parse(telegram, update(1, 11, None, photo=photo("ph-1", 12), caption="Der Schaden"))

    assert parsed.body == "Der Schaden"
    (attachment,) = parsed.attachments
    assert attachment.content == b"\xff\xd8jpeg-bytes"
    assert attachment.content_type == "image/jpeg" and attachment.filename.endswith(".jpg")


def test_a_document_keeps_its_name_and_type(telegram, telegram_api):
    telegram_api.add_file("doc-1", b"%PDF-1.7", path="documents/file_2.pdf")
    document = {"file_id": "doc-1", "file_unique_id": "d1", "file_name": "Rechnung.pdf",
                "mime_type": "application/pdf", "file_size": 8}  # fmt: skip

    parsed = parse(telegram, update(1, 11, None, document=document))

    assert parsed.body == "Rechnung.pdf"
    (attachment,) = parsed.attachments
    assert (attachment.filename, attachment.content_type) == ("Rechnung.pdf", "application/pdf")
    assert attachment.content == b"%PDF-1.7"


def test_a_voice_message_is_downloaded_as_ogg(telegram, telegram_api):
    telegram_api.add_file("voice-1", b"OggS-voice", path="voice/file_3.oga")
    voice = {"file_id": "voice-1", "file_unique_id": "v1", "duration": 4,
             "mime_type": "audio/ogg", "file_size": 10}  # fmt: skip

    parsed = parse(telegram, update(1, 11, None, voice=voice))

    (attachment,) = parsed.attachments
    assert (attachment.filename, attachment.content_type) == ("voice.ogg", "audio/ogg")
    assert attachment.content == b"OggS-voice"


def test_audio_and_video_are_downloaded(telegram, telegram_api):
    telegram_api.add_file("au-1", b"ID3", path="music/a.mp3")
    telegram_api.add_file("vi-1", b"mp4", path="videos/v.mp4")
    audio = {"file_id": "au-1", "file_unique_id": "a", "duration": 3, "file_size": 3}
    video = {"file_id": "vi-1", "file_unique_id": "v", "duration": 3, "width": 1, "height": 1,
             "file_size": 3, "mime_type": "video/mp4"}  # fmt: skip

    assert parse(telegram, update(1, 11, None, audio=audio)).attachments[0].content == b"ID3"
    assert parse(telegram, update(2, 12, None, video=video)).attachments[0].content == b"mp4"


def test_a_file_above_the_bots_download_limit_is_named_without_content(telegram, telegram_api):
    telegram_api.add_file("big-1", b"", path="documents/big.zip", size=25 * MB)
    document = {"file_id": "big-1", "file_unique_id": "b", "file_name": "Fotos.zip",
                "mime_type": "application/zip", "file_size": 25 * MB}  # fmt: skip

    parsed = parse(telegram, update(1, 11, None, document=document))

    (attachment,) = parsed.attachments
    assert attachment.filename == "Fotos.zip" and attachment.content == b""
    assert attachment.size == 25 * MB and "20 MB" in attachment.reason
    assert not any(method == "getFile" for method, _p in telegram_api.calls)


def test_telegram_refusing_the_file_is_the_same_as_too_large(telegram, telegram_api):
    # No size in the update, but Telegram says so at getFile.
    telegram_api.add_file("big-2", b"", path="documents/big2.zip", size=30 * MB)
    document = {"file_id": "big-2", "file_unique_id": "b2", "file_name": "Video.mov"}

    (attachment,) = parse(telegram, update(1, 11, None, document=document)).attachments

    assert attachment.content == b""
    assert attachment.reason == "Bad Request: file is too big"


def test_a_failed_download_leaves_the_update_for_another_try(provider, telegram, telegram_api):
    telegram_api.add_file("ph-2", b"jpeg", path="photos/p.jpg")
    telegram_api.fail("getFile", 502, "Bad Gateway")

    post(provider, telegram, update(1, 11, None, photo=photo("ph-2", 4)))

    row = TelegramUpdate.objects.get()
    assert row.processed_at is None and row.reason == "Bad Gateway"
    assert not Message.objects.exists()
    from messagecenter.transports.telegram import inbound

    assert inbound.process(row.pk) == "message"
    assert Message.objects.get().body.startswith("photo-11")


def test_a_voice_message_is_kept_with_its_message(provider, telegram, telegram_api):
    telegram_api.add_file("voice-2", b"OggS", path="voice/v.oga")
    voice = {"file_id": "voice-2", "file_unique_id": "v2", "duration": 2, "file_size": 4}

    post(provider, telegram, update(1, 11, None, voice=voice))

    message = Message.objects.get()
    assert message.body == "voice.ogg"
    (shown,) = entry_payload(message.entry)["message"]["files"]
    assert shown["name"] == "voice.ogg" and shown["size"] == 4


def test_a_photo_replayed_is_kept_once(provider, telegram, telegram_api):
    telegram_api.add_file("ph-3", b"jpeg-3", path="photos/p3.jpg")
    photo_update = update(1, 11, None, photo=photo("ph-3", 6), caption="Hier")

    for _ in range(3):
        post(provider, telegram, photo_update)
    post(provider, telegram, {**photo_update, "update_id": 2})

    message = Message.objects.get()
    assert [f["name"] for f in entry_payload(message.entry)["message"]["files"]] == ["photo-11.jpg"]
    assert message.attachments.count() == 1


def test_a_file_over_the_limit_is_named_on_the_message(provider, telegram):
    document = {"file_id": "big-3", "file_unique_id": "b3", "file_name": "Film.mp4",
                "mime_type": "video/mp4", "file_size": 40 * MB}  # fmt: skip

    post(provider, telegram, update(1, 11, "Das Video", document=document))

    shown = entry_payload(Message.objects.get().entry)["message"]
    assert shown["files"] == []
    (missing,) = shown["not_kept"]
    assert missing["filename"] == "Film.mp4" and missing["size"] == 40 * MB
    assert "20 MB" in missing["reason"]


# --- edits -----------------------------------------------------------------------------------


def test_an_edit_keeps_the_original_and_shows_edited_with_the_history(provider, telegram):
    post(provider, telegram, update(1, 11, "Ich komme um 10"))
    with capture_events() as events:
        post(provider, telegram, edit(2, 11, "Ich komme um 11"))

    message = Message.objects.get()
    assert message.body == "Ich komme um 11" and message.edited_at is not None
    shown = entry_payload(message.entry)["message"]
    assert shown["edited_at"] == message.edited_at.isoformat()
    assert [r["body"] for r in shown["revisions"]] == ["Ich komme um 10"]
    pushed = [e for e, _groups in events if e["type"] == "message.updated"]
    assert pushed and pushed[-1]["entry"]["message"]["body"] == "Ich komme um 11"


def test_edits_replayed_and_out_of_order_keep_the_newest_text(provider, telegram):
    post(provider, telegram, update(1, 11, "v1"))
    second, third = edit(3, 11, "v3", edit_date=300), edit(2, 11, "v2", edit_date=200)
    for u in [second, third, second, third]:
        post(provider, telegram, u)

    message = Message.objects.get()
    assert message.body == "v3"
    assert list(message.revisions.values_list("body", flat=True)) == ["v1"]


def test_two_edits_are_two_earlier_versions(provider, telegram):
    post(provider, telegram, update(1, 11, "v1"))
    post(provider, telegram, edit(2, 11, "v2", edit_date=200))
    post(provider, telegram, edit(3, 11, "v3", edit_date=300))

    shown = entry_payload(Message.objects.get().entry)["message"]
    assert [r["body"] for r in shown["revisions"]] == ["v1", "v2"]


def test_an_edit_of_a_message_we_never_got_is_stored_as_it_reads(provider, telegram):
    post(provider, telegram, edit(2, 11, "Nachgereicht"))

    assert Message.objects.get().body == "Nachgereicht"


# --- /start deep links -----------------------------------------------------------------------


def test_a_start_link_identifies_the_contact(provider, telegram, account):
    known = create_contact(account, name="Clara Kundin", email="clara@example.com")
    payload = links.start_payload(known)
    assert len(payload) <= 64 and links.deep_link(telegram, known).startswith("https://t.me/")

    post(provider, telegram, update(1, 10, f"/start {payload}"))
    post(provider, telegram, update(2, 11, "Hallo, ich bin's"))

    message = Message.objects.get()
    assert message.conversation.contact == known
    assert known.identities.get(kind="telegram").value == str(USER["id"])
    assert TelegramUpdate.objects.get(update_id=1).outcome == "identified"


def test_a_forged_or_foreign_start_payload_identifies_nobody(provider, telegram, account):
    known = create_contact(account, name="Clara Kundin")
    forged = known.public_id + "-AAAAAAAAAAAAAAAAAAAA"

    post(provider, telegram, update(1, 10, f"/start {forged}"))
    post(provider, telegram, update(2, 11, "Hallo"))

    assert not known.identities.filter(kind="telegram").exists()
    assert Message.objects.get().conversation.contact != known


def test_a_plain_start_writes_nothing(provider, telegram):
    post(provider, telegram, update(1, 10, "/start"))

    assert not Message.objects.exists()


# --- finding it ------------------------------------------------------------------------------


def test_the_conversation_is_found_by_the_contacts_telegram_identity(provider, telegram, alice):
    post(provider, telegram, update(1, 11, "Hallo"))
    conversation = Message.objects.get().conversation
    operator = Client()
    operator.force_login(alice)

    listed = operator.get("/contacts/", {"q": str(USER["id"])}).content.decode()
    profile = operator.get(f"/contacts/{conversation.contact.public_id}/").content.decode()

    assert "Kim Berg" in listed
    assert conversation.public_id in profile


def test_a_start_payload_whose_signature_holds_a_dash_still_names_its_contact(account):
    """The signature is URL-safe base64, which may contain "-", the separator."""
    for n in range(200):
        contact = create_contact(account, name=f"Kontakt {n}")
        payload = links.start_payload(contact)
        if "-" in payload.partition("-")[2]:
            break
    else:
        pytest.fail("no signature with a dash in 200 contacts")

    assert links.read_start_payload(account, payload) == contact
