"""The bulk actions: what each one needs and which domain service it calls per conversation.

Every action calls the same service a single-conversation button calls, with the job's
operator as the actor, so every rule (permissions, status transitions, channel limits) is
applied per conversation; a refusal (a ``DomainError``) is counted with its message and the
job goes on.

"Run add-on" is registered here by the add-ons app (``register``), with its own target (the
add-on: ``param`` and ``choices``) and ``in_transaction=False``: it calls the network, so no
transaction may hold the database's write lock while it waits. An action whose ``choices``
are empty for an account (no add-on offered in bulk) is not offered. Exporting is not a job:
it streams (``archive.export``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messagecenter.accounts.models import Operator, OperatorGroup
from messagecenter.conversations import services, transcripts
from messagecenter.conversations.models import Conversation, Status, Topic
from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed
from messagecenter.core.scoping import get_scoped

Apply = Callable[[Conversation, Any, Actor], object]
Resolve = Callable[[Any, dict], Any]
# The targets an account may pick for an action with a target of its own: [(public id, name)].
Choices = Callable[[Any], list[tuple[str, str]]]


@dataclass(frozen=True)
class BulkAction:
    key: str
    label: Any
    # Turns the job's params into the target (a topic, an operator…), scoped to the account;
    # raises a DomainError for a bad or foreign value.
    resolve: Resolve
    apply: Apply
    admin_only: bool = False
    # A target picked from ``choices`` and posted as ``param`` (the built-in targets have
    # their own fields in the page).
    param: str = ""
    choices: Choices | None = None
    # False: ``apply`` writes through services with their own transactions and may wait on
    # the network; the job commits its progress after it, not around it.
    in_transaction: bool = True


SETTABLE_STATUSES = (Status.OPEN, Status.WAITING, Status.ENDED)


def _nothing(account, params: dict) -> None:
    return None


def _topic(account, params: dict) -> Topic | None:
    value = params.get("topic") or ""
    return None if value in ("", "none") else get_scoped(Topic, account, value)


def _status(account, params: dict) -> str:
    value = params.get("status")
    if value not in SETTABLE_STATUSES:
        raise ValidationFailed(_("Choose a status."), field="status")
    return value


def _operator(account, params: dict) -> Operator:
    return get_scoped(Operator, account, params.get("operator"))


def _group(account, params: dict) -> OperatorGroup:
    return get_scoped(OperatorGroup, account, params.get("group"))


def _set_status(conversation: Conversation, status: str, actor: Actor) -> object:
    if status == Status.ENDED:
        return services.end_conversation(conversation, actor=actor)
    return services.set_status(conversation, status, actor=actor)


def _delete(conversation: Conversation, target: None, actor: Actor) -> object:
    from messagecenter.archive.services import delete_conversation

    return delete_conversation(conversation, actor=actor)


ACTIONS: dict[str, BulkAction] = {}


def register(action: BulkAction) -> None:
    ACTIONS[action.key] = action


def params() -> set[str]:
    """The form fields of the registered actions' own targets."""
    return {action.param for action in ACTIONS.values() if action.param}


for _action in (
    BulkAction(
        "set_topic",
        gettext_lazy("Set topic"),
        _topic,
        lambda c, topic, actor: services.set_topic(c, topic, actor=actor),
    ),
    BulkAction("set_status", gettext_lazy("Set status"), _status, _set_status),
    BulkAction(
        "assign_operator",
        gettext_lazy("Assign to operator"),
        _operator,
        lambda c, operator, actor: services.assign_operator(c, operator, actor=actor),
    ),
    BulkAction(
        "assign_group",
        gettext_lazy("Assign to group"),
        _group,
        lambda c, group, actor: services.assign_group(c, group, actor=actor),
    ),
    BulkAction(
        "unassign",
        gettext_lazy("Unassign"),
        _nothing,
        lambda c, _target, actor: services.unassign(c, actor=actor),
    ),
    BulkAction(
        "send_transcript",
        gettext_lazy("Send transcript to the contact"),
        _nothing,
        lambda c, _target, actor: transcripts.request_transcript(c, actor=actor, to_contact=True),
    ),
    BulkAction("delete", gettext_lazy("Delete"), _nothing, _delete, admin_only=True),
):
    register(_action)
