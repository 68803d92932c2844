"""The messenger's side of files over HTTP and the socket's frame: the contact uploads with
their token (CORS for the widget's origins only), message.send names the upload, and the push
to the contact carries the file with a lasting link; the widget's switches are enforced."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from messagecenter.contacts.services import create_contact
from messagecenter.conversations import inbound
from messagecenter.conversations.models import MessageAttachment
from messagecenter.core.actors import Actor
from messagecenter.files import uploads
from messagecenter.files.models import StoredFile
from messagecenter.transports import registry
from messagecenter.transports.webchat.visitors import issue_token
from messagecenter.widgets import services as widgets
from messagecenter.widgets.models import ChannelConnection
from tests.conftest import capture_events
from tests.files.conftest import png

pytestmark = pytest.mark.django_db

SITE = "https://shop.example.com"


@pytest.fixture
def kim(account):
    return create_contact(account, name="Kim")


def post_upload(widget, token, name, data, origin=SITE):
    client = Client()
    headers = {"X-MC-Token": token, "Origin": origin}
    created = client.post(
        f"/messenger/{widget.key}/uploads/", {"name": name, "size": len(data)}, headers=headers
    )
    if created.status_code != 201:
        return created, None
    done = client.generic(
        "PATCH", created.json()["url"], data, content_type="application/offset+octet-stream",
        headers={**headers, "Upload-Offset": "0"},
    )  # fmt: skip
    return created, done


def send(widget, contact, upload_ids, body="Hallo"):
    connection = ChannelConnection.objects.get(widget=widget, kind="webchat")
    frame = {"type": "message.send", "body": body, "client_id": "c-1", "uploads": upload_ids}
    parsed = registry.require("webchat").parse(connection, frame)
    with capture_events() as sent:
        received = inbound.receive(connection, parsed, contact=contact)
    return received, [e for e, _g in sent if e["type"] == "messenger.entry"]


def test_the_contact_uploads_and_sends_and_sees_the_file(widget, kim):
    widget.allowed_origins = [SITE]
    widget.save()
    created, done = post_upload(widget, issue_token(kim), "foto.png", png())
    assert created["Access-Control-Allow-Origin"] == SITE
    assert done.status_code == 200 and done.json()["file"]["image"]

    received, pushed = send(widget, kim, [created.json()["id"]], body="")

    [row] = MessageAttachment.objects.filter(message=received.entry.message)
    assert row.file.contact == kim
    [file] = pushed[0]["entry"]["message"]["files"]
    assert file["name"] == "foto.png" and file["url"].startswith("/f/") and file["thumb"]
    assert Client().get(file["url"]).status_code == 302
    assert received.entry.message.body == "foto.png"


def test_a_retried_frame_keeps_its_files_once(widget, kim):
    created, _done = post_upload(widget, issue_token(kim), "a.txt", b"hallo")
    first, _ = send(widget, kim, [created.json()["id"]])
    again, _ = send(widget, kim, [created.json()["id"]])
    assert again.entry.pk == first.entry.pk
    assert MessageAttachment.objects.count() == 1


def test_another_site_gets_no_cors_and_a_bad_token_404(widget, kim):
    created, _ = post_upload(widget, issue_token(kim), "a.txt", b"x", origin="https://evil.test")
    assert "Access-Control-Allow-Origin" not in created
    refused, _ = post_upload(widget, "forged", "a.txt", b"x")
    assert refused.status_code == 404


def test_another_contacts_upload_is_not_found(widget, kim, account):
    other = create_contact(account, name="Lou")
    created, _ = post_upload(widget, issue_token(kim), "a.txt", b"x")
    answer = Client().head(created.json()["url"], headers={"X-MC-Token": issue_token(other)})
    assert answer.status_code == 404


def test_the_widget_switches_are_enforced(widget, kim, alice):
    admin = Actor.for_operator(alice)
    widgets.update_widget(widget, actor=admin, media={"enabled": True, "types": ["image"]})
    _created, refused = post_upload(widget, issue_token(kim), "a.txt", b"nur Text")
    assert refused.status_code == 409
    assert refused.json()["error"] == "This widget does not accept this kind of file."
    assert not StoredFile.objects.exists()

    widgets.update_widget(widget, actor=admin, media={"enabled": False, "types": ["image"]})
    off, _ = post_upload(widget, issue_token(kim), "b.png", png())
    assert off.status_code == 409 and "switched off" in off.json()["error"]


def test_a_file_the_widget_stopped_taking_is_named_not_sent(widget, kim, alice):
    me = Actor.for_contact(kim)
    upload = uploads.create_upload(kim.account, "a.txt", 5, actor=me, contact=kim)
    upload = uploads.append_chunk(upload, 0, io.BytesIO(b"hallo"), actor=me)
    widgets.update_widget(
        widget, actor=Actor.for_operator(alice), media={"enabled": True, "types": ["image"]}
    )
    received, _ = send(widget, kim, [upload.public_id])
    [row] = MessageAttachment.objects.filter(message=received.entry.message)
    assert row.file is None and "does not accept" in row.not_kept_reason
