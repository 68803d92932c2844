"""What webhooks cost the write path (tests/conversations/test_write_path_queries.py pins
the rest): nothing without an enabled endpoint; with one, a write's webhook events join the
outbox INSERT it already has, or add that one INSERT."""

from __future__ import annotations

import pytest
from django.db import connection

from messagecenter.conversations import services
from messagecenter.core.actors import Actor
from messagecenter.jobs.models import OutboxEvent
from messagecenter.webhooks.events import any_enabled_endpoint
from tests.conversations.test_write_path_queries import (
    Statements,
    _contact_writes,
    live_conversation,  # noqa: F401
    outbox_inserts,
)
from tests.webhooks.conftest import make_endpoint

pytestmark = pytest.mark.django_db


def test_without_endpoints_no_webhook_rows_are_written(live_conversation):  # noqa: F811
    _contact_writes(live_conversation)
    assert not OutboxEvent.objects.filter(job="webhooks.fanout").exists()


def test_a_contact_message_costs_no_extra_statement(
    live_conversation,  # noqa: F811
    account,
    alice,
    receiver,
):
    make_endpoint(account, alice, receiver)
    assert any_enabled_endpoint()  # the flag is cached now, as after any earlier write
    with Statements(connection) as statements:
        _contact_writes(live_conversation, client_msg_id="c-2")
    assert len(statements.work) == 7, statements.work  # as without webhooks
    assert len(outbox_inserts(statements)) == 1
    assert OutboxEvent.objects.filter(job="webhooks.fanout").exists()


def test_an_operator_reply_costs_the_one_outbox_insert(
    live_conversation,  # noqa: F811
    account,
    alice,
    receiver,
):
    make_endpoint(account, alice, receiver)
    me = Actor.for_operator(alice)
    assert any_enabled_endpoint()
    with Statements(connection) as statements:
        services.post_operator_message(live_conversation, "Gern!", actor=me, client_msg_id="o-1")
    assert len(statements.work) == 9, statements.work  # 8, plus the outbox INSERT
    assert len(outbox_inserts(statements)) == 1
