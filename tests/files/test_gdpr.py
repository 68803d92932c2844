"""GDPR: the files of a contact's conversations (theirs and the operators') are in their data
export and are removed with their erasure, bytes and previews included."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.test import TestCase

from messagecenter.contacts import gdpr
from messagecenter.files.models import StoredFile
from tests.files.conftest import png, signed_in
from tests.files.test_http import reply, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(conversation, alice):
    client = signed_in(alice)
    photo, _ = upload(client, conversation, "foto.png", png((500, 400)))
    note, _ = upload(client, conversation, "notiz.txt", b"Kundennotiz")
    assert reply(client, conversation, "Anbei", [photo["id"], note["id"]]).status_code == 200
    return list(StoredFile.objects.order_by("original_name"))


def test_the_export_holds_the_files_sent_in_the_contacts_conversations(sent, contact, me):
    archive = zipfile.ZipFile(io.BytesIO(gdpr.export_contact(contact, actor=me)))
    files = {
        n.split("-", 1)[1]: archive.read(n) for n in archive.namelist() if n.startswith("files/")
    }
    assert files["notiz.txt"] == b"Kundennotiz"
    assert files["foto.png"].startswith(b"\x89PNG")


def test_erasure_removes_the_files_their_bytes_and_previews(sent, contact, me):
    keys = [k for f in sent for k in (f.storage_key, f.thumbnail_key) if k]
    assert len(keys) == 3 and all(default_storage.exists(k) for k in keys)

    with TestCase.captureOnCommitCallbacks(execute=True):
        gdpr.erase_contact(contact, actor=me)

    assert not StoredFile.objects.exists()
    assert not any(default_storage.exists(k) for k in keys)
