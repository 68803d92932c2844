"""All conversations: conversations in every state, built through the services."""

from __future__ import annotations

import itertools

import pytest
from django.http import QueryDict

from messagecenter.archive.filters import ArchiveFilter
from messagecenter.archive.queries import matching
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import ratings, services
from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from messagecenter.widgets.models import ChannelConnection, TransportKind
from tests.helpers import contact_opens_messenger

_numbers = itertools.count(1)
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def email_channel(widget):
    # No service adds channels yet (the transports feature will); a row is all a filter needs.
    return ChannelConnection.objects.create(
        account=widget.account, widget=widget, kind=TransportKind.EMAIL
    )


@pytest.fixture
def make(widget, alice):
    """``make(body, status=…, operator=…, topic=…, group=…, locale=…, rating=…, feedback=…,
    bot=…, connection=…, contact=…)``: a conversation reached the way people reach it."""
    admin = Actor.for_operator(alice)

    def build(body="Hallo", *, contact=None, status=None, operator=None, topic=None, group=None,
              locale=None, rating=None, feedback="", bot=False, connection=None):  # fmt: skip
        contact = contact or create_contact(
            widget.account, name=f"Kunde {next(_numbers)}", email=f"k{next(_numbers)}@example.com"
        )
        conversation = services.start_conversation(
            widget, contact, body, actor=Actor.for_contact(contact), connection=connection
        )
        if group is not None:
            services.assign_group(conversation, group, actor=admin)
        if operator is not None:
            services.assign_operator(conversation, operator, actor=admin)
        if topic is not None:
            services.set_topic(conversation, topic, actor=admin)
        if locale is not None:
            services.set_locale(conversation, locale, actor=admin)
        if bot:
            services.post_bot_message(
                conversation, "Ich bin der Bot", actor=Actor.system(widget.account)
            )
        if rating is not None:
            contact_opens_messenger(contact)
            ratings.request_rating(conversation, actor=admin)
            ratings.submit_rating(conversation, rating, feedback, actor=Actor.for_contact(contact))
        if status in (Status.OPEN, Status.WAITING):
            services.set_status(conversation, status, actor=admin)
        elif status == Status.ENDED:
            services.end_conversation(conversation, actor=admin)
        conversation.refresh_from_db()
        return conversation

    return build


def select(account, **params) -> set[int]:
    """Primary keys the filter selects (as the page and the jobs see them)."""
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data[key] = value
    conversations, _search = matching(ArchiveFilter(data, account=account))
    return set(conversations.values_list("pk", flat=True))
