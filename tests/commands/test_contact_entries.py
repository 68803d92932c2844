"""$block, $unblock and $verify leave timeline entries in the conversation they came from,
written by the services in the same transaction, and announced to the operators."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from messagecenter.contacts import verification
from messagecenter.conversations import ratings
from messagecenter.conversations.commands import run_command
from messagecenter.conversations.models import EntryKind, Status, TimelineEntry
from messagecenter.core.actors import Actor
from tests.conftest import capture_events
from tests.helpers import contact_opens_messenger, conversation_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(widget, contact, alice):
    return conversation_in(Status.OPEN, widget, contact, alice)


def entries(conversation, kind):
    return list(
        TimelineEntry.objects.filter(conversation=conversation, kind=kind)
        .order_by("seq")
        .values_list("actor_name", "data")
    )


def test_block_and_unblock_leave_entries(mine, alice):
    me = Actor.for_operator(alice)
    with capture_events() as sent:
        run_command(mine, "$block", actor=me)
    run_command(mine, "$block", actor=me)  # already blocked: nothing changes, no entry
    run_command(mine, "$unblock", actor=me)

    assert entries(mine, EntryKind.BLOCKED) == [
        ("Alice Admin", {"blocked": True}),
        ("Alice Admin", {"blocked": False}),
    ]
    types = [event["type"] for event, _ in sent]
    assert types.count("timeline.entry") == 1 and "messenger.blocked" in types


def test_blocking_from_another_account_writes_nothing(mine, charlie):
    with pytest.raises(Exception):  # noqa: B017 - the service's NotFound
        run_command(mine, "$block", actor=Actor.for_operator(charlie))
    assert entries(mine, EntryKind.BLOCKED) == []


def test_verification_started_and_verified_are_entries(
    mine, alice, contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_command(mine, "$verify", actor=Actor.for_operator(alice))
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    verification.submit_code(contact, code, actor=Actor.for_contact(contact))

    assert entries(mine, EntryKind.VERIFICATION) == [
        ("Alice Admin", {"state": "started"}),
        ("Clara Kundin", {"state": "verified"}),
    ]


def test_verification_without_a_conversation_leaves_no_entry(mine, alice, contact):
    verification.start_verification(contact, None, actor=Actor.for_operator(alice))
    assert entries(mine, EntryKind.VERIFICATION) == []


def test_a_rating_entry_carries_the_feedback(mine, alice, contact):
    contact_opens_messenger(contact)
    ratings.request_rating(mine, actor=Actor.for_operator(alice))
    ratings.submit_rating(mine, 4, "Schnell und freundlich", actor=Actor.for_contact(contact))

    assert [data for _, data in entries(mine, EntryKind.RATING)] == [
        {"state": "requested"},
        {"state": "rated", "rating": 4, "feedback": "Schnell und freundlich"},
    ]
