"""``$webtransfer`` on a custom-channel conversation, end to end: the link goes out on the
conversation's own channel (a delivery row, a signed POST to the channel's webhook), and
opening it in the hosted messenger over a real WebSocket continues THAT conversation, with
its history, while the conversation stays a custom-channel one."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.urls import reverse

from messagecenter.conversations import inbound, services
from messagecenter.conversations.commands import run_command
from messagecenter.conversations.models import Conversation, Message, OutboundDelivery
from messagecenter.core.actors import Actor
from messagecenter.core.errors import InvalidTransition
from messagecenter.transports import registry
from messagecenter.widgets.models import ChannelConnection
from tests.realtime.conftest import asgi_server, receive, send  # noqa: F401
from tests.transports.contract import CustomCase
from tests.transports.custom.receiver import custom_receiver  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
LINK = re.compile(r"https?://\S+")


@pytest.fixture
def on_custom(widget, alice, custom_receiver):  # noqa: F811
    """A conversation the contact started in the app (custom channel), with one reply."""
    case = CustomCase(registry.get("custom"), custom_receiver)
    connection = case.connect(widget)
    message = case.transport.parse(connection, case.request(1, "Hallo aus der App"))
    conversation = inbound.receive(connection, message).conversation
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    services.post_operator_message(conversation, "Gern, worum geht es?", actor=me)
    return conversation


def test_the_link_goes_out_on_the_channel_and_continues_the_same_conversation(
    asgi_server,  # noqa: F811
    on_custom,
    alice,
    widget,
    custom_receiver,  # noqa: F811
):
    result = run_command(on_custom, "$webtransfer", actor=Actor.for_operator(alice))

    assert "website messenger" in result.message
    # Out through the delivery rows of the custom channel, as a signed POST.
    link_message = on_custom.messages.order_by("entry__seq").last()
    assert OutboundDelivery.objects.get(message=link_message).state == "sent"
    posted = custom_receiver.accepted()[-1]
    assert posted["conversation"] == on_custom.public_id
    (link,) = LINK.findall(posted["text"])
    url = urlparse(link)
    assert f"{url.scheme}://{url.netloc}" == settings.PUBLIC_URL
    assert url.path == reverse("webchat:chat", args=[widget.key])
    token = parse_qs(url.query)["continue"][0]

    # The hosted messenger opens with the link's token: the same conversation, its history.
    ws = asgi_server.ws(f"/ws/messenger/{widget.key}")
    send(ws, type="hello", **{"continue": token}, conversations={on_custom.public_id: 0})
    welcome = receive(ws, "welcome")
    assert [c["id"] for c in welcome["conversations"]] == [on_custom.public_id]
    batch = receive(ws, "messenger.batch")
    assert batch["conversation"] == on_custom.public_id
    shown = [e["message"]["html"] for e in batch["entries"] if e.get("message")]
    assert "Hallo aus der App" in shown[0] and "Gern, worum geht es?" in shown[1]
    assert "continue=" in shown[-1]  # the link message itself

    send(ws, type="message.send", body="Jetzt im Chat", client_id="w1")
    ack = receive(ws, "ack")
    ws.close()

    assert ack["conversation"] == on_custom.public_id
    assert Conversation.objects.count() == 1
    conversation = Conversation.objects.get(pk=on_custom.pk)
    assert conversation.connection.kind == "custom"
    written = Message.objects.get(conversation=conversation, entry__seq=ack["seq"])
    assert written.connection == ChannelConnection.objects.get(widget=widget, kind="webchat")


def test_a_webchat_conversation_needs_no_transfer(widget, contact, alice):
    conversation = services.start_conversation(
        widget, contact, "Hallo", actor=Actor.for_contact(contact)
    )
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))

    with pytest.raises(InvalidTransition):
        run_command(conversation, "$webtransfer", actor=Actor.for_operator(alice))
