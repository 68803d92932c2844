"""The contact's messenger hears of assignments (its header names the operator)."""

from __future__ import annotations

import pytest

from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation
from messagecenter.core.actors import Actor
from messagecenter.core.events import contact_group
from tests.conftest import capture_events
from tests.helpers import start
from tests.realtime.conftest import receive, send


def test_assignment_event_names_the_operator_to_the_contact_only(widget, contact, alice, bob):
    conversation = start(widget, contact)

    with capture_events() as sent:
        services.assign_operator(conversation, bob, actor=Actor.for_operator(alice))

    told = [(e, g) for e, g in sent if e["type"] == "messenger.assigned"]
    assert told == [
        (
            {
                "type": "messenger.assigned",
                "conversation": conversation.public_id,
                "operator": "Bob Builder",
            },
            [contact_group(contact.public_id)],
        )
    ]
    with capture_events() as sent:
        services.unassign(conversation, actor=Actor.for_operator(alice))
    assert [e["operator"] for e, _ in sent if e["type"] == "messenger.assigned"] == [None]


@pytest.mark.django_db(transaction=True)
def test_queued_chat_assigned_then_forwarded_reaches_the_contacts_socket(
    asgi_server, widget, alice, bob
):
    ws = asgi_server.ws(f"/ws/messenger/{widget.key}")
    send(ws, type="hello")
    receive(ws, "welcome")
    send(ws, type="message.send", body="Ist jemand da?", client_id="q1")
    conversation = Conversation.objects.get(public_id=receive(ws, "ack")["conversation"])
    receive(ws, "messenger.queued")

    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    assert receive(ws, "messenger.assigned")["operator"] == "Alice Admin"
    services.assign_operator(conversation, bob, actor=Actor.for_operator(alice))
    assert receive(ws, "messenger.assigned") == {
        "type": "messenger.assigned",
        "conversation": conversation.public_id,
        "operator": "Bob Builder",
    }
    ws.close()
