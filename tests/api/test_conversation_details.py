"""The rest of a conversation over the API: subject, topic and language, the transcript,
files sent with a reply (uploaded first, streamed to storage), and starting a conversation
from a contact — each through the service the operator app calls."""

from __future__ import annotations

import pytest

from messagecenter.conversations.models import Conversation, MessageAttachment, Status
from messagecenter.conversations.services import assign_operator, create_topic
from messagecenter.files.models import StoredFile, Upload
from tests.api.conftest import assert_problem
from tests.conftest import as_actor
from tests.files.conftest import png
from tests.helpers import conversation_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(widget, contact, alice):
    return conversation_in(Status.WAITING, widget, contact, alice)


def path(conversation, rest: str = "") -> str:
    return f"/conversations/{conversation.public_id}{rest}"


# --- subject, topic, language -------------------------------------------------------------


def test_patch_sets_subject_topic_and_language(alice_api, waiting, account, alice):
    topic = create_topic(account, "Billing", actor=as_actor(alice))

    response = alice_api.patch(
        path(waiting), {"subject": "Rechnung März", "topic": topic.public_id, "locale": "de"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["subject"] == "Rechnung März"
    assert body["topic"] == {"id": topic.public_id, "name": "Billing"}
    assert body["locale"] == "de"
    waiting.contact.refresh_from_db()
    assert waiting.contact.locale == "de"  # the conversation language becomes the contact's


def test_topic_null_clears_it_and_unsent_fields_stay(alice_api, waiting, account, alice):
    topic = create_topic(account, "Billing", actor=as_actor(alice))
    alice_api.patch(path(waiting), {"topic": topic.public_id, "subject": "Bleibt"})

    body = alice_api.patch(path(waiting), {"topic": None}).json()

    assert body["topic"] is None and body["subject"] == "Bleibt"


def test_an_unsupported_language_changes_nothing(alice_api, waiting):
    response = alice_api.patch(path(waiting), {"subject": "Neu", "locale": "xx"})

    assert_problem(response, 422, "validation_failed")
    waiting.refresh_from_db()
    assert waiting.subject == "" and waiting.locale != "xx"


def test_a_topic_of_another_account_is_404(alice_api, waiting, other_account, charlie):
    foreign = create_topic(other_account, "Fremd", actor=as_actor(charlie))

    assert_problem(alice_api.patch(path(waiting), {"topic": foreign.public_id}), 404, "not_found")
    waiting.refresh_from_db()
    assert waiting.topic is None


# --- transcript ---------------------------------------------------------------------------


def test_transcript_is_requested_for_the_end(alice_api, waiting):
    response = alice_api.post(
        path(waiting, "/transcript"), {"to_contact": True, "recipients": ["chef@acme.test"]}
    )

    assert response.status_code == 200, response.content
    waiting.refresh_from_db()
    assert waiting.transcript_to_contact is True
    assert waiting.transcript_recipients == ["chef@acme.test"]
    assert waiting.timeline.filter(kind="transcript").count() == 1


def test_transcript_to_an_invalid_address_is_refused(alice_api, waiting):
    response = alice_api.post(path(waiting, "/transcript"), {"recipients": ["kein-at"]})

    assert response.status_code == 422
    waiting.refresh_from_db()
    assert waiting.transcript_recipients == []


def test_transcript_replay_adds_one_entry(alice_api, waiting):
    body = {"to_contact": True}
    alice_api.post(path(waiting, "/transcript"), body, key="t-1")
    again = alice_api.post(path(waiting, "/transcript"), body, key="t-1")

    assert again["Idempotent-Replayed"] == "true"
    assert waiting.timeline.filter(kind="transcript").count() == 1


# --- files --------------------------------------------------------------------------------


def test_upload_then_reply_with_the_file(alice_api, waiting):
    uploaded = alice_api.upload(path(waiting, "/uploads"), png(), "foto.png")

    assert uploaded.status_code == 201, uploaded.content
    upload = uploaded.json()
    assert upload["file"]["name"] == "foto.png"
    assert upload["file"]["content_type"] == "image/png"

    reply = alice_api.post(path(waiting, "/messages"), {"body": "Hier", "files": [upload["id"]]})

    assert reply.status_code == 201, reply.content
    files = reply.json()["message"]["files"]
    assert [f["name"] for f in files] == ["foto.png"]
    assert MessageAttachment.objects.filter(message__conversation=waiting).count() == 1
    assert not Upload.objects.exists()  # the upload became the message's file


def test_upload_replay_stores_the_file_once(alice_api, waiting):
    first = alice_api.upload(path(waiting, "/uploads"), png(), "a.png", key="u-1")
    again = alice_api.upload(path(waiting, "/uploads"), png(), "a.png", key="u-1")

    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert StoredFile.objects.count() == 1


def test_an_empty_upload_is_refused_and_nothing_stays(alice_api, waiting):
    assert_problem(alice_api.upload(path(waiting, "/uploads"), b"", "leer.txt"), 422, "file_empty")
    assert not Upload.objects.exists() and not StoredFile.objects.exists()


def test_a_file_the_widget_does_not_take_is_refused_and_removed(alice_api, waiting, widget):
    widget.media = {"enabled": True, "types": ["document"]}
    widget.save()

    response = alice_api.upload(path(waiting, "/uploads"), png(), "foto.png")

    assert_problem(response, 409, "widget_media_type")
    assert not Upload.objects.exists() and not StoredFile.objects.exists()


def test_an_upload_over_the_limit_is_413_before_anything_is_stored(alice_api, waiting, settings):
    settings.MAX_UPLOAD_BYTES = 10

    response = alice_api.upload(path(waiting, "/uploads"), b"x" * 11, "gross.txt")

    body = assert_problem(response, 422, "file_too_large")
    assert "MB" in body["detail"]
    assert not Upload.objects.exists()


def test_an_unknown_upload_id_refuses_the_reply(alice_api, waiting):
    before = waiting.messages.count()

    response = alice_api.post(path(waiting, "/messages"), {"body": "x", "files": ["up_nope"]})

    assert_problem(response, 404, "not_found")
    assert waiting.messages.count() == before


def test_bots_send_text_only(bot_api, waiting):
    body = assert_problem(
        bot_api.post(path(waiting, "/messages"), {"body": "x", "files": ["up_1"]}),
        422,
        "bot_files_unsupported",
    )
    assert body["field"] == "files"


def test_someone_elses_upload_cannot_be_sent(alice_api, bob_api, waiting, alice, bob):
    upload = alice_api.upload(path(waiting, "/uploads"), png(), "a.png").json()
    # Bob is assigned, so only the upload's owner is in question.
    assign_operator(waiting, bob, actor=as_actor(alice))

    response = bob_api.post(path(waiting, "/messages"), {"body": "x", "files": [upload["id"]]})

    assert_problem(response, 404, "not_found")


# --- starting -----------------------------------------------------------------------------


def test_operator_starts_a_conversation_with_a_contact(alice_api, contact, widget, alice):
    response = alice_api.post(
        "/conversations",
        {"contact": contact.public_id, "widget": widget.public_id, "body": "Guten Tag!"},
        key="start-1",
    )
    again = alice_api.post(
        "/conversations",
        {"contact": contact.public_id, "widget": widget.public_id, "body": "Guten Tag!"},
        key="start-1",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "waiting" and body["assigned_operator"] == alice.public_id
    assert again.json()["id"] == body["id"]
    assert Conversation.objects.filter(contact=contact).count() == 1


def test_an_integration_cannot_start_a_conversation(bot_api, contact, widget):
    response = bot_api.post(
        "/conversations",
        {"contact": contact.public_id, "widget": widget.public_id, "body": "Hi"},
    )

    assert response.status_code == 403
    assert not Conversation.objects.exists()
