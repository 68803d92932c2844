"""Shared personas and helpers.

Personas (as in Healthchecks' alice/bob/charlie): ``alice`` is the admin of account Acme,
``bob`` her teammate, ``charlie`` an outsider from account Globex who must never see Acme's data.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.test import TestCase

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Role
from messagecenter.core.actors import Actor
from messagecenter.core.events import register_sink, unregister_sink


@pytest.fixture
def account(db):
    return accounts.create_account("Acme")


@pytest.fixture
def support_group(account):
    return accounts.create_group(account, "Support")


@pytest.fixture
def alice(account, support_group):
    return accounts.create_operator(
        account,
        name="Alice Admin",
        email="alice@acme.test",
        password="alice-pass-123",
        role=Role.ADMIN,
        groups=[support_group],
    )


@pytest.fixture
def bob(account, support_group):
    return accounts.create_operator(
        account,
        name="Bob Builder",
        email="bob@acme.test",
        password="bob-pass-1234",
        groups=[support_group],
    )


@pytest.fixture
def other_account(db):
    return accounts.create_account("Globex")


@pytest.fixture
def charlie(other_account):
    return accounts.create_operator(
        other_account,
        name="Charlie Outsider",
        email="charlie@globex.test",
        password="charlie-pass-1",
        role=Role.ADMIN,
    )


def as_actor(operator) -> Actor:
    return Actor.for_operator(operator)


@contextmanager
def capture_events():
    """Run on-commit callbacks at the end of the block and collect the events they sent.

    Yields a list of ``(event, groups)`` pairs, filled when the block exits.
    """
    sent: list[tuple[dict, list[str]]] = []

    def sink(event, groups):
        sent.append((event, groups))

    register_sink(sink)
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            yield sent
    finally:
        unregister_sink(sink)


@pytest.fixture
def clock():
    """A controllable clock: frozen at a fixed instant, moved with ``clock.shift(seconds)``."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def widget(account, support_group):
    from messagecenter.widgets.services import create_widget

    return create_widget(account, "Website", operator_group=support_group)


@pytest.fixture
def contact(account):
    from messagecenter.contacts.services import create_contact

    return create_contact(account, name="Clara Kundin", email="clara@example.com")


CHROMIUM = Path("/usr/bin/chromium")


def pytest_runtest_setup(item):
    """Browser tests need Debian's Chromium. Locally they are skipped with the command that
    installs it; in CI (CI=true) they fail, so a missing browser never passes as green."""
    if item.get_closest_marker("browser") is None or CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: apt-get install -y chromium (./mc test does it as root)"
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language. The language middleware activates the
    operator's language for a request; under ASGI that is local to the request's context, but
    the test client runs every request in the test's own thread and context, so a German
    operator's request would leave German on for every test after it."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate counters live in the cache (shared by all sockets): every test starts at zero."""
    from django.core.cache import cache

    cache.clear()
    yield
