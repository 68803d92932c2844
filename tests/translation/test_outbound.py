"""Operator messages: previewed in the contact's language, sent as the translation with the
original kept; e-mail quotes the original below; the messenger marks it machine-translated.
When the provider fails the operator learns why and can send the original."""

from __future__ import annotations

import pytest

from messagecenter.conversations.events import entry_payload
from messagecenter.conversations.models import Message, Status
from messagecenter.conversations.queries import contact_entries_after
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied
from messagecenter.translation import outbound, services
from messagecenter.translation.models import ConversationTranslation, State
from messagecenter.transports.webchat.events import contact_entry
from tests.conftest import capture_events
from tests.translation.conftest import signed_in, use_deepl

pytestmark = pytest.mark.django_db


def test_the_preview_is_in_the_contacts_language(deepl_account, chat, alice):
    found = outbound.preview(chat, "hello, your order is shipped", actor=Actor.for_operator(alice))
    assert found.text == "[DE] hallo, Ihre Bestellung ist versandt"
    assert found.target == "de" and not found.cached


def test_a_preview_then_its_send_costs_one_provider_call(deepl_account, chat, alice, deepl_api):
    me = Actor.for_operator(alice)
    outbound.preview(chat, "thanks", actor=me)
    again = outbound.preview(chat, "thanks", actor=me)
    assert again.cached and len(deepl_api.calls("/v2/translate")) == 1


def test_sending_keeps_the_original_and_marks_it_for_the_contact(deepl_account, chat, alice):
    me = Actor.for_operator(alice)
    with capture_events() as sent:
        entry = outbound.send_translated(chat, "thanks", "[DE] danke", actor=me, source="en")
    message = Message.objects.get(pk=entry.message.pk)
    assert message.body == "[DE] danke"  # the messenger, WhatsApp, Telegram, SMS: alone
    translation = entry_payload(entry)["message"]["translation"]
    assert translation["direction"] == "out" and translation["original"] == "thanks"
    # The contact's messenger got the entry again with the marker and the original.
    to_contact = [e for e, _g in sent if e["type"] == "messenger.entry" and e["seq"] == entry.seq]
    assert to_contact[-1]["entry"]["message"]["machine_translated"] is True
    assert "thanks" in to_contact[-1]["entry"]["message"]["original_html"]
    # And on a resume (one query for the page's translations).
    resumed = next(e for e in contact_entries_after(chat, 0) if e["seq"] == entry.seq)
    assert resumed["message"]["machine_translated"] is True


def test_a_plain_reply_is_not_marked(deepl_account, chat, alice):
    from messagecenter.conversations import services as conversations

    entry = conversations.post_operator_message(chat, "hi", actor=Actor.for_operator(alice))
    assert "machine_translated" not in contact_entry(entry)["message"]
    assert "translation" not in entry_payload(entry)["message"]


def test_on_email_the_original_is_quoted_below():
    from types import SimpleNamespace

    mail = SimpleNamespace(connection=SimpleNamespace(kind="email"))
    body = outbound._body_for_channel(mail, "thanks\nbye", "[DE] danke\ntschüss")
    assert body.startswith("[DE] danke\ntschüss\n\n---\n")
    assert "> thanks\n> bye" in body
    telegram = SimpleNamespace(connection=SimpleNamespace(kind="telegram"))
    assert outbound._body_for_channel(telegram, "thanks", "[DE] danke") == "[DE] danke"


def test_the_provider_failing_says_why_and_the_original_can_still_go(
    deepl_account, chat, alice, deepl_api
):
    from messagecenter.conversations import services as conversations

    deepl_api.fail("/v2/translate", 456)
    with pytest.raises(outbound.TranslationUnavailable) as caught:
        outbound.preview(chat, "thanks", actor=Actor.for_operator(alice))
    assert caught.value.state == State.QUOTA
    assert ConversationTranslation.objects.get(conversation=chat).state == State.QUOTA
    entry = conversations.post_operator_message(chat, "thanks", actor=Actor.for_operator(alice))
    assert entry.message.body == "thanks"


def test_without_a_provider_the_toggle_says_so(chat, alice):
    with pytest.raises(outbound.TranslationUnavailable) as caught:
        outbound.preview(chat, "thanks", actor=Actor.for_operator(alice))
    assert caught.value.state == State.UNCONFIGURED


def test_a_glossary_applies_to_the_operators_language(account, alice, chat, deepl_api):
    use_deepl(
        account,
        alice,
        glossary_source="en",
        glossary_target="de",
        glossary_entries="order = Auftrag",
    )
    found = outbound.preview(chat, "your order is shipped", actor=Actor.for_operator(alice))
    assert found.text == "[DE] Ihre Auftrag ist versandt"
    assert deepl_api.calls("/v2/translate")[0]["glossary_id"]


def test_masking_keeps_commands_placeholders_and_addresses(deepl_account, chat, alice):
    text = "hello {contact.name}, write to help@shop.example and see www.shop.example/order"
    found = outbound.preview(chat, text, actor=Actor.for_operator(alice))
    assert found.text == (
        "[DE] hallo {contact.name}, write to help@shop.example and see www.shop.example/order"
    )
    command = outbound.preview(chat, "$end order", actor=Actor.for_operator(alice))
    assert command.text == "[DE] $end order"


def test_the_web_actions(deepl_account, chat, alice, charlie):
    client = signed_in(alice)
    base = f"/inbox/{chat.public_id}/translation/"
    answer = client.post(base, {"enabled": "on", "language": "fr"})
    assert answer.json()["language"] == "fr" and answer.json()["enabled"]
    answer = client.post(base + "preview/", {"body": "hello"})
    assert answer.json() == {"ok": True, "text": "[FR] bonjour", "source": "en", "target": "fr"}
    answer = client.post(
        base + "send/", {"original": "hello", "translated": "[FR] bonjour", "source": "en"}
    )
    assert answer.json()["ok"]
    assert Message.objects.filter(conversation=chat, body="[FR] bonjour").exists()
    # An outsider does not find the conversation.
    assert signed_in(charlie).post(base, {"enabled": "on"}).status_code == 404


def test_the_preview_action_reports_the_state(deepl_account, chat, alice, deepl_api):
    deepl_api.fail("/v2/translate", 503)
    answer = signed_in(alice).post(f"/inbox/{chat.public_id}/translation/preview/", {"body": "hi"})
    assert answer.json() == {
        "ok": False,
        "state": "down",
        "error": "The translation service cannot be reached",
    }


def test_notes_are_never_translated(deepl_account, chat, alice, deepl_api):
    from django.test import TestCase

    from messagecenter.conversations import notes

    with TestCase.captureOnCommitCallbacks(execute=True):
        notes.add_note(chat, "hallo team", actor=Actor.for_operator(alice))
    assert deepl_api.calls("/v2/translate") == []


def test_only_the_assigned_operator_sends(deepl_account, chat, bob):
    with pytest.raises(PermissionDenied):
        outbound.send_translated(chat, "hi", "[DE] hi", actor=Actor.for_operator(bob))


def test_the_toggle_is_the_accounts_languages_only(deepl_account, chat, alice):
    from messagecenter.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.set_toggle(chat, enabled=True, language="xx", actor=Actor.for_operator(alice))
    assert Status  # imported for the fixture's status
