"""Running a bulk job: the action's service per conversation, progress stored as it goes.

The job claims itself with a compare-and-set (pending -> running), so a retried or duplicated
task never runs it twice. It walks the selection in batches by the list's cursor (constant
memory), calls the action per conversation in the job creator's language and time zone, and
stores progress after each batch, which the page polls.
"""

from __future__ import annotations

import logging

from django.db.models import QuerySet
from django.utils import translation

from messagecenter.archive import actions, queries
from messagecenter.archive.filters import filter_from_querystring, operator_time_zone
from messagecenter.archive.models import BulkJob, JobState
from messagecenter.conversations.models import Conversation
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError

log = logging.getLogger(__name__)
MAX_EXAMPLES = 20


def selected_conversations(account, selection: dict) -> QuerySet:
    """The job's conversations: the given public ids, or all matching the stored filter."""
    if "ids" in selection:
        return Conversation.objects.filter(account=account, public_id__in=selection["ids"])
    conversations, _search = queries.matching(filter_from_querystring(selection["filter"], account))
    return conversations


def run(job_pk: int) -> BulkJob | None:
    claimed = BulkJob.objects.filter(pk=job_pk, state=JobState.PENDING).update(
        state=JobState.RUNNING, started_at=clock.now()
    )
    if not claimed:
        return None  # already run (a retry, or a second worker)
    job = BulkJob.objects.select_related("account", "created_by").get(pk=job_pk)
    try:
        _work(job)
        job.state = JobState.DONE
    except Exception as error:  # the job must end in a state the page can show
        log.exception("bulk job %s failed", job.public_id)
        job.state, job.error = JobState.FAILED, type(error).__name__
    job.finished_at = clock.now()
    job.save()
    return job


def _work(job: BulkJob) -> None:
    operator = job.created_by
    if operator is None or not operator.is_active:
        raise RuntimeError("the operator who started the job is gone")
    action = actions.ACTIONS[job.action]
    actor = Actor.for_operator(operator)
    with translation.override(operator.language), operator_time_zone(operator):
        target = action.resolve(job.account, job.params)
        selection = selected_conversations(job.account, job.selection)
        for batch in queries.in_batches(selection):
            for conversation in batch:
                _one(job, action, conversation, target, actor)
            _save_progress(job)


def _one(job: BulkJob, action, conversation: Conversation, target, actor: Actor) -> None:
    try:
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
