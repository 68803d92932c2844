"""Analytics tests build histories through the real services with the ``clock`` fixture, then
drain the analytics job by hand (the test transaction never commits, so nothing wakes it)."""

from __future__ import annotations

import pytest

from messagecenter.analytics import services as analytics
from messagecenter.analytics.events import JOB
from messagecenter.analytics.models import ConversationMetric
from messagecenter.core.actors import Actor
from messagecenter.jobs import outbox
from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: F401


def drain() -> None:
    while outbox.drain(JOB, analytics.record_from_event):
        pass


def metric(conversation) -> ConversationMetric:
    drain()
    return ConversationMetric.objects.get(conversation_key=conversation.public_id)


@pytest.fixture
def me(alice):
    return Actor.for_operator(alice)


@pytest.fixture
def them(contact):
    return Actor.for_contact(contact)
