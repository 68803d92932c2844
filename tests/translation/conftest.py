"""Translation fixtures: the fake providers, an account set up with either, a conversation
with the toggle on, and a helper that runs a write's after-commit work (the outbox drain and
the translation job, immediate in the tests)."""

from __future__ import annotations

import pytest
from django.test import Client

from messagecenter.core.actors import Actor
from messagecenter.translation import services
from messagecenter.translation.models import Provider
from tests.translation.fakes import DEEPL_KEY, deepl_api, libre_api  # noqa: F401


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def use_deepl(account, alice, **extra):
    choice = services.ProviderChoice(provider=Provider.DEEPL, api_key=DEEPL_KEY, **extra)
    return services.save_settings(account, choice, actor=Actor.for_operator(alice))


def use_libre(account, alice, url: str, **extra):
    choice = services.ProviderChoice(
        provider=Provider.LIBRETRANSLATE, api_key="libre-key", libretranslate_url=url, **extra
    )
    return services.save_settings(account, choice, actor=Actor.for_operator(alice))


@pytest.fixture
def deepl_account(account, alice, deepl_api):  # noqa: F811
    return use_deepl(account, alice)


@pytest.fixture
def libre_account(account, alice, libre_api):  # noqa: F811
    return use_libre(account, alice, libre_api.url)


@pytest.fixture
def chat(widget, contact, alice):
    """An open conversation assigned to Alice (profile language English) with the toggle on
    and the contact's language pinned to German."""
    from messagecenter.conversations.models import Status
    from messagecenter.jobs.models import OutboxEvent
    from tests.helpers import conversation_in

    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    services.set_toggle(conversation, enabled=True, language="de", actor=Actor.for_operator(alice))
    OutboxEvent.objects.all().delete()  # the set-up's messages were never drained
    return conversation


def contact_writes(conversation, body: str):
    """The contact's message, with the write's after-commit work run (the outbox drain and
    the translation job, immediate in the tests)."""
    from django.test import TestCase

    from messagecenter.conversations import services as conversations

    with TestCase.captureOnCommitCallbacks(execute=True):
        entry = conversations.post_contact_message(
            conversation, body, actor=Actor.for_contact(conversation.contact)
        )
    return entry


def translations_of(entry):
    from messagecenter.translation.models import MessageTranslation

    return {
        row.target_language: row for row in MessageTranslation.objects.filter(message=entry.message)
    }
