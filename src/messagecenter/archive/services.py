"""Archive writers: deleting conversations, and starting bulk jobs.

Deleting is here, not in ``conversations.services``, because only the archive offers it; it
follows the same rules as every writer (decide, write, tell; audited; events after commit).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account
from messagecenter.archive import actions
from messagecenter.archive.events import announce_deleted
from messagecenter.archive.filters import operator_time_zone
from messagecenter.archive.models import BulkJob
from messagecenter.conversations.models import Conversation, Message, Note, Status
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from messagecenter.jobs import runner
from messagecenter.search import indexing as search_index

# The kind archive.jobs registers (named here, so this module and the job never import each
# other).
JOB_KIND = "archive.bulk"

MAX_SELECTED_IDS = 5000


# --- deleting ------------------------------------------------------------------------------


def delete_conversation(conversation: Conversation, *, actor: Actor) -> dict[str, int]:
    """Delete an ended conversation for good: its timeline, messages, notes, sessions and
    search documents. Administrators only. The audit entry keeps ids and counts only."""
    _require_admin(actor, conversation.account_id)
    with transaction.atomic():
        locked = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("account")
            .filter(pk=conversation.pk)
            .first()
        )
        if locked is None:
            raise NotFound(_("Not found."))
        if locked.status != Status.ENDED:
            raise InvalidTransition(
                _("Only ended conversations can be deleted. End it first."), code="not_ended"
            )
        counts = {
            "messages": Message.objects.filter(conversation=locked).count(),
            "notes": Note.objects.filter(conversation=locked).count(),
        }
        search_index.forget_conversation(locked.pk)
        locked.delete()  # cascades: timeline entries, messages, notes, sessions
        audit.record(actor, "conversation.deleted", "conversation", locked.public_id, **counts)
        announce_deleted(locked.account.public_id, locked.public_id)
    return counts


@dataclass
class Outcome:
    """What a bulk operation did: how many done, how many refused, and why."""

    done: int = 0
    refused: int = 0
    reasons: Counter = field(default_factory=Counter)


def delete_conversations(conversations: Iterable[Conversation], *, actor: Actor) -> Outcome:
    """Delete each conversation on its own (one refusal does not stop the others)."""
    outcome = Outcome()
    for conversation in conversations:
        try:
            delete_conversation(conversation, actor=actor)
            outcome.done += 1
        except DomainError as error:
            outcome.refused += 1
            outcome.reasons[str(error.message)] += 1
    return outcome


# --- bulk jobs -------------------------------------------------------------------------------


def start_bulk_job(
    account: Account,
    action: str,
    params: dict,
    *,
    actor: Actor,
    ids: list[str] | None = None,
    filter_query: str | None = None,
    confirmed_count: int | None = None,
) -> BulkJob:
    """Check the action and its target now (so a typo fails at once, not in the job), store
    the job and start it after commit. ``ids`` (public ids) or ``filter_query`` (the page's
    query string: "all matching") say which conversations. Deleting needs the count the
    person confirmed, and refuses when the selection has changed since."""
    operator = _require_operator(actor, account)
    chosen = actions.ACTIONS.get(action)
    if chosen is None:
        raise ValidationFailed(_("Unknown action."), field="action")
    if chosen.admin_only:
        _require_admin(actor, account.pk)
    chosen.resolve(account, params)
    selection = _selection(ids, filter_query)
    total = selection_count(account, selection, operator)
    if action == "delete" and confirmed_count != total:
        raise ValidationFailed(
            _("Confirm deleting %(count)d conversations.") % {"count": total},
            code="confirm",
            count=total,
        )
    with transaction.atomic():
        job = BulkJob.objects.create(
            account=account,
            created_by=operator,
            action=action,
            params={k: v for k, v in params.items() if isinstance(v, str)},
            selection=selection,
            total=total,
            created_at=clock.now(),
        )
        audit.record(actor, f"bulk_job.{action}", "bulk_job", job.public_id, total=total)
        runner.submit(JOB_KIND, {"bulk_job": job.pk}, account=account, total=total)
    return job


def selection_count(account: Account, selection: dict, operator) -> int:
    from messagecenter.archive.jobs import selected_conversations

    with operator_time_zone(operator):
        return selected_conversations(account, selection).count()


def _selection(ids: list[str] | None, filter_query: str | None) -> dict:
    if ids:
        if len(ids) > MAX_SELECTED_IDS:
            raise ValidationFailed(_("Too many conversations selected; use the filter instead."))
        return {"ids": list(dict.fromkeys(str(i)[:24] for i in ids))}
    if filter_query is not None:
        return {"filter": filter_query[:2000]}
    raise ValidationFailed(_("Select at least one conversation."), field="ids")


def _require_operator(actor: Actor, account: Account):
    if actor.account.pk != account.pk:
        raise NotFound(_("Not found."))
    if actor.operator is None:
        raise PermissionDenied(_("Only an operator can do this."))
    return actor.operator


def _require_admin(actor: Actor, account_id: int) -> None:
    if actor.account.pk != account_id:
        raise NotFound(_("Not found."))
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can delete conversations."))
