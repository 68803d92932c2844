"""R-CONTACT-6: erasure leaves nothing of the contact anywhere; export gives them everything."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from messagecenter.accounts.models import AuditEntry
from messagecenter.contacts import gdpr, verification
from messagecenter.contacts.models import Contact
from messagecenter.contacts.services import create_contact
from messagecenter.contacts.tracking import record_page_view
from messagecenter.conversations import notes, services
from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound
from messagecenter.files.services import store_file
from tests.helpers import conversation_in

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_BYTES = b"%PDF-1.4 Vertrag von Zacharias Quellmann, Kundennummer ZQ-4711"


@pytest.fixture
def doomed(account, widget, alice):
    contact = create_contact(
        account,
        name="Zacharias Quellmann",
        email="zq@quellmann.example",
        phone="0151 98765432",
        customer_id="ZQ-4711",
        company="Quellmann KG",
    )
    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    me = Actor.for_operator(alice)
    services.post_operator_message(conversation, "Ihr Vertrag ZQ-4711 liegt vor", actor=me)
    notes.add_note(conversation, "Herr Quellmann ruft morgen an", actor=me)
    store_file(
        account,
        io.BytesIO(SECRET_BYTES),
        "vertrag.pdf",
        actor=Actor.for_contact(contact),
        contact=contact,
    )
    record_page_view(contact, widget, "https://shop.example/quellmann", "Quellmann")
    verification.start_verification(contact, None, actor=me, conversation=conversation)
    return contact


def every_row_text() -> str:
    """Every row of every table in the database (search index tables included), as text."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def storage_hashes() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def test_erasure_leaves_no_trace(doomed, alice, bob, widget):
    other = create_contact(doomed.account, name="Bleibt Hier", email="bleibt@example.com")
    identifiers = [
        "Zacharias",
        "Quellmann",
        "zq@quellmann.example",
        "+4915198765432",
        "ZQ-4711",
        doomed.public_id,
    ]
    assert all(i in every_row_text() for i in identifiers)  # the scan would see them
    secret_hash = hashlib.sha256(SECRET_BYTES).hexdigest()
    assert secret_hash in storage_hashes()

    gdpr.erase_contact(doomed, actor=Actor.for_operator(bob))

    text = every_row_text()
    for identifier in identifiers[:-1]:
        assert identifier not in text, identifier
    assert secret_hash not in storage_hashes()
    assert not Contact.objects.filter(pk=doomed.pk).exists()
    assert Contact.objects.filter(pk=other.pk).exists()
    entry = AuditEntry.objects.get(action="contact.erased")
    assert entry.actor_id == bob.public_id
    assert entry.data == {
        "conversations": 1,
        "messages": 4,
        "files": 1,
        "identities": 2,
        "page_views": 1,
    }


def test_outsider_cannot_erase_or_export(doomed, charlie):
    with pytest.raises(NotFound):
        gdpr.erase_contact(doomed, actor=Actor.for_operator(charlie))
    with pytest.raises(NotFound):
        gdpr.export_contact(doomed, actor=Actor.for_operator(charlie))
    assert Contact.objects.filter(pk=doomed.pk).exists()


def test_export_zip_holds_data_and_files(doomed, alice):
    archive = zipfile.ZipFile(
        io.BytesIO(gdpr.export_contact(doomed, actor=Actor.for_operator(alice)))
    )
    data = json.loads(archive.read("contact.json"))
    assert data["contact"]["name"] == "Zacharias Quellmann"
    assert {i["value"] for i in data["identities"]} == {"zq@quellmann.example", "+4915198765432"}
    texts = [e.get("text") for c in data["conversations"] for e in c["timeline"]]
    assert "Ihr Vertrag ZQ-4711 liegt vor" in texts
    [file_name] = [n for n in archive.namelist() if n.startswith("files/")]
    assert file_name.endswith("vertrag.pdf") and archive.read(file_name) == SECRET_BYTES
    assert data["page_views"][0]["url"] == "https://shop.example/quellmann"


def test_blocked_contact_messages_are_kept_for_audit_but_reach_nobody(
    widget, contact, alice, settings
):
    from messagecenter.contacts.models import BlockedMessage
    from messagecenter.contacts.services import set_blocked
    from messagecenter.conversations.models import Conversation
    from messagecenter.core.errors import PermissionDenied
    from tests.helpers import go_online, start

    go_online(alice)
    conversation = start(widget, contact)
    set_blocked(contact, True, actor=Actor.for_operator(alice))
    before = conversation.messages.count()
    with pytest.raises(PermissionDenied, match="not available"):
        services.post_contact_message(conversation, "Spam 1", actor=Actor.for_contact(contact))
    with pytest.raises(PermissionDenied):
        start(widget, contact, body="Spam 2")
    assert conversation.messages.count() == before
    assert Conversation.objects.filter(contact=contact).count() == 1
    assert list(BlockedMessage.objects.values_list("body", flat=True)) == ["Spam 1", "Spam 2"]

    settings.KEEP_BLOCKED_MESSAGES = False
    with pytest.raises(PermissionDenied):
        start(widget, contact, body="Spam 3")
    assert BlockedMessage.objects.count() == 2

    set_blocked(contact, False, actor=Actor.for_operator(alice))
    services.post_contact_message(conversation, "Wieder da", actor=Actor.for_contact(contact))


class WorkerDied(BaseException):
    """Stands for the worker process being killed: nothing catches it."""


def test_erasure_whose_worker_died_between_rows_and_files_is_finished_on_resume(
    doomed, alice, clock, monkeypatch
):
    """GIVEN an erasure whose worker died after the rows were erased and before the file's
    bytes were deleted WHEN the lease has expired and the sweep runs THEN the next worker
    deletes the bytes (and does not erase anything twice)."""
    from django.core.files.storage import default_storage

    from messagecenter.files.models import StoredFile
    from messagecenter.jobs import runner
    from messagecenter.jobs.models import Job

    [key] = StoredFile.objects.filter(contact=doomed).values_list("storage_key", flat=True)
    real_delete = gdpr._delete_stored
    deaths = iter([WorkerDied])

    def dies_once(keys):
        for death in deaths:
            raise death
        real_delete(keys)

    monkeypatch.setattr(gdpr, "_delete_stored", dies_once)
    with pytest.raises(WorkerDied):
        gdpr.request_erasure(doomed, actor=Actor.for_operator(alice))  # runs at commit
    assert not Contact.objects.filter(pk=doomed.pk).exists()
    assert default_storage.exists(key)  # the crash left the bytes behind
    job = Job.objects.get(kind="contacts.erase")
    assert (job.state, job.checkpoint["step"]) == ("running", "files")

    clock.shift(61)
    runner.resume_stale()

    assert not default_storage.exists(key)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.checkpoint) == ("done", 2, {"step": "done"})
    assert AuditEntry.objects.filter(action="contact.erased").count() == 1
