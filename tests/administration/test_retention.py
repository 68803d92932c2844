"""Data retention per widget: ended conversations go N days after they ended, files M days
after they arrived, in a resumable job; each run leaves a PII-free receipt an administrator
downloads. Driven by the controllable clock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from messagecenter.accounts.models import AuditEntry
from messagecenter.administration import retention
from messagecenter.administration.models import RetentionRun, RunState
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import attachments
from messagecenter.conversations.models import Conversation, Message, MessageAttachment
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.files.models import StoredFile
from messagecenter.jobs import runner
from messagecenter.jobs.models import Job, JobState
from messagecenter.transports.base import InboundAttachment
from tests.conftest import as_actor
from tests.helpers import conversation_in

pytestmark = pytest.mark.django_db

URL = "/settings/retention/"
DAY = timedelta(days=1)


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def with_file(conversation, name="rechnung.pdf") -> StoredFile:
    parts = attachments.store(
        conversation.connection,
        conversation.contact,
        [InboundAttachment(name, "application/pdf", b"%PDF-1.4 " + name.encode() * 20)],
    )
    attachments.link(Message.objects.filter(conversation=conversation).first(), parts)
    return parts.stored[0]


def ended(widget, account, alice, name: str):
    contact = create_contact(account, name=name, email=f"{name.lower()}@example.com")
    return conversation_in("ended", widget, contact, alice)


def run_now(widget, alice, django_capture_on_commit_callbacks) -> RetentionRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = retention.start_run(widget, actor=as_actor(alice))
    run.refresh_from_db()
    return run


@pytest.fixture
def history(clock, widget, account, alice, bob):
    """GIVEN an old ended conversation with a file (ended on day 0), an ended one of day 20,
    and an open one with an old file; the clock is then at day 40."""
    old = ended(widget, account, alice, "Alt")
    old_file = with_file(old)
    open_one = conversation_in("open", widget, create_contact(account, name="Offen"), alice)
    open_file = with_file(open_one, "offen.pdf")
    clock.shift(20 * DAY)
    recent = ended(widget, account, alice, "Neu")
    clock.shift(20 * DAY)
    return {
        "old": old,
        "old_file": old_file,
        "open": open_one,
        "open_file": open_file,
        "recent": recent,
    }


def test_ended_conversations_older_than_n_days_are_deleted(
    history, widget, alice, django_capture_on_commit_callbacks
):
    retention.set_policy(widget, conversation_days=30, file_days=None, actor=as_actor(alice))
    run = run_now(widget, alice, django_capture_on_commit_callbacks)
    assert run.state == RunState.DONE
    assert not Conversation.objects.filter(pk=history["old"].pk).exists()
    assert (
        Conversation.objects.filter(pk__in=[history["recent"].pk, history["open"].pk]).count() == 2
    )
    # The old conversation's file went with it, bytes included; the open one's stays.
    assert not StoredFile.objects.filter(pk=history["old_file"].pk).exists()
    assert not default_storage.exists(history["old_file"].storage_key)
    assert StoredFile.objects.filter(pk=history["open_file"].pk).exists()
    assert (run.conversations_deleted, run.files_deleted) == (1, 1)
    assert run.messages_deleted >= 2
    assert retention.receipt_mentions(run, history["old"].public_id)
    assert not retention.receipt_mentions(run, history["recent"].public_id)


def test_files_older_than_m_days_are_deleted_and_conversations_kept(
    history, widget, alice, django_capture_on_commit_callbacks
):
    retention.set_policy(widget, conversation_days=None, file_days=30, actor=as_actor(alice))
    run = run_now(widget, alice, django_capture_on_commit_callbacks)
    assert Conversation.objects.count() == 3
    assert not StoredFile.objects.exists()
    assert not MessageAttachment.objects.exclude(file=None).exists()
    assert run.files_deleted == 2 and run.conversations_deleted == 0


def test_the_receipt_is_pii_free_and_downloadable(
    history, widget, alice, django_capture_on_commit_callbacks
):
    retention.set_policy(widget, conversation_days=30, file_days=30, actor=as_actor(alice))
    run = run_now(widget, alice, django_capture_on_commit_callbacks)
    answer = signed_in(alice).get(f"{URL}receipts/{run.public_id}.json")
    assert answer.status_code == 200 and "attachment" in answer["Content-Disposition"]
    body = answer.content.decode()
    receipt = json.loads(body)
    assert receipt["counts"] == {"conversations": 1, "messages": run.messages_deleted, "files": 2}
    for secret in (
        history["old"].public_id,
        history["old"].contact.public_id,
        "Alt",
        "alt@example.com",
        "rechnung",
        history["old_file"].public_id,
    ):
        assert secret not in body
    assert len(receipt["deleted_ids_hmac"]["conversations"][0]) == 64
    entry = AuditEntry.objects.get(action="widget.retention_run")
    assert entry.data["receipt"] == run.public_id and entry.data["conversations"] == 1


def test_a_run_resumes_from_its_checkpoint_after_a_worker_dies(
    clock, widget, account, alice, monkeypatch, django_capture_on_commit_callbacks
):
    """GIVEN five old ended conversations, batches of two, and a worker that dies after its
    first batch; WHEN the sweep resumes the job after the lease ran out; THEN every one is
    deleted exactly once and the receipt counts five."""
    doomed = [ended(widget, account, alice, f"K{n}").public_id for n in range(5)]
    clock.shift(40 * DAY)
    retention.set_policy(widget, conversation_days=30, file_days=None, actor=as_actor(alice))
    monkeypatch.setattr(retention, "BATCH", 2)
    real_batch, calls = retention._conversation_batch, []

    def dies_after_one(run):
        if calls:
            raise SystemExit("kill -9")
        calls.append(1)
        return real_batch(run)

    monkeypatch.setattr(retention, "_conversation_batch", dies_after_one)
    with pytest.raises(SystemExit), django_capture_on_commit_callbacks(execute=True):
        retention.start_run(widget, actor=as_actor(alice))
    assert Conversation.objects.count() == 3
    job = Job.objects.get(kind=retention.JOB)
    assert job.state == JobState.RUNNING and job.checkpoint["phase"] == "conversations"

    monkeypatch.setattr(retention, "_conversation_batch", real_batch)
    clock.shift(timedelta(seconds=runner.lease_duration().total_seconds() + 1))
    runner.resume_stale()
    run = RetentionRun.objects.get()
    assert run.state == RunState.DONE and run.conversations_deleted == 5
    assert Conversation.objects.count() == 0
    assert sorted(run.receipt_ids["conversations"]) == sorted(map(retention.id_hmac, doomed))


def test_the_nightly_task_runs_every_widget_with_a_policy(
    history, widget, alice, django_capture_on_commit_callbacks
):
    from messagecenter.administration import tasks

    retention.set_policy(widget, conversation_days=30, file_days=None, actor=as_actor(alice))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_retention.call_local()
    run = RetentionRun.objects.get()
    assert run.started_by_kind == "system" and run.conversations_deleted == 1


def test_a_policy_is_validated_and_a_run_needs_one(widget, alice):
    with pytest.raises(ValidationFailed):
        retention.set_policy(widget, conversation_days=0, file_days=None, actor=as_actor(alice))
    with pytest.raises(ValidationFailed):
        retention.start_run(widget, actor=as_actor(alice))
    answer = signed_in(alice).post(
        f"{URL}{widget.public_id}/", {f"{widget.public_id}-conversation_days": "-3"}
    )
    assert answer.status_code == 400


def test_the_page_saves_a_policy_and_starts_a_run(
    history, widget, alice, django_capture_on_commit_callbacks
):
    client = signed_in(alice)
    prefix = widget.public_id
    answer = client.post(
        f"{URL}{widget.public_id}/",
        {f"{prefix}-conversation_days": "30", f"{prefix}-file_days": ""},
    )
    assert answer.status_code == 302
    assert retention.policy_of(widget).conversation_days == 30
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{URL}{widget.public_id}/run/").status_code == 302
    page = client.get(URL).content.decode()
    run = RetentionRun.objects.get()
    assert run.public_id in page and "Download receipt" in page


def test_a_teammate_is_refused(widget, alice, bob, django_capture_on_commit_callbacks):
    retention.set_policy(widget, conversation_days=30, file_days=None, actor=as_actor(alice))
    run = run_now(widget, alice, django_capture_on_commit_callbacks)
    client = signed_in(bob)
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}{widget.public_id}/run/").status_code == 403
    assert client.get(f"{URL}receipts/{run.public_id}.json").status_code == 403
    with pytest.raises(PermissionDenied):
        retention.set_policy(widget, conversation_days=1, file_days=1, actor=as_actor(bob))


def test_an_outsider_gets_404(widget, alice, charlie, django_capture_on_commit_callbacks):
    retention.set_policy(widget, conversation_days=30, file_days=None, actor=as_actor(alice))
    run = run_now(widget, alice, django_capture_on_commit_callbacks)
    client = signed_in(charlie)
    assert client.post(f"{URL}{widget.public_id}/", {}).status_code == 404
    assert client.post(f"{URL}{widget.public_id}/run/").status_code == 404
    assert client.get(f"{URL}receipts/{run.public_id}.json").status_code == 404
    with pytest.raises(NotFound):
        retention.start_run(widget, actor=as_actor(charlie))
    assert widget.public_id not in client.get(URL).content.decode()


def test_the_page_speaks_german(widget, alice):
    alice.language = "de"
    alice.save(update_fields=["language"])
    text = signed_in(alice).get(URL).content.decode()
    assert "Aufbewahrung" in text


def test_system_actor_is_only_for_the_nightly_task(widget, account):
    with pytest.raises(ValidationFailed):  # no policy yet; the system may start runs
        retention.start_run(widget, actor=Actor.system(account))


def test_a_deleted_images_thumbnail_goes_with_it(
    clock, widget, account, alice, django_capture_on_commit_callbacks
):
    """Everything a file has in storage goes: the bytes and the thumbnail (and a voice
    message's OGG/Opus copy, ``STORED_KEYS``)."""
    import io

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (400, 300), "teal").save(png, "PNG")
    old = ended(widget, account, alice, "Bild")
    parts = attachments.store(
        old.connection, old.contact, [InboundAttachment("foto.png", "image/png", png.getvalue())]
    )
    attachments.link(Message.objects.filter(conversation=old).first(), parts)
    image = parts.stored[0]
    assert image.thumbnail_key and default_storage.exists(image.thumbnail_key)
    clock.shift(40 * DAY)

    retention.set_policy(widget, conversation_days=30, file_days=None, actor=as_actor(alice))
    run_now(widget, alice, django_capture_on_commit_callbacks)

    assert not default_storage.exists(image.storage_key)
    assert not default_storage.exists(image.thumbnail_key)
