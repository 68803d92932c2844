"""Which webhook event types exist, which outbox topics feed them, and the check a writer
runs (from the payload alone) to decide whether the webhooks job needs an event.

Topics and what they become (``catalog.events_for``):

- ``timeline.entry`` (conversations): a message → ``message.created``; a deletion →
  ``message.deleted``; an assignment → ``conversation.assigned``; a status change →
  ``conversation.status_changed`` (and ``conversation.ended`` when it ended); a rating given
  → ``conversation.rated``; a call's step → ``call.offered`` / ``accepted`` / ``declined`` /
  ``missed`` / ``cancelled`` / ``ended``; the conversation's first entry →
  ``conversation.started``;
- ``message.delivery`` (conversations.delivery): a sent message's delivery state moved →
  ``message.delivery_state``;
- ``contact.created`` / ``contact.updated`` / ``contact.erased`` (contacts).
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

# The job that turns outbox events into deliveries (webhooks.tasks).
JOB = "webhooks.fanout"
DELIVER_JOB = "webhooks.deliver"

EVENT_TYPES = {
    "conversation.started": _("A conversation started"),
    "conversation.assigned": _("A conversation was assigned (or unassigned)"),
    "conversation.status_changed": _("A conversation's status changed"),
    "conversation.ended": _("A conversation ended"),
    "conversation.rated": _("A contact rated a conversation"),
    "call.offered": _("An operator offered a call"),
    "call.accepted": _("A contact accepted a call"),
    "call.declined": _("A contact declined a call"),
    "call.missed": _("A call was not answered in time"),
    "call.cancelled": _("An operator withdrew a call offer"),
    "call.ended": _("A call ended (with its duration)"),
    "message.created": _("A message was written (contact, operator or bot)"),
    "message.deleted": _("A message was deleted"),
    "message.delivery_state": _("A message's delivery state changed (sent, delivered, failed)"),
    "contact.created": _("A contact was created"),
    "contact.updated": _("A contact's details changed"),
    "contact.erased": _("A contact was erased (GDPR)"),
}

TIMELINE_KINDS = {"message", "message_deleted", "assigned", "status_changed", "rating", "call"}
TOPICS = (
    "timeline.entry",
    "message.delivery",
    "contact.created",
    "contact.updated",
    "contact.erased",
)

# Whether any enabled endpoint exists anywhere: an installation without webhooks writes no
# outbox row for them. A "no" is re-checked often (another process may have just made the
# first endpoint); a "yes" stays longer. Services that change endpoints reset it.
_ANY_KEY = "mc:webhooks:any-enabled"
_NO_SECONDS = 10
_YES_SECONDS = 300


def wants(payload: dict[str, Any]) -> bool:
    if payload.get("type") == "contact.erased":
        return True  # also forgets the contact's stored webhook bodies (webhooks.fanout)
    if payload.get("type") == "timeline.entry":
        relevant = payload.get("kind") in TIMELINE_KINDS or payload.get("seq") == 1
        if not relevant:
            return False
    return any_enabled_endpoint()


def any_enabled_endpoint() -> bool:
    found = cache.get(_ANY_KEY)
    if found is None:
        from messagecenter.webhooks.models import WebhookEndpoint

        found = WebhookEndpoint.objects.filter(enabled=True).exists()
        cache.set(_ANY_KEY, found, _YES_SECONDS if found else _NO_SECONDS)
    return bool(found)


def endpoints_changed() -> None:
    cache.delete(_ANY_KEY)
