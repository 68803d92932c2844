"""Search: conversations and contacts built through the services, searched as the page does."""

from __future__ import annotations

import itertools

import pytest

from messagecenter.contacts.services import create_contact
from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation
from messagecenter.core.actors import Actor
from messagecenter.search.query import search

_emails = itertools.count(1)


def found(account, text: str) -> set[int]:
    """Primary keys of the account's conversations the search box finds for ``text``."""
    return set(
        search(account, text)
        .apply(Conversation.objects.filter(account=account))
        .values_list("pk", flat=True)
    )


def new_contact(account, **fields):
    fields.setdefault("email", f"kunde{next(_emails)}@example.com")
    return create_contact(account, **fields)


@pytest.fixture
def say(widget, alice):
    """Start a conversation in which the contact writes ``body`` (and more, if given)."""

    def write(body: str, *more: str, contact=None):
        contact = contact or new_contact(widget.account, name="Kim Kunde")
        conversation = services.start_conversation(
            widget, contact, body, actor=Actor.for_contact(contact)
        )
        for text in more:
            services.post_contact_message(conversation, text, actor=Actor.for_contact(contact))
        conversation.refresh_from_db()
        return conversation

    return write
