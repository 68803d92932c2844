"""The conversation's channel decides what may be sent or done, from its transport's record:
the services refuse the rest with a reason (also through the API), and the operator page
offers only what the channel can do."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.conversations import services
from messagecenter.conversations.models import Message
from messagecenter.core.actors import Actor
from messagecenter.transports.base import CapabilityRefused
from messagecenter.widgets.capabilities import capabilities_for
from messagecenter.widgets.models import ChannelConnection
from tests.api.conftest import assert_problem, personal

pytestmark = pytest.mark.django_db


def on_channel(kind, widget, contact, operator):
    """A conversation the contact started on ``kind``, assigned to ``operator``."""
    connection = ChannelConnection.objects.create(account=widget.account, widget=widget, kind=kind)
    conversation = services.start_conversation(
        widget, contact, "Hallo", actor=Actor.for_contact(contact), connection=connection
    )
    services.assign_operator(conversation, operator, actor=Actor.for_operator(operator))
    return conversation


def test_widgets_capabilities_answer_from_the_transports():
    assert capabilities_for("webchat").can_delete is True
    assert capabilities_for("webchat").queued_delivery is False
    assert capabilities_for("email").can_delete is False
    assert capabilities_for("sms").media_types == frozenset({"image"})


def test_a_reply_longer_than_the_channel_carries_is_refused(widget, contact, alice):
    conversation = on_channel("sms", widget, contact, alice)

    with pytest.raises(CapabilityRefused) as refused:
        services.post_operator_message(conversation, "x" * 1601, actor=Actor.for_operator(alice))

    assert refused.value.code == "channel_text_too_long"
    assert "at most 1600 characters" in str(refused.value)
    assert not Message.objects.filter(conversation=conversation, author_kind="operator").exists()
    services.post_operator_message(conversation, "x" * 1600, actor=Actor.for_operator(alice))


def test_a_closed_reply_window_refuses_free_text(clock, widget, contact, alice):
    """GIVEN a WhatsApp conversation whose contact last wrote 25 hours ago WHEN the operator
    replies THEN the service refuses: only a template may go out now."""
    conversation = on_channel("whatsapp", widget, contact, alice)
    me = Actor.for_operator(alice)
    clock.shift(23 * 3600)
    services.post_operator_message(conversation, "Noch offen", actor=me)
    clock.shift(2 * 3600)

    with pytest.raises(CapabilityRefused) as refused:
        services.post_operator_message(conversation, "Zu spät", actor=me)

    assert refused.value.code == "channel_reply_window_closed"


def test_telegram_deletes_only_within_its_window(clock, widget, contact, alice):
    conversation = on_channel("telegram", widget, contact, alice)
    me = Actor.for_operator(alice)
    early = services.post_operator_message(conversation, "Eins", actor=me)
    services.delete_message(conversation, early.seq, actor=me)
    late = services.post_operator_message(conversation, "Zwei", actor=me)
    clock.shift(49 * 3600)

    with pytest.raises(CapabilityRefused) as refused:
        services.delete_message(conversation, late.seq, actor=me)

    assert refused.value.code == "channel_delete_window_passed"


def test_the_api_answers_a_refusal_as_a_problem(widget, contact, alice):
    alice_api = personal(alice)
    conversation = on_channel("email", widget, contact, alice)
    sent = services.post_operator_message(conversation, "Antwort", actor=Actor.for_operator(alice))

    response = alice_api.delete(f"/conversations/{conversation.public_id}/messages/{sent.seq}")

    body = assert_problem(response, 409, "channel_cannot_delete")
    assert body["detail"] == "Messages cannot be deleted on E-mail conversations."


def test_the_page_offers_only_what_the_channel_can_do(client, widget, contact, alice, settings):
    """The e-mail conversation's page has no call button, carries the capability record for
    the timeline (no delete buttons) and says why; the webchat's has the call button (where
    the server has a TURN relay for calls)."""
    settings.TURN_URLS, settings.TURN_SECRET = ["turn:127.0.0.1:3478"], "secret"
    client.force_login(alice)
    mail = on_channel("email", widget, contact, alice)
    page = client.get(reverse("conversation", args=[mail.public_id])).content.decode()
    assert 'data-tool="call"' not in page
    assert 'data-tool="attach"' in page
    assert "Messages cannot be deleted on E-mail conversations." in page
    assert '"can_delete": false' in page
    assert 'maxlength="20000"' in page

    chat = services.start_conversation(widget, contact, "Hi", actor=Actor.for_contact(contact))
    page = client.get(reverse("conversation", args=[chat.public_id])).content.decode()
    assert 'data-tool="call"' in page
    assert "cannot be deleted" not in page


def test_attachments_must_fit_the_channels_media_and_size(widget, contact, alice):
    from messagecenter.conversations import channel

    sms = on_channel("sms", widget, contact, alice)
    channel.check_media(sms, "image", 5 * 1024 * 1024)
    with pytest.raises(CapabilityRefused) as refused:
        channel.check_media(sms, "video", 1000)
    assert refused.value.code == "channel_media_type"
    with pytest.raises(CapabilityRefused) as refused:
        channel.check_media(sms, "image", 5 * 1024 * 1024 + 1)
    assert refused.value.code == "channel_file_too_large"
    assert "at most 5 MB" in str(refused.value)
