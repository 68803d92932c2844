"""Helpers for the sign-in and security pages."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from django.urls import reverse

from messagecenter.accounts import totp
from messagecenter.core import clock as mc_clock
from messagecenter.core.actors import Actor
from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: F401

ALICE_PASSWORD = "alice-pass-123"


def sign_in(client, email, password, **extra):
    """Submit the sign-in form as a browser would."""
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def is_signed_in(client) -> bool:
    """Whether the client's session belongs to a logged-in operator (home answers 200)."""
    return client.get(reverse("home")).status_code == 200


def previous_code(secret: str) -> str:
    """The code of the previous 30-second step (still accepted: clocks drift)."""
    return pyotp.TOTP(secret).at(mc_clock.now() - timedelta(seconds=30))


@pytest.fixture
def alice_with_2fa(alice, clock):
    """Alice, who turned on two-factor sign-in half a minute ago (so the current code is
    fresh); ``alice.totp_secret`` is her app's secret."""
    secret = totp.new_secret()
    totp.enable(alice, secret=secret, code=previous_code(secret), actor=Actor.for_operator(alice))
    return alice


@pytest.fixture
def throttle_settings(settings):
    """A small, explicit lock-out rule: 3 failures within 10 minutes."""
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    settings.LOGIN_THROTTLE_WINDOW = 600
    return settings
