"""Contact messages translated as they arrive, through the outbox and a job: into each
reading operator's profile language, cached, never delayed or lost when the provider fails."""

from __future__ import annotations

import pytest

from messagecenter.conversations.events import entry_payload
from messagecenter.conversations.models import Message
from messagecenter.core.actors import Actor
from messagecenter.translation import inbound, services
from messagecenter.translation.models import (
    CachedTranslation,
    ConversationTranslation,
    RowState,
    State,
)
from tests.conftest import capture_events
from tests.translation.conftest import contact_writes, translations_of

pytestmark = pytest.mark.django_db


def test_a_contact_message_is_translated_for_the_operator(deepl_account, chat, deepl_api):
    entry = contact_writes(chat, "Hallo, wo ist meine Bestellung?")
    rows = translations_of(entry)
    assert set(rows) == {"en"}  # Alice's profile language
    assert rows["en"].state == RowState.DONE
    assert rows["en"].translated == "[EN] hello, where is my order?"
    assert rows["en"].source_language == "de"
    # The original stays the message's body.
    assert Message.objects.get(pk=entry.message.pk).body == "Hallo, wo ist meine Bestellung?"
    payload = entry_payload(entry)["message"]["translation"]
    assert payload["direction"] == "in" and payload["items"]["en"]["state"] == "done"
    assert deepl_api.calls("/v2/translate")[0]["source_lang"] == "DE"


def test_the_timeline_updates_when_the_translation_arrives(deepl_account, chat):
    from messagecenter.conversations import services as conversations

    with capture_events() as sent:
        entry = conversations.post_contact_message(
            chat, "Hallo, danke", actor=Actor.for_contact(chat.contact)
        )
    kinds = [event["type"] for event, _groups in sent]
    # First the entry itself (untranslated, in order), later its update with the translation.
    assert kinds.index("timeline.entry") < kinds.index("message.updated")
    updates = [e for e, _g in sent if e["type"] == "message.updated"]
    assert len(updates) == 1
    [updated] = updates
    assert updated["seq"] == entry.seq
    assert updated["entry"]["message"]["translation"]["items"]["en"]["html"]


def test_every_operator_gets_their_language_unless_they_read_the_contacts(deepl_account, chat, bob):
    bob.language = "de"
    bob.save()
    carl = type(bob).objects.create(
        account=bob.account, name="Carl", email="carl@acme.test", language="fr"
    )
    services.set_reading_languages(carl, ["de"], actor=Actor.for_operator(carl))
    entry = contact_writes(chat, "Hallo, wo ist meine Bestellung?")
    # Bob's German is the contact's own; Carl reads German: only Alice's English remains.
    assert set(translations_of(entry)) == {"en"}


def test_without_the_toggle_nothing_is_translated(deepl_account, chat, alice, deepl_api):
    services.set_toggle(chat, enabled=False, language="de", actor=Actor.for_operator(alice))
    entry = contact_writes(chat, "Hallo, wo ist meine Bestellung?")
    assert translations_of(entry) == {}
    assert deepl_api.calls("/v2/translate") == []


def test_the_same_text_again_is_a_cache_hit(deepl_account, chat, deepl_api):
    contact_writes(chat, "Hallo, danke")
    second = contact_writes(chat, "Hallo, danke")
    assert translations_of(second)["en"].translated == "[EN] hello, thanks"
    assert len(deepl_api.calls("/v2/translate")) == 1
    assert CachedTranslation.objects.filter(contact=chat.contact).count() == 1
    assert services.characters_this_month(chat.account) == len("Hallo, danke")


def test_the_contacts_language_is_detected_once_then_pinned(deepl_account, widget, contact, alice):
    from messagecenter.conversations.models import Status
    from tests.helpers import conversation_in

    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    services.set_toggle(conversation, enabled=True, language="", actor=Actor.for_operator(alice))
    contact_writes(conversation, "Guten Tag, ich habe eine Frage zu meiner Bestellung von gestern.")
    toggle = ConversationTranslation.objects.get(conversation=conversation)
    assert (toggle.target_language, toggle.pinned) == ("de", True)
    contact_writes(conversation, "Thank you so much for the quick help with everything today!")
    toggle.refresh_from_db()
    assert toggle.target_language == "de"  # detected once


def test_masked_parts_come_back_untouched(deepl_account, chat):
    text = "Hallo, meine Bestellung #12345 https://shop.example.com/bestellung/hallo ist `hallo`"
    entry = contact_writes(chat, text)
    translated = translations_of(entry)["en"].translated
    assert "#12345" in translated
    assert "https://shop.example.com/bestellung/hallo" in translated
    assert "`hallo`" in translated
    assert translated.startswith("[EN] hello, my order")


def test_an_outage_leaves_the_message_untranslated_with_a_note_and_retries(
    deepl_account, chat, deepl_api, settings
):
    deepl_api.fail("/v2/translate", 503, times=settings.TRANSLATION_MAX_ATTEMPTS)
    entry = contact_writes(chat, "Hallo, danke")
    row = translations_of(entry)["en"]
    # The message is there at once; its translation waits for a retry (scheduled, not slept).
    assert row.state == RowState.PENDING and row.attempts == 1
    assert ConversationTranslation.objects.get(conversation=chat).state == State.DOWN
    for _ in range(settings.TRANSLATION_MAX_ATTEMPTS - 1):
        inbound.translate_message(entry.message.pk)
    row = translations_of(entry)["en"]
    assert row.state == RowState.FAILED and row.error == State.DOWN
    note = entry_payload(entry)["message"]["translation"]["items"]["en"]["note"]
    assert note == "The translation service cannot be reached"


def test_a_rate_limit_is_retried_with_backoff_and_then_succeeds(deepl_account, chat, deepl_api):
    deepl_api.fail("/v2/translate", 429)
    entry = contact_writes(chat, "Hallo, danke")
    assert translations_of(entry)["en"].state == RowState.PENDING
    inbound.translate_message(entry.message.pk)  # the scheduled retry
    row = translations_of(entry)["en"]
    assert row.state == RowState.DONE and row.translated == "[EN] hello, thanks"
    assert ConversationTranslation.objects.get(conversation=chat).state == State.OK


def test_the_retry_backoff_doubles(deepl_account, chat, deepl_api, settings, monkeypatch):
    delays = []
    monkeypatch.setattr(inbound, "enqueue", lambda name, pk, delay: delays.append(delay))
    deepl_api.fail("/v2/translate", 429, times=3)
    entry = contact_writes(chat, "Hallo, danke")
    inbound.translate_message(entry.message.pk)
    inbound.translate_message(entry.message.pk)
    base = settings.TRANSLATION_BACKOFF_SECONDS
    assert delays == [base, base * 2, base * 4]


def test_a_used_up_quota_is_not_retried(deepl_account, chat, deepl_api):
    deepl_api.fail("/v2/translate", 456)
    entry = contact_writes(chat, "Hallo, danke")
    row = translations_of(entry)["en"]
    assert row.state == RowState.FAILED and row.error == State.QUOTA
    assert ConversationTranslation.objects.get(conversation=chat).state == State.QUOTA
    assert Message.objects.get(pk=entry.message.pk).body == "Hallo, danke"


def test_a_privacy_mode_widget_sends_nothing_unless_allowed(deepl_account, chat, deepl_api, alice):
    chat.widget.privacy_mode = True
    chat.widget.save()
    entry = contact_writes(chat, "Hallo, danke")
    assert translations_of(entry)["en"].error == State.PRIVACY
    assert deepl_api.calls("/v2/translate") == []
    from tests.translation.conftest import use_deepl

    use_deepl(chat.account, alice, allow_privacy_widgets=True)
    entry = contact_writes(chat, "Hallo, danke")
    assert translations_of(entry)["en"].state == RowState.DONE


def test_libretranslate_translates_contact_messages_too(libre_account, chat, libre_api):
    entry = contact_writes(chat, "Hallo, wo ist meine Bestellung?")
    assert translations_of(entry)["en"].translated == "[EN] hello, where is my order?"
    assert libre_api.calls("/translate")[0]["source"] == "de"


def test_erasing_the_contact_erases_translations_and_cache(deepl_account, chat, alice):
    from messagecenter.contacts import gdpr
    from messagecenter.translation.models import MessageTranslation

    contact_writes(chat, "Hallo, danke")
    assert CachedTranslation.objects.exists() and MessageTranslation.objects.exists()
    gdpr.erase_contact(chat.contact, actor=Actor.for_operator(alice))
    assert not CachedTranslation.objects.exists()
    assert not MessageTranslation.objects.exists()


def test_switching_the_toggle_on_translates_the_latest_contact_messages(
    deepl_account, widget, contact, alice
):
    from django.test import TestCase

    from messagecenter.conversations.models import Status
    from tests.helpers import conversation_in

    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    earlier = list(Message.objects.filter(conversation=conversation, author_kind="contact"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.set_toggle(
            conversation, enabled=True, language="de", actor=Actor.for_operator(alice)
        )
    for message in earlier:
        row = message.translations.get()
        assert row.state == RowState.DONE and row.translated.startswith("[EN] ")


def test_cached_translations_are_forgotten_after_thirty_days(deepl_account, chat, clock):
    contact_writes(chat, "Hallo, danke")
    clock.shift(29 * 86400)
    assert services.prune_cache() == 0
    clock.shift(2 * 86400)
    assert services.prune_cache() == 1
    assert not CachedTranslation.objects.exists()


def test_only_translating_conversations_cost_the_writer_an_outbox_row(deepl_account, chat, alice):
    """The outbox asks in the writer whether translation wants the message: a conversation
    with the toggle off leaves no row for the translation job, one switched on does."""
    from django.test import TestCase

    from messagecenter.conversations import services as conversations
    from messagecenter.jobs.models import OutboxEvent

    def rows_after_a_contact_message() -> int:
        with TestCase.captureOnCommitCallbacks(execute=False):  # no drain: the row stays
            conversations.post_contact_message(chat, "Hallo", actor=Actor.for_contact(chat.contact))
        return OutboxEvent.objects.filter(job=inbound.JOB).count()

    assert rows_after_a_contact_message() == 1
    services.set_toggle(chat, enabled=False, language="", actor=Actor.for_operator(alice))
    OutboxEvent.objects.all().delete()
    assert rows_after_a_contact_message() == 0


def test_switching_translation_on_is_seen_by_the_next_message_at_once(deepl_account, chat, alice):
    """The writers' cached "no conversation translates" is reset when a toggle is switched on:
    the very next contact message is translated, not one up to ten seconds later."""
    from django.test import TestCase

    services.set_toggle(chat, enabled=False, language="", actor=Actor.for_operator(alice))
    assert inbound.any_conversation_translates() is False  # cached: no toggle is on
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.set_toggle(chat, enabled=True, language="de", actor=Actor.for_operator(alice))
    entry = contact_writes(chat, "Hallo, noch eine Frage")
    assert translations_of(entry)["en"].state == RowState.DONE
