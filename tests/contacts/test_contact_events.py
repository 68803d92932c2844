"""contact.changed: every edit of a contact tells its account's operators, after commit."""

from __future__ import annotations

import pytest

from messagecenter.contacts import services as contacts
from messagecenter.core.actors import Actor
from tests.conftest import capture_events

pytestmark = pytest.mark.django_db


def test_an_edit_announces_the_contact_to_its_account(contact, alice, account):
    with capture_events() as sent:
        contacts.update_contact(contact, actor=Actor.for_operator(alice), name="Berta Neumann")

    changed = [(event, groups) for event, groups in sent if event["type"] == "contact.changed"]
    assert changed == [
        (
            {"type": "contact.changed", "account": account.public_id, "contact": contact.public_id},
            [f"account.{account.public_id}"],
        )
    ]


def test_a_refused_edit_announces_nothing(contact, charlie):
    with capture_events() as sent, pytest.raises(Exception):  # noqa: B017 - NotFound
        contacts.update_contact(contact, actor=Actor.for_operator(charlie), name="Eve")
    assert sent == []
