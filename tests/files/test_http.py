"""The composer's upload endpoints and the signed downloads, over HTTP as the browser uses them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from messagecenter.conversations.models import Message
from messagecenter.files import links
from messagecenter.files.models import ScanState, StoredFile, Upload
from messagecenter.widgets import services as widgets
from tests.conftest import as_actor, capture_events
from tests.files.conftest import png, signed_in

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def create(client, conversation, name, size):
    url = reverse("conversation_uploads", args=[conversation.public_id])
    return client.post(url, {"name": name, "size": str(size)})


def patch(client, url, offset, data):
    return client.generic(
        "PATCH", url, data, content_type="application/offset+octet-stream",
        headers={"Upload-Offset": str(offset)},
    )  # fmt: skip


def upload(client, conversation, name, data, chunk=None):
    created = create(client, conversation, name, len(data)).json()
    step = chunk or len(data)
    for offset in range(0, len(data), step):
        answer = patch(client, created["url"], offset, data[offset : offset + step])
    return created, answer


def reply(client, conversation, body, upload_ids):
    url = reverse("conversation_reply", args=[conversation.public_id])
    with capture_events():
        return client.post(
            url, {"body": body, "upload": upload_ids}, headers={"Accept": "application/json"}
        )


def test_chunks_resume_after_a_head_and_the_reply_carries_the_files(conversation, alice):
    client = signed_in(alice)
    data = png((300, 200))
    created = create(client, conversation, "foto.png", len(data)).json()
    assert patch(client, created["url"], 0, data[:500]).status_code == 204

    # The connection dropped: where was it?
    head = client.head(created["url"])
    assert head["Upload-Offset"] == "500" and head["Upload-Length"] == str(len(data))
    wrong = patch(client, created["url"], 0, data[:500])
    assert wrong.status_code == 409 and wrong["Upload-Offset"] == "500"
    done = patch(client, created["url"], 500, data[500:])
    assert done.status_code == 200
    assert done.json()["file"]["content_type"] == "image/png"
    _doc, _pdf_done = upload(client, conversation, "notiz.txt", b"Lieferschein 42")

    answer = reply(client, conversation, "Hier die Unterlagen", [created["id"], _doc["id"]])

    assert answer.status_code == 200, answer.content
    files = answer.json()["entry"]["message"]["files"]
    assert [f["name"] for f in files] == ["foto.png", "notiz.txt"]
    assert files[0]["image"] and files[0]["thumb"]
    assert not Upload.objects.exists()
    message = Message.objects.get(body="Hier die Unterlagen")
    assert [a.file.original_name for a in message.attachments.all()] == ["foto.png", "notiz.txt"]


def test_a_message_of_files_only_is_named_by_them(conversation, alice):
    client = signed_in(alice)
    created, _done = upload(client, conversation, "a.txt", b"hallo")
    answer = reply(client, conversation, "", [created["id"]])
    assert answer.json()["entry"]["message"]["body"] == "a.txt"


def test_one_byte_over_the_limit_is_refused_with_the_reason(conversation, alice, settings):
    settings.MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    client = signed_in(alice)
    assert create(client, conversation, "ok.bin", 2 * 1024 * 1024).status_code == 201
    refused = create(client, conversation, "gross.bin", 2 * 1024 * 1024 + 1)
    assert refused.status_code == 422
    assert refused.json()["error"] == "Files can be at most 2 MB."


def test_a_download_is_a_sandboxed_attachment_and_only_raster_images_are_inline(
    conversation, alice
):
    client = signed_in(alice)
    _c, svg_done = upload(client, conversation, "logo.png", SVG)
    _c, png_done = upload(client, conversation, "bild.png", png())

    svg = client.get(svg_done.json()["file"]["url"])
    image = client.get(png_done.json()["file"]["url"])

    assert svg["Content-Type"] == "image/svg+xml"
    assert svg["Content-Disposition"].startswith("attachment")
    assert image["Content-Disposition"].startswith("inline")
    for response in (svg, image):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert "default-src 'none'" in response["Content-Security-Policy"]


def test_the_signed_url_expires_and_the_lasting_link_mints_a_fresh_one(
    conversation, alice, clock, settings
):
    settings.FILE_URL_SECONDS = 300
    client = signed_in(alice)
    _c, done = upload(client, conversation, "a.txt", b"hallo")
    stored = StoredFile.objects.get()
    url, lasting = done.json()["file"]["url"], links.lasting_link(stored)
    anonymous = type(client)()

    assert anonymous.get(url).status_code == 200  # the signature is the permission
    clock.shift(timedelta(seconds=301))
    assert anonymous.get(url).status_code == 404
    clock.shift(timedelta(days=3))
    fresh = anonymous.get(lasting)
    assert fresh.status_code == 302
    assert b"".join(anonymous.get(fresh["Location"]).streaming_content) == b"hallo"
    clock.shift(timedelta(days=settings.FILE_LINK_DAYS))
    assert anonymous.get(lasting).status_code == 404


def test_a_forged_token_and_an_outsider_get_404(conversation, alice, charlie):
    client = signed_in(alice)
    created, done = upload(client, conversation, "a.txt", b"hallo")
    url = done.json()["file"]["url"]
    token = url.split("/")[2]
    forged = url.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    outsider = signed_in(charlie)

    assert client.get(forged).status_code == 404
    pending, _ = upload(client, conversation, "b.txt", b"x" * 10, chunk=4)
    assert outsider.head(pending["url"]).status_code == 404
    assert create(outsider, conversation, "x.txt", 3).status_code == 404
    answer = reply(client, conversation, "Datei", [created["id"]])
    [file] = answer.json()["entry"]["message"]["files"]
    assert outsider.get(file["url"]).status_code == 404
    assert client.get(file["url"]).status_code == 302


def test_a_teammates_upload_is_not_found(conversation, alice, bob):
    created = create(signed_in(alice), conversation, "a.txt", 3).json()
    assert signed_in(bob).head(created["url"]).status_code == 404


def test_cancel_removes_the_upload(conversation, alice):
    client = signed_in(alice)
    created = create(client, conversation, "a.txt", 10).json()
    patch(client, created["url"], 0, b"12345")
    assert client.delete(created["url"]).status_code == 204
    assert not Upload.objects.exists()


def test_the_widget_switches_are_enforced_in_the_service(conversation, alice, widget):
    widgets.update_widget(
        widget, actor=as_actor(alice), media={"enabled": True, "types": ["image"]}
    )
    client = signed_in(alice)
    _c, refused = upload(client, conversation, "a.txt", b"hallo")
    assert refused.status_code == 409
    assert refused.json()["error"] == "This widget does not accept this kind of file."
    assert not StoredFile.objects.exists()

    created, _ok = upload(client, conversation, "b.png", png())
    widgets.update_widget(
        widget, actor=as_actor(alice), media={"enabled": False, "types": ["image"]}
    )
    answer = reply(client, conversation, "Bild", [created["id"]])
    assert answer.status_code == 409
    assert answer.json()["error"] == "Files are switched off for this widget."


def test_a_quarantined_file_is_shown_as_such_and_not_sent(conversation, alice):
    client = signed_in(alice)
    created, done = upload(client, conversation, "a.txt", b"hallo")
    StoredFile.objects.update(scan_state=ScanState.INFECTED)
    response = client.get(done.json()["file"]["url"])
    assert response.status_code == 403
    assert "quarantine" in response.content.decode()
    answer = reply(client, conversation, "Datei", [created["id"]])
    assert answer.status_code == 409 and "quarantine" in answer.json()["error"]
