"""R-INBOX-4 over a real messenger socket: writing again continues the ended conversation."""

from __future__ import annotations

import pytest

from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation, Status
from messagecenter.core.actors import Actor
from tests.realtime.conftest import receive, send

pytestmark = pytest.mark.django_db(transaction=True)


def test_contact_writing_again_reopens_the_ended_conversation(asgi_server, widget, alice):
    contact = asgi_server.ws(f"/ws/messenger/{widget.key}")
    send(contact, type="hello")
    receive(contact, "welcome")
    send(contact, type="message.send", body="Wo ist mein Paket?", client_id="m1")
    first = receive(contact, "ack")
    conversation = Conversation.objects.get(public_id=first["conversation"])
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    services.end_conversation(conversation, actor=Actor.for_operator(alice))

    send(contact, type="message.send", body="Doch noch eine Frage", client_id="m2")
    again = receive(contact, "ack")

    assert again["conversation"] == first["conversation"]
    assert again["status"] == Status.OPEN
    assert Conversation.objects.count() == 1
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assigned_operator) == (Status.OPEN, alice)
    contact.close()
