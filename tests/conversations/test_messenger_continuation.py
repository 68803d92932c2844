"""R-INBOX-4 (ours): the contact's next messenger message continues their latest webchat
conversation of the widget, ended or not, within the widget's continuation window."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messagecenter.conversations import inbound, services
from messagecenter.conversations.models import Conversation, EntryKind, Status
from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed
from messagecenter.transports.base import InboundMessage
from messagecenter.widgets.models import ChannelConnection
from messagecenter.widgets.services import update_widget
from tests.helpers import conversation_in, go_online, start


def write(widget, contact, body="Ich bin es wieder", *, named=None, client_msg_id=None):
    """The messenger's write: the one inbound entry point, as the socket consumer calls it."""
    message = InboundMessage(
        body=body, conversation=named or "", transferred=bool(named), client_msg_id=client_msg_id
    )
    webchat = ChannelConnection.objects.get(widget=widget, kind="webchat")
    received = inbound.receive(webchat, message, contact=contact)
    return received.entry, received.conversation


def test_contact_message_reopens_ended_conversation(clock, widget, contact, alice):
    ended = conversation_in(Status.ENDED, widget, contact, alice)
    clock.shift(timedelta(days=3))

    entry, conversation = write(widget, contact)

    assert conversation.pk == ended.pk and Conversation.objects.count() == 1
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assigned_operator) == (Status.OPEN, alice)
    assert conversation.ended_at is None
    assert entry.message.body == "Ich bin es wieder"
    change = conversation.timeline.filter(kind=EntryKind.STATUS_CHANGED).last()
    assert change.data == {"from": "ended", "to": "open"} and change.actor_kind == "contact"


def test_ended_unassigned_conversation_is_routed_again_and_live(clock, widget, contact, alice):
    """GIVEN a conversation that ended while nobody had taken it
    WHEN the contact writes again while Alice is available and the contact online
    THEN it is routed to Alice: OPEN and LIVE, as a new message would be."""
    from tests.helpers import contact_opens_messenger

    first = start(widget, contact)
    assert first.assigned_operator is None
    services.end_conversation(first, actor=Actor.for_operator(alice))
    go_online(alice)
    contact_opens_messenger(contact)

    _, conversation = write(widget, contact)

    conversation.refresh_from_db()
    assert conversation.pk == first.pk
    assert conversation.status == Status.OPEN
    assert conversation.assigned_operator == alice and conversation.is_live


def test_conversation_ended_longer_ago_than_the_window_is_not_continued(
    clock, widget, contact, alice
):
    ended = conversation_in(Status.ENDED, widget, contact, alice)

    clock.shift(timedelta(days=30))
    assert write(widget, contact, "noch innerhalb")[1].pk == ended.pk
    services.end_conversation(ended, actor=Actor.for_operator(alice))
    clock.shift(timedelta(days=30, seconds=1))

    _, conversation = write(widget, contact, "viel später")

    assert conversation.pk != ended.pk
    ended.refresh_from_db()
    assert ended.status == Status.ENDED
    assert Conversation.objects.count() == 2


def test_the_window_is_a_widget_setting_and_zero_never_continues(clock, widget, contact, alice):
    me = Actor.for_operator(alice)
    update_widget(widget, actor=me, continue_ended_days=7)
    ended = conversation_in(Status.ENDED, widget, contact, alice)
    clock.shift(timedelta(days=7, seconds=1))
    assert write(widget, contact)[1].pk != ended.pk

    update_widget(widget, actor=me, continue_ended_days=0)
    latest = Conversation.objects.order_by("-pk").first()
    services.end_conversation(latest, actor=me)
    assert write(widget, contact)[1].pk not in (ended.pk, latest.pk)


@pytest.mark.parametrize("days", [-1, 366, "3"])
def test_the_window_is_validated(widget, alice, days):
    with pytest.raises(ValidationFailed):
        update_widget(widget, actor=Actor.for_operator(alice), continue_ended_days=days)


def test_active_conversation_is_continued_not_duplicated(widget, contact, alice):
    waiting = conversation_in(Status.WAITING, widget, contact, alice)

    _, conversation = write(widget, contact)

    assert conversation.pk == waiting.pk
    assert conversation.status == Status.OPEN


def test_only_webchat_conversations_continue_unless_a_link_named_one(widget, contact, alice):
    """An e-mail conversation of the same widget is continued from the messenger only when a
    ``$webtransfer`` link named it."""
    email = ChannelConnection.objects.create(account=widget.account, widget=widget, kind="email")
    by_mail = services.start_conversation(
        widget, contact, "Per Mail", actor=Actor.for_contact(contact), connection=email
    )

    _, fresh = write(widget, contact, "im Chat")
    assert fresh.pk != by_mail.pk and fresh.connection.kind == "webchat"

    entry, named = write(widget, contact, "über den Link", named=by_mail.public_id)
    assert named.pk == by_mail.pk
    # Stored with the channel it came through; the conversation stays an e-mail one.
    assert entry.message.connection.kind == "webchat" and named.connection.kind == "email"

    entry, again = write(widget, contact, "und weiter")
    assert again.pk == fresh.pk


def test_retried_send_after_a_start_returns_the_same_entry(widget, contact):
    first, conversation = write(widget, contact, "Hallo", client_msg_id="c-1")

    again, same = write(widget, contact, "Hallo", client_msg_id="c-1")

    assert (again.pk, same.pk) == (first.pk, conversation.pk)
    assert conversation.messages.count() == 1
