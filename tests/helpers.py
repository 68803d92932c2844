"""Building test situations through the real services (never by writing rows directly)."""

from __future__ import annotations

import itertools

from messagecenter.accounts.models import Presence
from messagecenter.conversations import presence, services
from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from messagecenter.jobs.models import OutboxEvent

_tabs = itertools.count(1)


def go_online(operator) -> str:
    """Operator switches Online and has an app tab open: available."""
    channel = f"test.operator.{next(_tabs)}"
    presence.operator_tab_opened(operator, channel)
    presence.set_operator_presence(operator, Presence.ONLINE, actor=Actor.for_operator(operator))
    operator.refresh_from_db()
    return channel


def contact_opens_messenger(contact) -> str:
    channel = f"test.contact.{next(_tabs)}"
    presence.contact_tab_opened(contact, channel)
    return channel


def start(widget, contact, body="Hallo, ich brauche Hilfe"):
    return services.start_conversation(widget, contact, body, actor=Actor.for_contact(contact))


def started(widget, contact):
    """A conversation whose set-up events were never consumed: dropped, so that the test's
    own write (whose job drains every pending event) notifies only for itself."""
    conversation = start(widget, contact)
    OutboxEvent.objects.all().delete()
    return conversation


def conversation_in(status: str, widget, contact, operator):
    """A conversation assigned to ``operator`` in ``status``, reached through the services."""
    conversation = start(widget, contact)
    me = Actor.for_operator(operator)
    if status == Status.NEW:
        services.assign_operator(conversation, operator, actor=me)
        return _reload(conversation)
    if conversation.assigned_operator_id != operator.pk:
        # Routing may have given it to a teammate; an operator may not take it from them, an
        # integration (acting for the account) may.
        integration = Actor("token", widget.account, name="Test setup")
        mover = me if conversation.assigned_operator_id is None else integration
        services.assign_operator(conversation, operator, actor=mover)
    services.post_operator_message(conversation, "Wie kann ich helfen?", actor=me)
    if status == Status.OPEN:
        services.post_contact_message(
            conversation, "Noch eine Frage", actor=Actor.for_contact(contact)
        )
    elif status == Status.ENDED:
        services.end_conversation(conversation, actor=me)
    conversation = _reload(conversation)
    assert conversation.status == status
    return conversation


def _reload(conversation):
    conversation.refresh_from_db()
    return conversation
