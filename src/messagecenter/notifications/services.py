"""Who is told what (R-OP-5). The only writer of notifications.

From a domain event: a mention tells the mentioned operator; an assignment tells the new
assignee (``forwarded`` when someone else did it, nothing when they took it themselves); a
contact message tells the assigned operator, or, while nobody is assigned, the members of the
conversation's group (``new_unassigned``, once per conversation start).

A conversation's contact messages make one unread ``new_message`` per operator, pointing at the
first of them: while it is unread, later messages of that chat add none (a live chat of fifty
messages is one line on the Notifications page, not fifty); once read, the next message makes
the next one.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from messagecenter.accounts.models import Operator
from messagecenter.conversations.models import Conversation, TimelineEntry
from messagecenter.core import clock
from messagecenter.core.events import operator_group, send_on_commit
from messagecenter.notifications.events import NotificationEvent
from messagecenter.notifications.models import Kind, Notification


def notify_from_event(event: dict[str, Any]) -> int:
    conversation = (
        Conversation.objects.select_related("account", "assigned_group")
        .filter(public_id=event.get("conversation"))
        .first()
    )
    if conversation is None:
        return 0  # erased meanwhile
    entry = TimelineEntry.objects.filter(conversation=conversation, seq=event["seq"]).first()
    if entry is None:
        return 0
    if event["type"] == "note.mention":
        recipients = _by_ids(conversation, entry.note.mentions)
        return _notify(conversation, entry, recipients, Kind.MENTION)
    if entry.kind == "assigned":
        return _on_assigned(conversation, entry)
    if entry.kind == "message" and entry.actor_kind == "contact":
        return _on_contact_message(conversation, entry)
    if entry.kind == "call" and entry.data.get("event") == "missed":
        return _on_missed_call(conversation, entry)
    return 0


def mark_read(operator: Operator, public_ids: list[str] | None = None) -> int:
    """Mark some (or all) of the operator's notifications read."""
    query = Notification.objects.filter(operator=operator, read_at__isnull=True)
    if public_ids is not None:
        query = query.filter(public_id__in=public_ids)
    return query.update(read_at=clock.now())


def unread_count(operator: Operator) -> int:
    return Notification.objects.filter(operator=operator, read_at__isnull=True).count()


def _on_assigned(conversation: Conversation, entry: TimelineEntry) -> int:
    target = entry.data.get("operator")
    if not target or entry.actor_id == target:
        return 0  # "Assign to me" notifies nobody
    kind = Kind.FORWARDED if entry.actor_kind == "operator" else Kind.ASSIGNED
    return _notify(conversation, entry, _by_ids(conversation, [target]), kind)


def _on_contact_message(conversation: Conversation, entry: TimelineEntry) -> int:
    if conversation.assigned_operator_id is not None:
        if _unread_for_chat(conversation.assigned_operator_id, conversation):
            return 0
        operator = Operator.objects.filter(pk=conversation.assigned_operator_id)
        return _notify(conversation, entry, list(operator), Kind.NEW_MESSAGE)
    if entry.seq != 1:
        return 0
    members = Operator.objects.filter(account=conversation.account, is_active=True)
    if conversation.assigned_group_id is not None:
        members = members.filter(groups=conversation.assigned_group_id)
    return _notify(conversation, entry, list(members), Kind.NEW_UNASSIGNED)


def _on_missed_call(conversation: Conversation, entry: TimelineEntry) -> int:
    """The operator who called hears that the contact did not answer (R-FILE-3)."""
    from messagecenter.calls.models import Call

    call = Call.objects.filter(public_id=entry.data.get("call"), account=conversation.account)
    caller = Operator.objects.filter(pk__in=call.values("operator_id"))
    return _notify(conversation, entry, list(caller), Kind.CALL_MISSED)


def _unread_for_chat(operator_id: int, conversation: Conversation) -> bool:
    return Notification.objects.filter(
        operator_id=operator_id,
        conversation=conversation,
        read_at__isnull=True,
        kind=Kind.NEW_MESSAGE,
    ).exists()


def _by_ids(conversation: Conversation, public_ids: list[str]) -> list[Operator]:
    return list(Operator.objects.filter(account=conversation.account, public_id__in=public_ids))


def _notify(conversation, entry, recipients: list[Operator], kind: str) -> int:
    created = 0
    for operator in recipients:
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    account=conversation.account,
                    operator=operator,
                    kind=kind,
                    conversation=conversation,
                    seq=entry.seq,
                    actor_kind=entry.actor_kind,
                    actor_id=entry.actor_id,
                    created_at=clock.now(),
                    dedupe_key=f"{conversation.public_id}:{entry.seq}:{kind}",
                )
                _announce(notification, operator)
            created += 1
        except IntegrityError:
            continue  # a retried job: this one exists already
    return created


def _announce(notification: Notification, operator: Operator) -> None:
    event: NotificationEvent = {
        "type": "notification.created",
        "notification": notification.public_id,
        "kind": notification.kind,
        "conversation": notification.conversation.public_id if notification.conversation else None,
        "seq": notification.seq,
        "unread": unread_count(operator),
    }
    send_on_commit(event, [operator_group(operator.public_id)])
