"""Fixtures of the team pages: signed-in clients per persona and a busy team built through
the services."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from messagecenter.accounts import services as accounts
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import notes, services
from messagecenter.core.actors import Actor
from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: F401
from tests.conftest import capture_events
from tests.helpers import conversation_in, go_online, start

_emails = itertools.count(1)


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def admin_client(alice):
    return signed_in(alice)


@pytest.fixture
def teammate_client(bob):
    return signed_in(bob)


@pytest.fixture
def outsider_client(charlie):
    return signed_in(charlie)


def add_operator(account, group, name: str, **kwargs):
    email = f"op{next(_emails)}@{account.name.lower()}.test"
    groups = [group] if group is not None else []
    return accounts.create_operator(account, name=name, email=email, groups=groups, **kwargs)


def busy_team(account, group, widget, size: int):
    """``size`` more operators in ``group``, each online with one live and one waiting chat,
    so every per-operator number on the Operators page is non-zero."""
    team = []
    for number in range(size):
        operator = add_operator(account, group, f"Operator {number:02d}")
        go_online(operator)
        for status in ("open", "waiting"):
            contact = create_contact(account, name=f"Kunde {number}-{status}")
            conversation_in(status, widget, contact, operator)
        team.append(operator)
    return team


def notifications_for(alice, bob, widget, account, count: int):
    """``count`` notifications of mixed kinds for Alice, made by real events."""
    made = 0
    with capture_events():
        while made < count:
            contact = create_contact(account, name=f"Besucherin {made}")
            conversation = start(widget, contact)  # new_unassigned for the group
            made += 1
            if made < count:
                notes.add_note(conversation, "@alice bitte schauen", actor=Actor.for_operator(bob))
                made += 1
            if made < count:
                services.assign_operator(conversation, alice, actor=Actor.for_operator(bob))
                made += 1


# Real-server browser tests: HTTP and WebSockets from one uvicorn in a thread.
from tests.realtime.conftest import asgi_server  # noqa: E402, F401
