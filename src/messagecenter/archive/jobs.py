"""Running a bulk job: the action's service per conversation, progress stored as it goes.

Each bulk job runs as a resumable job (``messagecenter.jobs``): claimed with a compare-and-set,
so a retried or duplicated task never runs it twice, and resumed from its checkpoint when its
worker dies. It walks the selection in batches by the list's cursor (constant memory), calls
the action per conversation in the job creator's language and time zone, and commits each
conversation with the progress the page polls and the checkpoint (the cursor position).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation

from messagecenter.archive import actions, queries
from messagecenter.archive.filters import filter_from_querystring, operator_time_zone
from messagecenter.archive.models import BulkJob, JobState
from messagecenter.conversations.models import Conversation
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError
from messagecenter.jobs import runner
from messagecenter.jobs.models import Job

log = logging.getLogger(__name__)
MAX_EXAMPLES = 20
JOB_KIND = "archive.bulk"


def selected_conversations(account, selection: dict) -> QuerySet:
    """The job's conversations: the given public ids, or all matching the stored filter."""
    if "ids" in selection:
        return Conversation.objects.filter(account=account, public_id__in=selection["ids"])
    conversations, _search = queries.matching(filter_from_querystring(selection["filter"], account))
    return conversations


def run(job_pk: int) -> BulkJob | None:
    """Run the bulk job's resumable job (tests and the job queue call this by the row)."""
    job = Job.objects.filter(kind=JOB_KIND, payload__bulk_job=job_pk).first()
    if job is None or runner.run(job.pk) is None:
        return None  # already run (a retry, or a second worker)
    return BulkJob.objects.get(pk=job_pk)


def work(lease: runner.Lease) -> None:
    """The job: the action per conversation, continuing after the checkpoint's position."""
    job = BulkJob.objects.select_related("account", "created_by").get(
        pk=lease.job.payload["bulk_job"]
    )
    if job.finished:
        return
    if job.state == JobState.PENDING:
        job.state, job.started_at = JobState.RUNNING, clock.now()
        job.save(update_fields=["state", "started_at"])
    try:
        _work(job, lease)
        job.state = JobState.DONE
    except runner.LeaseLost:
        raise
    except Exception as error:  # the job must end in a state the page can show
        log.exception("bulk job %s failed", job.public_id)
        job.state, job.error = JobState.FAILED, type(error).__name__
    job.finished_at = clock.now()
    job.save()


def give_up(job: Job) -> None:
    """After the last attempt: the bulk job fails; what it did stays done and counted."""
    bulk = BulkJob.objects.filter(
        pk=job.payload["bulk_job"], state__in=(JobState.PENDING, JobState.RUNNING)
    )
    bulk.update(state=JobState.FAILED, error="WorkerLost", finished_at=clock.now())


def _work(job: BulkJob, lease: runner.Lease) -> None:
    operator = job.created_by
    if operator is None or not operator.is_active:
        raise RuntimeError("the operator who started the job is gone")
    action = actions.ACTIONS[job.action]
    actor = Actor.for_operator(operator)
    with translation.override(operator.language), operator_time_zone(operator):
        target = action.resolve(job.account, job.params)
        selection = selected_conversations(job.account, job.selection)
        for batch in queries.in_batches(selection, position=_position(lease.checkpoint)):
            for conversation in batch:
                if not action.in_transaction:
                    # It waits on the network: outside any transaction (which would hold the
                    # write lock); a crash before the checkpoint repeats this one conversation.
                    _one(job, action, conversation, target, actor)
                # One conversation, its counters and the checkpoint commit together: a job
                # resumed after a crash neither repeats nor skips one.
                with transaction.atomic():
                    if action.in_transaction:
                        _one(job, action, conversation, target, actor)
                    _save_progress(job)
                    lease.save(_checkpoint(conversation), done=job.processed, total=job.total)


def _checkpoint(conversation: Conversation) -> dict:
    return {"after": [conversation.last_activity_at.isoformat(), conversation.pk]}


def _position(checkpoint: dict) -> tuple[datetime, int] | None:
    if "after" not in checkpoint:
        return None
    at, pk = checkpoint["after"]
    return datetime.fromisoformat(at), pk


def _one(job: BulkJob, action, conversation: Conversation, target, actor: Actor) -> None:
    try:
        if action.in_transaction:
            with transaction.atomic():  # a refusal takes back whatever the service began
                action.apply(conversation, target, actor)
        else:
            action.apply(conversation, target, actor)
        job.done_count += 1
    except DomainError as error:
        reason = str(error.message)
        job.refused_count += 1
        job.reasons[reason] = job.reasons.get(reason, 0) + 1
        if len(job.examples) < MAX_EXAMPLES:
            job.examples.append({"conversation": conversation.public_id, "reason": reason})
    job.processed += 1


def _save_progress(job: BulkJob) -> None:
    fields = ["processed", "done_count", "refused_count", "reasons", "examples"]
    # Selections change while a job waits (a conversation deleted meanwhile): never report
    # more processed than the total shown.
    if job.processed > job.total:
        job.total = job.processed
        fields.append("total")
    job.save(update_fields=fields)


runner.register(runner.Kind(JOB_KIND, work, give_up))
