"""What happens to a conversation's contact, recorded in that conversation's timeline.

The contact writers stay in ``contacts`` ($block/$unblock: ``contacts.services.set_blocked``;
$verify: ``contacts.verification``); this module adds the timeline entry in the same
transaction, so the team sees who blocked the contact or asked for a verification, and when.
"""

from __future__ import annotations

from django.db import transaction

from messagecenter.contacts import services as contacts
from messagecenter.contacts.models import Contact
from messagecenter.conversations import timeline
from messagecenter.conversations.events import announce_entry
from messagecenter.conversations.models import Conversation, EntryKind, TimelineEntry
from messagecenter.core.actors import Actor


def block_contact(conversation: Conversation, blocked: bool, *, actor: Actor) -> Contact:
    """Block or unblock the conversation's contact; an actual change leaves an entry."""
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        contact = conversation.contact
        changed = contact.blocked != blocked
        contacts.set_blocked(contact, blocked, actor=actor)  # authorises, audits, tells
        if changed:
            _record(conversation, EntryKind.BLOCKED, actor, {"blocked": blocked})
    return contact


def record_verification(conversation: Conversation, state: str, *, actor: Actor) -> TimelineEntry:
    """Called by ``contacts.verification`` inside its transaction: a code was sent
    (``started``) or accepted (``verified``) for this conversation's contact."""
    return _record(timeline.lock(conversation), EntryKind.VERIFICATION, actor, {"state": state})


def record_identity_change(
    conversation: Conversation, kind: str, previous: str, current: str, *, actor: Actor
) -> TimelineEntry:
    """The channel told us the contact's identifier changed (WhatsApp's
    ``user_changed_number`` / ``user_changed_user_id``): the team sees it in the timeline.
    The identity itself is changed by ``contacts.services.update_identity``; the conversation
    stays where it is."""
    with transaction.atomic():
        data = {"field": "identity", "kind": kind, "previous": previous, "value": current}
        return _record(timeline.lock(conversation), EntryKind.UPDATED, actor, data)


def _record(conversation: Conversation, kind: str, actor: Actor, data: dict) -> TimelineEntry:
    entry = timeline.stage(conversation, kind, actor, data=data)
    timeline.flush(conversation)  # the entry, and the row's last_seq
    announce_entry(conversation, entry)
    return entry
