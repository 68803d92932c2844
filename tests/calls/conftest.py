"""Calls: a webchat conversation assigned to Alice with Clara online in the messenger, and a
TURN relay configured (its secret is only used to sign credentials here)."""

from __future__ import annotations

import pytest

from messagecenter.conversations.models import Status
from tests.helpers import contact_opens_messenger, conversation_in

SECRET = "north-wind-4711"


@pytest.fixture(autouse=True)
def turn_settings(settings):
    settings.TURN_URLS = ["turn:turn.example.com:3478?transport=udp"]
    settings.TURN_SECRET = SECRET
    settings.TURN_CREDENTIAL_SECONDS = 3600
    settings.STUN_URLS = []
    settings.CALLS_ALLOW_DIRECT = False
    return settings


@pytest.fixture
def chat(widget, contact, alice):
    """An OPEN conversation of Alice's with Clara, whose messenger tab is open."""
    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    contact_opens_messenger(contact)
    return conversation
