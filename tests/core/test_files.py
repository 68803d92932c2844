"""The stored-file service: streamed, hashed, sniffed, nothing left behind on refusal."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.storage import default_storage

from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed
from messagecenter.files.models import StoredFile
from messagecenter.files.services import delete_file, open_file, store_file

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 64


def test_store_sniffs_type_from_content_not_name(account, alice):
    stored = store_file(
        account, io.BytesIO(PNG), "../../etc/rechnung.pdf", actor=Actor.for_operator(alice)
    )
    assert (stored.content_type, stored.media_kind) == ("image/png", "image")
    assert stored.original_name == "rechnung.pdf"  # no path from the client survives
    assert stored.sha256 == hashlib.sha256(PNG).hexdigest() and stored.size == len(PNG)
    assert stored.storage_key.startswith(account.public_id + "/")
    with open_file(stored) as handle:
        assert handle.read() == PNG
    assert stored.created_by_id == alice.public_id


def test_oversized_file_is_refused_and_leaves_nothing(account, alice):
    before = (
        set(default_storage.listdir(account.public_id)[1])
        if default_storage.exists(account.public_id)
        else set()
    )
    with pytest.raises(ValidationFailed, match="at most"):
        store_file(
            account,
            io.BytesIO(b"x" * 2048),
            "big.bin",
            actor=Actor.for_operator(alice),
            max_bytes=1024,
        )
    after = (
        set(default_storage.listdir(account.public_id)[1])
        if default_storage.exists(account.public_id)
        else set()
    )
    assert after == before
    assert not StoredFile.objects.exists()


def test_empty_file_is_refused(account, alice):
    with pytest.raises(ValidationFailed, match="empty"):
        store_file(account, io.BytesIO(b""), "leer.txt", actor=Actor.for_operator(alice))


def test_delete_removes_bytes_after_commit(account, alice, django_capture_on_commit_callbacks):
    stored = store_file(
        account, io.BytesIO(b"hallo welt"), "a.txt", actor=Actor.for_operator(alice)
    )
    assert stored.content_type == "text/plain"
    key = stored.storage_key
    with django_capture_on_commit_callbacks(execute=True):
        delete_file(stored)
    assert not default_storage.exists(key)
    assert not StoredFile.objects.exists()
