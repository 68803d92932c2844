"""Resumable uploads (files.uploads) and what is stored: limits, sniffing, images, sweep."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from messagecenter.core.errors import Conflict, NotFound, ValidationFailed
from messagecenter.files import services, uploads
from messagecenter.files.models import StoredFile, Upload
from tests.files.conftest import jpeg_with_gps, png

pytestmark = pytest.mark.django_db


def upload_whole(account, me, name: str, data: bytes, *, chunk=None):
    upload = uploads.create_upload(account, name, len(data), actor=me)
    step = chunk or len(data)
    for offset in range(0, len(data), step):
        upload = uploads.append_chunk(
            upload, offset, io.BytesIO(data[offset : offset + step]), actor=me
        )
    return upload


def stored_keys() -> set[str]:
    found: set[str] = set()

    def walk(folder: str) -> None:
        dirs, files = default_storage.listdir(folder)
        found.update(f"{folder}/{f}".lstrip("/") for f in files)
        for d in dirs:
            walk(f"{folder}/{d}".lstrip("/"))

    if default_storage.exists(""):
        walk("")
    return found


def test_exactly_the_limit_passes(account, me, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    upload = upload_whole(account, me, "grenze.bin", b"a" * 1000)
    assert upload.complete and upload.file.size == 1000


def test_one_byte_over_the_limit_is_refused_and_nothing_is_stored(account, me, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    before = stored_keys()
    with pytest.raises(ValidationFailed, match="at most"):
        uploads.create_upload(account, "zu-gross.bin", 1001, actor=me)
    with pytest.raises(ValidationFailed, match="at most"):
        services.store_file(account, io.BytesIO(b"a" * 1001), "zu-gross.bin", actor=me)
    assert not Upload.objects.exists() and not StoredFile.objects.exists()
    assert stored_keys() == before


def test_a_chunk_longer_than_announced_is_refused_and_not_kept(account, me):
    before = stored_keys()
    upload = uploads.create_upload(account, "a.txt", 10, actor=me)
    with pytest.raises(ValidationFailed, match="longer"):
        uploads.append_chunk(upload, 0, io.BytesIO(b"x" * 11), actor=me)
    upload.refresh_from_db()
    assert upload.offset == 0 and stored_keys() == before


def test_a_dropped_upload_resumes_at_the_offset_the_server_has(account, me):
    """GIVEN 2 of 3 chunks arrived WHEN the client repeats the second (it never saw the
    answer) THEN it is told the real offset, and the third chunk completes the file."""
    data = bytes(range(256)) * 40  # 10240 bytes
    upload = uploads.create_upload(account, "daten.bin", len(data), actor=me)
    upload = uploads.append_chunk(upload, 0, io.BytesIO(data[:4096]), actor=me)
    upload = uploads.append_chunk(upload, 4096, io.BytesIO(data[4096:8192]), actor=me)

    with pytest.raises(uploads.OffsetMismatch) as refused:
        uploads.append_chunk(upload, 4096, io.BytesIO(data[4096:8192]), actor=me)
    assert refused.value.details["offset"] == 8192
    resumed = uploads.get_upload(account, upload.public_id, actor=me)
    done = uploads.append_chunk(resumed, resumed.offset, io.BytesIO(data[8192:]), actor=me)

    assert done.complete
    with services.open_file(done.file) as handle:
        assert handle.read() == data
    assert not [k for k in stored_keys() if k.startswith("parts/")]


def test_only_the_uploader_continues_an_upload(account, me, bob):
    from messagecenter.core.actors import Actor

    upload = uploads.create_upload(account, "a.txt", 3, actor=me)
    with pytest.raises(NotFound):
        uploads.get_upload(account, upload.public_id, actor=Actor.for_operator(bob))


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("setup.exe", png(), "image/png"),
        ("bild.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "text/html"),
        ("bild.png", b"  <html><body>hi</body></html>", "text/html"),
        (
            "logo.png",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)'
            b"</script></svg>",
            "image/svg+xml",
        ),
        ("notiz.pdf", "Grüße, nur Text".encode(), "text/plain"),
        ("daten.txt", b"<?xml version='1.0'?><order id='1'/>", "application/xml"),
        ("x.jpg", b"\x00\x01\x02binary", "application/octet-stream"),
    ],
)
def test_the_type_comes_from_the_content_never_the_name(account, me, name, data, mime):
    stored = upload_whole(account, me, name, data).file
    assert stored.content_type == mime
    assert stored.original_name == name


def test_svg_and_html_are_never_inline_images(account, me):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    stored = upload_whole(account, me, "x.svg", svg).file
    assert stored.media_kind == "image" and not stored.is_raster_image
    assert not stored.thumbnail_key


def test_a_photo_loses_location_and_camera_but_keeps_orientation(account, me):
    stored = upload_whole(account, me, "foto.jpg", jpeg_with_gps()).file
    with services.open_file(stored) as handle, Image.open(handle) as image:
        exif = image.getexif()
        assert exif.get(0x0112) == 6
        assert 0x010F not in exif and 0x0110 not in exif
        assert not exif.get_ifd(0x8825)
    assert stored.content_type == "image/jpeg"


def test_an_image_gets_a_thumbnail_that_goes_with_it(account, me):
    stored = upload_whole(account, me, "gross.png", png((1200, 900))).file
    with services.open_thumbnail(stored) as handle, Image.open(handle) as thumb:
        assert max(thumb.size) <= 320
    services.delete_file(stored)


def test_abandoned_partial_uploads_are_swept(account, me, clock):
    stale = uploads.create_upload(account, "halb.bin", 100, actor=me)
    stale = uploads.append_chunk(stale, 0, io.BytesIO(b"x" * 50), actor=me)
    part = stale.parts[0]
    clock.shift(timedelta(hours=23))
    fresh = uploads.create_upload(account, "neu.bin", 100, actor=me)
    clock.shift(timedelta(hours=2))

    assert uploads.sweep() == 1
    assert list(Upload.objects.values_list("public_id", flat=True)) == [fresh.public_id]
    assert not default_storage.exists(part)


def test_a_finished_file_never_sent_is_swept_with_its_bytes(account, me, clock):
    done = upload_whole(account, me, "nie-gesendet.txt", b"hallo")
    key = done.file.storage_key
    clock.shift(timedelta(hours=25))
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        uploads.sweep()
    assert not StoredFile.objects.exists() and not default_storage.exists(key)


def test_sending_takes_only_finished_uploads(account, me):
    upload = uploads.create_upload(account, "a.txt", 10, actor=me)
    with pytest.raises(Conflict, match="still uploading"):
        uploads.take(account, [upload.public_id], actor=me)
