"""The write path's cost, pinned: SQL statements per message on SQLite and PostgreSQL.

A message is the product's hottest write (issue "Speed": contact follow-up ≤ 8 statements,
operator reply ≤ 8, first routed LIVE message ≤ 16, 17 with the widget's business hours; the
transport seam allows one INSERT more each for the outbox and the delivery rows). The counts
are exact, so a change that adds a statement fails here and must say why. Transaction control
(SAVEPOINT/RELEASE) is not counted; what runs after commit (notifications) is measured
separately.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from messagecenter.contacts.services import create_contact
from messagecenter.conversations import services
from messagecenter.conversations.models import Message, Status
from messagecenter.core.actors import Actor
from messagecenter.core.events import account_group
from messagecenter.widgets.models import ChannelConnection
from tests.conftest import capture_events
from tests.helpers import contact_opens_messenger, go_online, start

pytestmark = pytest.mark.django_db

CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


class Statements(CaptureQueriesContext):
    """Statements of the service call itself (on-commit work is not run inside)."""

    @property
    def work(self) -> list[str]:
        return [q["sql"] for q in self.captured_queries if not q["sql"].startswith(CONTROL)]


@pytest.fixture(autouse=True)
def _steady_state():
    """As in a running server after its first message: the translation consumer's cached
    "no conversation translates" spares every write its lookup (translation.inbound.wants)."""
    from messagecenter.translation.inbound import any_conversation_translates

    assert any_conversation_translates() is False


@pytest.fixture
def live_conversation(account, widget, alice):
    contact = create_contact(account, name="Clara", email="clara@example.com")
    contact_opens_messenger(contact)
    go_online(alice)
    conversation = start(widget, contact)
    assert conversation.is_live
    return conversation


def _contact_writes(conversation, body="Noch was", client_msg_id="c-1"):
    actor = Actor.for_contact(conversation.contact)  # the contact's account is loaded with it
    return services.post_contact_message(
        conversation, body, actor=actor, client_msg_id=client_msg_id
    )


def outbox_inserts(statements) -> list[str]:
    return [sql for sql in statements.work if sql.startswith('INSERT INTO "jobs_outboxevent"')]


def test_contact_follow_up_in_a_live_chat_costs_seven_statements(live_conversation):
    """lock (with presence and seq), retry check, entry, message, search document, row, and
    the outbox event its notification follows."""
    with Statements(connection) as statements:
        _contact_writes(live_conversation)
    assert len(statements.work) == 7, statements.work
    assert len(outbox_inserts(statements)) == 1


def test_contact_reply_to_a_waiting_conversation_costs_nine_statements(live_conversation, alice):
    """... plus the status change to OPEN: its entry and its audit row."""
    services.post_operator_message(live_conversation, "Gern", actor=Actor.for_operator(alice))
    with Statements(connection) as statements:
        _contact_writes(live_conversation)
    assert len(statements.work) == 9, statements.work


def test_operator_reply_costs_nine_statements(live_conversation, alice):
    """lock, retry check, entry, message, search document, the status change to WAITING
    (entry and audit row), the row, and the outbox event the analytics rows follow (a
    reply is a response time; nobody is notified of it). (The actor comes with the request,
    as in a view.)"""
    me = Actor.for_operator(alice)
    with Statements(connection) as statements:
        services.post_operator_message(live_conversation, "Gern!", actor=me, client_msg_id="o-1")
    assert len(statements.work) == 9, statements.work
    assert len(outbox_inserts(statements)) == 1


def test_operator_reply_on_a_delivering_channel_adds_its_delivery_row(widget, contact, alice):
    """... on e-mail-like channels, plus the delivery row (its job follows after commit)."""
    email = ChannelConnection.objects.create(account=widget.account, widget=widget, kind="email")
    conversation = services.start_conversation(
        widget, contact, "Hallo", actor=Actor.for_contact(contact), connection=email
    )
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    with Statements(connection) as statements:
        services.post_operator_message(conversation, "Gern!", actor=me, client_msg_id="o-1")
    assert len(statements.work) == 10, statements.work
    assert [s for s in statements.work if s.startswith('INSERT INTO "conversations_outbound')]


def test_first_routed_live_message_costs_seventeen_statements(account, widget, alice):
    """connection, blocked check, conversation, entry, message, search document, routing
    (the widget's business hours, candidates, their locked rows, their slots), the winner's
    last assignment, the contact's
    presence, the staged entries, the audit rows, the session, the row, and ONE outbox
    INSERT for the message's and the assignment's events."""
    go_online(alice)
    contact = create_contact(account, name="Dora", email="dora@example.com")
    contact_opens_messenger(contact)
    with Statements(connection) as statements:
        conversation = services.start_conversation(
            widget, contact, "Hallo", actor=Actor.for_contact(contact), client_msg_id="f-1"
        )
    assert conversation.is_live and conversation.status == Status.OPEN
    # 16 + the widget's business hours (administration.hours), read by routing (issue #19).
    assert len(statements.work) == 17, statements.work
    assert len(outbox_inserts(statements)) == 1


def test_a_write_announces_one_conversation_changed(account, widget, alice):
    """GIVEN an available operator WHEN a contact starts a chat THEN every new entry goes
    to the viewers, and the account hears ONE conversation.changed naming all kinds."""
    go_online(alice)
    contact = create_contact(account, name="Dora")
    contact_opens_messenger(contact)
    with capture_events() as sent:
        conversation = start(widget, contact, body="Hallo")
    changed = [(e, g) for e, g in sent if e["type"] == "conversation.changed"]
    assert len(changed) == 1
    event, groups = changed[0]
    assert groups == [account_group(account.public_id)]
    assert event["kind"] == "message" and event["author_kind"] == "contact"
    assert event["kinds"] == [
        "message",
        "routing_decision",
        "assigned",
        "status_changed",
        "live_changed",
    ]
    assert event["seq"] == conversation.last_seq == 5
    assert event["started"] is True
    assert event["preview"] == "Hallo"
    assert event["summary"]["is_live"] is True
    entries = [e["seq"] for e, _ in sent if e["type"] == "timeline.entry"]
    assert entries == [1, 2, 3, 4, 5]


def test_the_row_is_saved_once_per_write(live_conversation, alice):
    services.post_operator_message(live_conversation, "Gern", actor=Actor.for_operator(alice))
    with Statements(connection) as statements:
        _contact_writes(live_conversation)
    updates = [sql for sql in statements.work if sql.startswith('UPDATE "conversations_conv')]
    assert len(updates) == 1


def test_a_session_is_written_once_and_labelled_live(live_conversation):
    session = live_conversation.sessions.get()
    assert session.was_live is True
    assert session.first_seq == 1
    with Statements(connection) as statements:
        _contact_writes(live_conversation)
    assert not [sql for sql in statements.work if "conversationsession" in sql]


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_send_return_the_same_entry(account, widget, alice):
    """GIVEN a conversation WHEN the same send (one client_msg_id) arrives four times at
    once THEN each answers with the same seq, one message exists, and nothing fails."""
    go_online(alice)
    contact = create_contact(account, name="Eva")
    conversation = start(widget, contact)
    barrier = threading.Barrier(4)
    seqs, errors = [], []

    def send():
        try:
            barrier.wait(timeout=10)
            seqs.append(_contact_writes(conversation, body="Einmal", client_msg_id="dup").seq)
        except Exception as error:  # the assertion below shows what failed
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(set(seqs)) == 1 and len(seqs) == 4
    assert Message.objects.filter(conversation=conversation, client_msg_id="dup").count() == 1
