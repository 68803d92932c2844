"""Fixtures of the contacts pages: signed-in clients per persona and contacts with history,
all built through the services."""

from __future__ import annotations

import pytest
from django.test import Client

from messagecenter.accounts import services as accounts
from messagecenter.contacts.services import create_contact
from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: F401
from tests.helpers import conversation_in


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def alice_client(alice):
    return signed_in(alice)


@pytest.fixture
def bob_client(bob):
    return signed_in(bob)


@pytest.fixture
def charlie_client(charlie):
    return signed_in(charlie)


@pytest.fixture
def german(alice):
    """Alice works in German."""
    accounts.update_profile(alice, actor=Actor.for_operator(alice), language="de")
    return alice


def contact_with_history(account, widget, operator, number: int, **fields):
    """A contact with e-mail, phone and one open conversation with the operator."""
    contact = create_contact(
        account,
        name=fields.pop("name", f"Kundin {number:03d}"),
        email=f"kundin{number}@example.com",
        phone=f"+49151{number:08d}",
        company=fields.pop("company", "Beispiel GmbH"),
        **fields,
    )
    conversation_in(Status.OPEN, widget, contact, operator)
    return contact
