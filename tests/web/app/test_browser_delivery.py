"""A message the channel could not deliver shows why, and Retry sends it again; the state
changes arrive live (``message.updated``). The page offers only what the channel can do."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.conversations import inbound, services
from messagecenter.core.actors import Actor
from messagecenter.transports import registry
from messagecenter.transports.base import InboundMessage
from messagecenter.widgets.models import ChannelConnection
from tests.transports.fakes import FakeTransport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fake():
    transport = registry.register(FakeTransport())
    yield transport
    registry.unregister(FakeTransport.kind)


def test_a_failed_message_shows_its_reason_and_retry_sends_it(app_for, widget, alice, fake):
    channel = ChannelConnection.objects.create(account=widget.account, widget=widget, kind="fake")
    message = InboundMessage(body="Hallo", identity_kind="external", identity_value="kim-1")
    conversation = inbound.receive(channel, message).conversation
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    fake.fail_permanently("550 Mailbox unavailable")
    sent = services.post_operator_message(conversation, "Ihre Rechnung", actor=me)

    page = app_for(alice).open(f"/inbox/{conversation.public_id}/")
    bubble = page.locator(f".msg[data-seq='{sent.seq}']")
    expect(bubble.locator(".delivery--failed")).to_contain_text("Failed")
    expect(bubble.locator("[data-delivery-error]")).to_have_text("550 Mailbox unavailable")
    expect(page.locator('[data-tool="call"]')).to_have_count(0)  # the channel has no calls
    expect(page.locator("[data-channel-limits]")).to_contain_text("fake has no calls.")

    bubble.get_by_role("button", name="Retry").click()

    expect(bubble.locator(".delivery--sent")).to_contain_text("Sent")
    expect(bubble.locator("[data-delivery-error]")).to_have_count(0)
    assert [o.body for o in fake.sent] == ["Ihre Rechnung"]
