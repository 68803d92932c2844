"""The one search function, on whichever database the suite runs (SQLite FTS5 or PostgreSQL
tsvector + GIN): words in messages and notes, contact fields, phone numbers; and what must
never be found again (deleted messages and notes, erased contacts, other accounts)."""

from __future__ import annotations

import pytest

from messagecenter.contacts.services import add_identity, update_contact
from messagecenter.conversations import notes, services
from messagecenter.core.actors import Actor
from messagecenter.search import forget_contact, indexing, query
from messagecenter.search.models import ContactDocument, MessageDocument
from messagecenter.search.query import search
from tests.search.conftest import found, new_contact

pytestmark = pytest.mark.django_db


# --- words in messages ---------------------------------------------------------------------


def test_german_stemming_finds_other_forms_of_a_word(account, say):
    mine = say("Meine Bestellung ist nicht angekommen")
    other = say("Wo ist mein Paket?")

    # "bestellungen" is no prefix of "bestellung": found by the common stem "bestell"
    assert found(account, "Bestellungen") == {mine.pk}
    assert found(account, "angekommenen") == {mine.pk}
    assert other.pk not in found(account, "Bestellungen")


def test_english_stemming_finds_other_forms_of_a_word(account, say):
    mine = say("I ordered two kettles last week")

    assert found(account, "orders") == {mine.pk}
    assert found(account, "kettle") == {mine.pk}


@pytest.mark.parametrize("typed", ["Müller", "MÜLLER", "Mueller", "Muller", "müll"])
def test_umlauts_are_found_however_they_are_typed(account, say, typed):
    mine = say("Herr Müller hat angerufen")

    assert found(account, typed) == {mine.pk}


@pytest.mark.parametrize("typed", ["Straße", "Strasse", "STRASSE"])
def test_sharp_s_and_ss_are_the_same(account, say, typed):
    mine = say("Die Lieferung ging an die falsche Straße")

    assert found(account, typed) == {mine.pk}


def test_plural_with_umlaut_finds_the_singular(account, say):
    mine = say("Wir verkaufen Häuser und Wohnungen")

    assert found(account, "Haus") == {mine.pk}


def test_prefix_search_starts_at_three_characters(account, say):
    mine = say("Bitte prüfen Sie die Lieferadresse")

    assert found(account, "lie") == {mine.pk}
    assert found(account, "lief") == {mine.pk}
    assert found(account, "li") == set()  # two letters: whole words only


def test_every_word_must_match_in_the_same_message(account, say):
    both = say("Die Rechnung für die Bestellung fehlt")
    split = say("Die Rechnung ist da", "Die Bestellung auch")

    assert found(account, "Rechnung Bestellung") == {both.pk}
    assert split.pk in found(account, "Rechnung")


def test_later_messages_and_operator_replies_are_found(account, say, alice):
    conversation = say("Hallo")
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    services.post_operator_message(
        conversation, "Ihr **Gutschein** ist unterwegs", actor=Actor.for_operator(alice)
    )

    assert found(account, "Gutschein") == {conversation.pk}


def test_notes_are_found(account, say, alice):
    conversation = say("Hallo")
    notes.add_note(conversation, "Kunde ist Stammkunde seit 2019", actor=Actor.for_operator(alice))

    assert found(account, "Stammkunde") == {conversation.pk}


# --- contact fields --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["Jürgen", "juergen", "Köhler", "koehler@firma.example", "firma.example", "Nordlicht",
     "KD-4711", "4711", "80331", "AT"],
)  # fmt: skip
def test_contact_fields_are_found(account, widget, say, typed):
    jurgen = new_contact(
        account,
        name="Jürgen Köhler",
        email="koehler@firma.example",
        company="Nordlicht AG",
        customer_id="KD-4711",
        postcode="80331",
        country="AT",
    )
    conversation = say("Guten Tag", contact=jurgen)
    say("Etwas anderes", contact=new_contact(account, name="Lena Lang", country="DE"))

    assert found(account, typed) == {conversation.pk}


def test_every_conversation_of_a_found_contact_is_found(account, say):
    clara = new_contact(account, name="Clara Zettel")
    first, second = say("Eins", contact=clara), say("Zwei", contact=clara)

    assert found(account, "Zettel") == {first.pk, second.pk}


def test_edited_contact_details_are_searchable_and_old_ones_are_not(account, say, alice):
    contact = new_contact(account, name="Alt Name")
    conversation = say("Hallo", contact=contact)

    update_contact(
        contact, actor=Actor.for_operator(alice), name="Neu Name", email="neu@example.org"
    )

    assert found(account, "Neu") == {conversation.pk}
    assert found(account, "neu@example.org") == {conversation.pk}
    assert found(account, "Alt") == set()


def test_an_added_email_identity_is_searchable(account, say):
    contact = new_contact(account, name="Ohne Mail", email="")
    conversation = say("Hallo", contact=contact)

    add_identity(contact, "email", "spaeter@example.net")

    assert found(account, "spaeter@example.net") == {conversation.pk}


# --- phone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["+4915123456789", "+49 151 23456789", "0151 23456789", "0049 151 234 567 89",
     "+49 (151) 2345-6789", "0151/23456789"],
)  # fmt: skip
def test_phone_numbers_are_found_in_any_common_notation(account, say, typed):
    caller = new_contact(account, name="Rita Ruf", phone="0151 23456789")
    conversation = say("Rufen Sie mich an", contact=caller)
    say("Anderer Kunde", contact=new_contact(account, phone="+49 151 99999999"))

    result = search(account, typed)

    assert result.plan == "phone"
    assert result.phone == "+4915123456789"
    assert found(account, typed) == {conversation.pk}


def test_a_number_that_is_no_phone_number_is_searched_as_words(account, say):
    conversation = say("Meine Bestellnummer ist 12345678")

    assert search(account, "12345678").plan != "phone"
    assert found(account, "12345678") == {conversation.pk}


# --- never found -------------------------------------------------------------------------------


def test_a_deleted_message_is_not_found_any_more(account, say, alice):
    conversation = say("Hallo")
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    entry = services.post_operator_message(
        conversation, "Ihr Passwort lautet Geheim123", actor=Actor.for_operator(alice)
    )
    services.post_operator_message(
        conversation, "Bitte ändern Sie es", actor=Actor.for_operator(alice)
    )

    services.delete_message(conversation, entry.seq, actor=Actor.for_operator(alice))

    assert found(account, "Geheim123") == set()
    assert found(account, "Passwort") == set()
    assert found(account, "ändern") == {conversation.pk}
    assert not MessageDocument.objects.filter(pk=entry.pk).exists()


def test_a_deleted_note_is_not_found_and_an_edited_one_only_by_its_new_text(account, say, alice):
    conversation = say("Hallo")
    deleted = notes.add_note(
        conversation, "Vertraulich: Kreditkarte", actor=Actor.for_operator(alice)
    )
    edited = notes.add_note(conversation, "Erster Entwurf", actor=Actor.for_operator(alice))

    notes.delete_note(conversation, deleted.seq, actor=Actor.for_operator(alice))
    notes.edit_note(conversation, edited.seq, "Endgültige Fassung", actor=Actor.for_operator(alice))

    assert found(account, "Kreditkarte") == set()
    assert found(account, "Entwurf") == set()
    assert found(account, "Fassung") == {conversation.pk}


def test_an_erased_contact_can_never_be_found_again(account, say):
    erased = new_contact(account, name="Erika Erased", phone="0151 11122233")
    conversation = say("Meine Adresse ist Geheimweg 7", contact=erased)
    keep = say("Geheimweg ist auch mein Weg")

    forget_contact(erased.pk)

    assert found(account, "Erika") == set()
    assert found(account, "Geheimweg") == {keep.pk}
    assert conversation.pk not in found(account, "Adresse")
    assert not ContactDocument.objects.filter(pk=erased.pk).exists()


def test_another_accounts_conversations_are_never_found(account, other_account, say, charlie):
    from messagecenter.widgets.services import create_widget

    mine = say("Streng geheime Bestellung")
    globex_widget = create_widget(other_account, "Globex")
    globex_contact = new_contact(other_account, name="Streng Geheim")
    services.start_conversation(
        globex_widget, globex_contact, "Streng geheime Bestellung",
        actor=Actor.for_contact(globex_contact),
    )  # fmt: skip

    assert found(account, "Streng geheim") == {mine.pk}
    assert found(other_account, "Streng geheim") != {mine.pk}


# --- plans, snippets, rebuilding ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selective_limit", "broad_from", "plan"),
    [(5000, 50_000, "selective"), (0, 1000, "medium"), (0, 0, "broad")],
)
def test_every_plan_finds_the_same(account, say, monkeypatch, selective_limit, broad_from, plan):
    """GIVEN words as rare or as common as the thresholds make them WHEN searching THEN each
    plan (listed ids, a collected set, a per-conversation check) finds the same."""
    expected = {
        say("Die Bestellung kam nicht").pk,
        say("Bestellungen bitte stornieren").pk,
        say("Nichts", contact=new_contact(account, name="Bestellbert")).pk,
    }
    say("Ganz anderes Thema")
    monkeypatch.setattr(query, "SELECTIVE_LIMIT", selective_limit)
    monkeypatch.setattr(query, "BROAD_FROM", broad_from)

    assert search(account, "bestell").plan == plan
    assert found(account, "bestell") == expected
    assert found(account, "Bestellungen stornieren") == {sorted(expected)[1]}


def test_snippets_mark_the_matching_words_and_escape_the_rest(account, say):
    conversation = say("Ist <b>das</b> meine Bestellung? " + "Viel Text davor. " * 10)

    result = search(account, "Bestellungen")
    snippet = result.snippets([conversation])[conversation.pk]

    assert snippet.kind == "message"
    assert "<mark>Bestellung</mark>" in snippet.html
    assert "&lt;b&gt;das&lt;/b&gt;" in snippet.html
    assert snippet.html.endswith("…")


def test_snippets_say_why_a_contact_matched(account, say):
    conversation = say("Hallo", contact=new_contact(account, name="Petra Pfau", company="Pfau KG"))

    result = search(account, "Pfau")
    (snippet,) = result.snippets([conversation]).values()

    assert snippet.kind == "contact"
    assert snippet.html.count("<mark>Pfau</mark>") == 2


def test_rebuilding_the_index_writes_the_same_documents(account, say, alice):
    conversation = say("Bestellung 1", "Bestellung 2")
    notes.add_note(conversation, "Notiz zur Bestellung", actor=Actor.for_operator(alice))
    before = sorted(MessageDocument.objects.values_list("pk", "conversation_id"))

    MessageDocument.objects.all().delete()
    ContactDocument.objects.all().delete()
    counts = indexing.rebuild(account.pk)

    assert counts == {"messages": 2, "notes": 1, "contacts": 1}
    assert sorted(MessageDocument.objects.values_list("pk", "conversation_id")) == before
    assert found(account, "Notiz") == {conversation.pk}


def test_an_empty_or_wordless_query_does_not_filter(account, say):
    say("Hallo")

    assert search(account, "").active is False
    assert search(account, " ?! ").active is False


def test_the_rebuild_command(account, say):
    from io import StringIO

    from django.core.management import call_command

    say("Hallo Welt")
    MessageDocument.objects.all().delete()
    out = StringIO()

    call_command("search_rebuild", "--account", account.public_id, stdout=out)

    assert out.getvalue().strip() == "indexed 1 messages, 0 notes, 1 contacts"
    assert len(found(account, "Welt")) == 1


# --- SQLite's vocabulary (prefix expansion) ---------------------------------------------------


def _vocabulary() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT term FROM search_term")
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def sqlite_only():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the vocabulary serves SQLite's FTS5 only")


def test_long_prefixes_are_expanded_into_the_words_they_start(account, say, sqlite_only):
    from messagecenter.search import backends
    from messagecenter.search.text import query_terms

    lieferung = say("Die Lieferung kam nicht")
    say("Lieber nicht")

    (expanded,) = backends.current().expand(query_terms("liefe"))

    assert expanded.prefix is None
    assert {"lieferung", "liefer"} <= set(expanded.exact)
    assert found(account, "liefe") == {lieferung.pk}
    assert found(account, "liefz") == set()


def test_deleted_and_erased_words_leave_the_vocabulary(account, say, alice, sqlite_only):
    erased = new_contact(account, name="Zacharias Unikatname")
    say("Mein Kennwort ist Xylophon42", contact=erased)
    conversation = say("Hallo")
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    entry = services.post_operator_message(
        conversation, "Ihr Code lautet Quokka7", actor=Actor.for_operator(alice)
    )
    note = notes.add_note(conversation, "Alter Vermerk Pelikan", actor=Actor.for_operator(alice))
    assert {"unikatname", "xylophon42", "quokka7", "pelikan", "hallo"} <= _vocabulary()

    forget_contact(erased.pk)
    services.delete_message(conversation, entry.seq, actor=Actor.for_operator(alice))
    notes.edit_note(conversation, note.seq, "Neuer Vermerk", actor=Actor.for_operator(alice))

    left = _vocabulary()
    assert not {"unikatname", "xylophon42", "quokka7", "pelikan"} & left
    assert {"hallo", "vermerk", "neuer"} <= left


# --- indexing in batches (issue "Speed", item 4) -------------------------------------------


def indexed_contacts(account, text: str) -> list[int]:
    """The contacts whose index document holds the words (as the contact list looks them up)."""
    from messagecenter.directory.search import _indexed

    return sorted(_indexed(account, text))


def test_a_batch_of_contacts_is_indexed_with_a_constant_number_of_queries(
    account, django_assert_max_num_queries
):
    """GIVEN 60 contacts written without signals, as the importer's bulk insert writes them
    WHEN they are indexed together THEN one bulk delete and one bulk insert do it, whatever
    the batch size (not a DELETE and an INSERT per contact)."""
    from messagecenter.contacts.models import Contact, ContactIdentity

    contacts = Contact.objects.bulk_create(
        [Contact(account=account, name=f"Stapel {n}", company="Massenimport") for n in range(60)]
    )
    ContactIdentity.objects.bulk_create(
        [
            ContactIdentity(account=account, contact=c, kind="email", value=f"s{n}@stapel.example")
            for n, c in enumerate(contacts)
        ]
    )

    with django_assert_max_num_queries(6):
        indexing.index_contacts([c.pk for c in contacts])

    assert ContactDocument.objects.filter(account=account).count() == 60
    assert set(indexed_contacts(account, "Massenimport")) == {c.pk for c in contacts}


def test_re_indexing_a_batch_replaces_documents_and_forgets_old_words(account):
    from messagecenter.contacts.models import Contact

    first, second = new_contact(account, name="Altwort Eins"), new_contact(account, name="Zwei")
    Contact.objects.filter(pk=first.pk).update(name="Neuwort Eins")  # bypasses save()

    indexing.index_contacts([first.pk, second.pk])

    assert indexed_contacts(account, "Neuwort") == [first.pk]
    assert indexed_contacts(account, "Altwort") == []
    assert ContactDocument.objects.filter(account=account).count() == 2
