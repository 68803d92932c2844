"""Data retention per widget: ended conversations are deleted N days after they ended,
files M days after they were stored, in a resumable job (``jobs.runner``).

A run fixes its cut-off times when it starts, then works in batches: each batch deletes its
rows, adds its counts and HMACs to the run's receipt and stores the checkpoint in ONE
transaction, so a worker that dies mid-run loses nothing and repeats nothing. Bytes in
storage go after the rows; the checkpoint names them until they are gone (as the GDPR
erasure does), so none are left behind.

The receipt is PII-free: counts and cut-offs, and the deleted ids as HMAC-SHA256 under a key
derived from the installation's secret, so an administrator holding an id can ask "was it
deleted?" (``receipt_mentions``) while the receipt alone reveals nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account
from messagecenter.administration.models import RetentionPolicy, RetentionRun, RunState
from messagecenter.conversations.models import (
    Conversation,
    Message,
    MessageAttachment,
    Status,
)
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from messagecenter.files.models import StoredFile
from messagecenter.jobs import runner
from messagecenter.jobs.models import Job
from messagecenter.widgets.models import Widget

JOB = "administration.retention"
BATCH = 100
MAX_DAYS = 36500
_HMAC_SALT = "messagecenter.administration.retention.receipt"


# --- policy ---------------------------------------------------------------------------------


def policy_of(widget: Widget) -> RetentionPolicy:
    found = RetentionPolicy.objects.filter(widget=widget).first()
    return found or RetentionPolicy(account=widget.account, widget=widget)


def set_policy(
    widget: Widget, *, conversation_days: int | None, file_days: int | None, actor: Actor
) -> RetentionPolicy:
    """Keep ended conversations ``conversation_days`` and files ``file_days`` (None: forever)."""
    _require_admin(actor, widget.account)
    for field, days in (("conversation_days", conversation_days), ("file_days", file_days)):
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise ValidationFailed(_("Enter a number of days from 1 to 36500."), field=field)
    with transaction.atomic():
        policy, _made = RetentionPolicy.objects.update_or_create(
            widget=widget,
            defaults={
                "account": widget.account,
                "conversation_days": conversation_days,
                "file_days": file_days,
            },
        )
        audit.record(
            actor, "widget.retention_changed", "widget", widget.public_id,
            conversation_days=conversation_days, file_days=file_days,
        )  # fmt: skip
    return policy


# --- runs -----------------------------------------------------------------------------------


def start_run(widget: Widget, *, actor: Actor) -> RetentionRun:
    """Start a run of the widget's policy now (also what the nightly task does)."""
    if actor.kind != "system":
        _require_admin(actor, widget.account)
    policy = policy_of(widget)
    if policy.conversation_days is None and policy.file_days is None:
        raise ValidationFailed(_("This widget keeps everything: set a retention period first."))
    with transaction.atomic():
        busy = RetentionRun.objects.filter(widget=widget, state=RunState.RUNNING)
        if busy.select_for_update().exists():
            raise Conflict(_("A retention run of this widget is still going."))
        now = clock.now()
        run = RetentionRun.objects.create(
            account=widget.account,
            widget=widget,
            widget_public_id=widget.public_id,
            started_by_kind=actor.kind,
            started_by_id=actor.public_id,
            started_at=now,
            conversations_before=_before(now, policy.conversation_days),
            files_before=_before(now, policy.file_days),
            receipt_ids={"conversations": [], "files": []},
        )
        runner.submit(JOB, {"run": run.pk}, account=widget.account)
    return run


def run_all_due() -> list[str]:
    """The nightly run: every widget with a policy and no run going gets one."""
    started = []
    for policy in RetentionPolicy.objects.select_related("widget__account"):
        if policy.conversation_days is None and policy.file_days is None:
            continue
        try:
            run = start_run(policy.widget, actor=Actor.system(policy.widget.account))
        except Conflict:
            continue
        started.append(run.public_id)
    return started


def runs_of(account: Account, *, actor: Actor, limit: int = 20) -> list[RetentionRun]:
    _require_admin(actor, account)
    runs = RetentionRun.objects.filter(account=account).select_related("widget")
    return list(runs.order_by("-started_at")[:limit])


def receipt(account: Account, public_id: str, *, actor: Actor) -> dict:
    """The run's receipt as a JSON-ready dict: nothing in it names a person."""
    _require_admin(actor, account)
    run = RetentionRun.objects.filter(account=account, public_id=public_id).first()
    if run is None:
        raise NotFound(_("Not found."))
    return {
        "receipt": run.public_id,
        "widget": run.widget_public_id,
        "state": run.state,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "started_by": {"kind": run.started_by_kind, "id": run.started_by_id},
        "conversations_ended_before": _iso(run.conversations_before),
        "files_stored_before": _iso(run.files_before),
        "counts": {
            "conversations": run.conversations_deleted,
            "messages": run.messages_deleted,
            "files": run.files_deleted,
        },
        "hmac": "HMAC-SHA256 of each deleted id under a key of this installation",
        "deleted_ids_hmac": run.receipt_ids,
    }


def id_hmac(public_id: str) -> str:
    return salted_hmac(_HMAC_SALT, public_id, algorithm="sha256").hexdigest()


def receipt_mentions(run: RetentionRun, public_id: str) -> bool:
    """Was the conversation or file with this id deleted by ``run``?"""
    digest = id_hmac(public_id)
    return any(digest in ids for ids in run.receipt_ids.values())


# --- the job --------------------------------------------------------------------------------


def work(lease: runner.Lease) -> None:
    """Files first (of conversations kept and deleted alike), then ended conversations;
    each batch commits with its checkpoint."""
    run = RetentionRun.objects.get(pk=lease.job.payload["run"])
    _delete_stored(lease.checkpoint.get("keys", []))
    while (phase := lease.checkpoint.get("phase", "files")) != "done":
        lease.beat()
        with transaction.atomic():
            run = RetentionRun.objects.select_for_update().get(pk=run.pk)
            more, keys = _batch(run, phase)
            next_phase = phase if more else _NEXT[phase]
            lease.save({"phase": next_phase, "keys": keys})
        _delete_stored(keys)
    _finish(run, RunState.DONE)


_NEXT = {"files": "conversations", "conversations": "done"}


def _batch(run: RetentionRun, phase: str) -> tuple[bool, list[str]]:
    """One batch of ``phase``; True when there may be more."""
    if phase == "files":
        return _file_batch(run)
    return _conversation_batch(run)


def _file_batch(run: RetentionRun) -> tuple[bool, list[str]]:
    if run.files_before is None or run.widget is None:
        return False, []
    doomed = list(
        _widget_files(run.widget)
        .filter(created_at__lt=run.files_before)
        .order_by("pk")
        .values_list("pk", "public_id", *STORED_KEYS)[:BATCH]
    )
    StoredFile.objects.filter(pk__in=[pk for pk, *_rest in doomed]).delete()
    run.files_deleted += len(doomed)
    run.receipt_ids["files"] += [id_hmac(public_id) for _pk, public_id, *_keys in doomed]
    run.save(update_fields=["files_deleted", "receipt_ids"])
    return len(doomed) == BATCH, _keys_of(doomed)


# Every object a stored file has in storage: the bytes, the thumbnail of an image and the
# OGG/Opus copy of a voice message (empty when there is none).
STORED_KEYS = ("storage_key", "thumbnail_key", "voice_ogg_key")


def _keys_of(rows) -> list[str]:
    return [key for _pk, _id, *keys in rows for key in keys if key]


def _conversation_batch(run: RetentionRun) -> tuple[bool, list[str]]:
    if run.conversations_before is None or run.widget is None:
        return False, []
    doomed = list(
        Conversation.objects.filter(
            account=run.account,
            widget=run.widget,
            status=Status.ENDED,
            ended_at__lt=run.conversations_before,
        )
        .order_by("pk")
        .values_list("pk", "public_id")[:BATCH]
    )
    pks = [pk for pk, _id in doomed]
    files = list(_files_of_conversations(pks).values_list("pk", "public_id", *STORED_KEYS))
    messages = Message.objects.filter(conversation_id__in=pks).count()
    _forget_in_search(pks)
    StoredFile.objects.filter(pk__in=[pk for pk, *_rest in files]).delete()
    Conversation.objects.filter(pk__in=pks).delete()  # cascades: timeline, messages, notes…
    run.conversations_deleted += len(doomed)
    run.messages_deleted += messages
    run.files_deleted += len(files)
    run.receipt_ids["conversations"] += [id_hmac(public_id) for _pk, public_id in doomed]
    run.receipt_ids["files"] += [id_hmac(public_id) for _pk, public_id, *_keys in files]
    fields = ["conversations_deleted", "messages_deleted", "files_deleted", "receipt_ids"]
    run.save(update_fields=fields)
    return len(doomed) == BATCH, _keys_of(files)


def _widget_files(widget: Widget):
    """Files carried by messages of the widget's conversations (attachments and mail parts);
    an account's logo or an import file belongs to no widget and is never touched."""
    messages = Message.objects.filter(conversation__widget=widget)
    return _files_of_messages(messages)


def _files_of_conversations(conversation_pks: list[int]):
    return _files_of_messages(Message.objects.filter(conversation_id__in=conversation_pks))


def _files_of_messages(messages):
    attached = MessageAttachment.objects.filter(message__in=messages).values("file_id")
    query = Q(pk__in=attached)
    try:
        from messagecenter.transports.email.models import MailAttachment
    except ImportError:  # the e-mail transport is not installed
        pass
    else:
        query |= Q(pk__in=MailAttachment.objects.filter(message__in=messages).values("file_id"))
    return StoredFile.objects.filter(query)


def _forget_in_search(conversation_pks: list[int]) -> None:
    try:
        from messagecenter.search.indexing import forget_conversation
    except ImportError:
        return
    for pk in conversation_pks:
        forget_conversation(pk)


def _delete_stored(keys: list[str]) -> None:
    for key in keys:
        default_storage.delete(key)


def _finish(run: RetentionRun, state: str) -> None:
    with transaction.atomic():
        RetentionRun.objects.filter(pk=run.pk).update(state=state, finished_at=clock.now())
        run.refresh_from_db()
        actor = Actor.system(run.account)
        audit.record(
            actor, "widget.retention_run", "widget", run.widget_public_id,
            receipt=run.public_id, state=state, conversations=run.conversations_deleted,
            messages=run.messages_deleted, files=run.files_deleted,
        )  # fmt: skip


def give_up(job: Job) -> None:
    """The run keeps what it deleted (each batch committed with its receipt) and is marked
    failed, so the next run starts afresh."""
    run = RetentionRun.objects.filter(pk=job.payload.get("run")).first()
    if run is not None and run.state == RunState.RUNNING:
        _finish(run, RunState.FAILED)


runner.register(runner.Kind(JOB, work, give_up))


def _before(now: datetime, days: int | None) -> datetime | None:
    return now - timedelta(days=days) if days is not None else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _require_admin(actor: Actor, account: Account) -> None:
    if actor.account.pk != account.pk:
        raise NotFound(_("Not found."))
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can do this."))
