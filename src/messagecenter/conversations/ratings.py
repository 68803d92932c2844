"""Ratings and feedback ($rating, R-CMD): asked in the messenger, stored on the conversation."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.contacts.services import is_online
from messagecenter.conversations import timeline
from messagecenter.conversations.events import announce_entry
from messagecenter.conversations.models import Conversation, EntryKind
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from messagecenter.core.events import contact_group, send_on_commit
from messagecenter.widgets.models import TransportKind

MAX_FEEDBACK = 2000


def request_rating(conversation: Conversation, *, actor: Actor) -> Conversation:
    """Preconditions (R-CMD): the contact is online, in the website messenger, and the
    widget has rating enabled."""
    _require_team(conversation, actor)
    if conversation.connection.kind != TransportKind.WEBCHAT:
        raise InvalidTransition(_("Ratings can only be requested in the website messenger."))
    if not conversation.widget.rating_enabled:
        raise InvalidTransition(_("Rating is switched off for this widget."))
    if not is_online(conversation.contact):
        raise InvalidTransition(_("The contact is not online, so they cannot rate now."))
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        conversation.rating_requested_at = clock.now()
        entry = timeline.stage(conversation, EntryKind.RATING, actor, data={"state": "requested"})
        timeline.flush(conversation)
        announce_entry(conversation, entry)
        send_on_commit(
            {"type": "messenger.rating_request", "conversation": conversation.public_id},
            [contact_group(conversation.contact.public_id)],
        )
    return conversation


def submit_rating(
    conversation: Conversation, stars: int, feedback: str = "", *, actor: Actor
) -> Conversation:
    """The contact answers a rating request: 1–5 stars and an optional comment."""
    if actor.contact is None or actor.contact.pk != conversation.contact_id:
        raise PermissionDenied(_("Only the contact can rate this conversation."))
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationFailed(_("A rating is 1 to 5 stars."), field="rating")
    feedback = (feedback or "").strip()
    if len(feedback) > MAX_FEEDBACK:
        raise ValidationFailed(_("The comment is too long."), field="feedback")
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        if conversation.rating_requested_at is None:
            raise InvalidTransition(_("No rating was requested for this conversation."))
        conversation.rating, conversation.feedback = stars, feedback
        # The comment travels with the entry: the timeline shows stars and words together.
        data = {"state": "rated", "rating": stars, "feedback": feedback}
        entry = timeline.stage(conversation, EntryKind.RATING, actor, data=data)
        timeline.flush(conversation)
        announce_entry(conversation, entry)
    return conversation


def _require_team(conversation: Conversation, actor: Actor) -> None:
    if actor.account.pk != conversation.account_id:
        raise NotFound(_("Not found."))
    if actor.operator is None and actor.kind != "token":
        raise PermissionDenied(_("Only the team can do this."))
