"""Contact identifiers: normalised so the same person matches however it was typed."""

from __future__ import annotations

import pytest

from messagecenter.contacts.identities import normalise_email, normalise_phone
from messagecenter.contacts.services import add_identity, create_contact, find_by_identity
from messagecenter.core.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed", ["+49 151 23456789", "0151 23456789", "0049 151 2345 6789", "+49 (151) 234-567-89"]
)
def test_phone_notations_normalise_to_e164(typed):
    assert normalise_phone(typed) == "+4915123456789"


def test_invalid_phone_and_email_are_refused():
    with pytest.raises(ValidationFailed):
        normalise_phone("12")
    with pytest.raises(ValidationFailed):
        normalise_email("not-an-address")
    assert normalise_email(" Clara@Example.COM ") == "clara@example.com"


def test_contact_found_by_any_notation(account):
    contact = create_contact(account, name="Jörg", phone="0151 23456789", email="Joerg@Example.com")
    assert find_by_identity(account, "phone", "+49 151 2345 6789") == contact
    assert find_by_identity(account, "email", "joerg@example.com") == contact


def test_identifier_belongs_to_one_contact_per_account(account, other_account):
    create_contact(account, email="same@example.com")
    with pytest.raises(Conflict):
        create_contact(account, email="SAME@example.com")
    create_contact(other_account, email="same@example.com")  # other accounts are separate


def test_bad_identity_changes_nothing(account):
    contact = create_contact(account, name="Anna")
    with pytest.raises(ValidationFailed):
        add_identity(contact, "phone", "abc")
    assert contact.identities.count() == 0


def test_operator_edits_contact_details(account, alice):
    from messagecenter.contacts.fields import define_field
    from messagecenter.contacts.services import update_contact
    from messagecenter.core.actors import Actor

    define_field(
        account, actor=Actor.for_operator(alice), key="delivery_address", label="Lieferadresse"
    )
    contact = create_contact(account, name="Anna", email="anna@example.com")
    update_contact(
        contact,
        actor=Actor.for_operator(alice),
        name="Anna Berg",
        email="anna.berg@example.com",
        phone="0151 23456789",
        custom_fields={"delivery_address": "Hauptstr. 1"},
    )
    contact.refresh_from_db()
    assert contact.name == "Anna Berg"
    assert dict(contact.identities.values_list("kind", "value")) == {
        "email": "anna.berg@example.com",
        "phone": "+4915123456789",
    }
    assert contact.custom_fields == {"delivery_address": "Hauptstr. 1"}


def test_bad_contact_edit_changes_nothing(account, alice, charlie):
    from messagecenter.contacts.services import update_contact
    from messagecenter.core.actors import Actor
    from messagecenter.core.errors import NotFound

    contact = create_contact(account, name="Anna", email="anna@example.com")
    with pytest.raises(ValidationFailed):
        update_contact(contact, actor=Actor.for_operator(alice), name="Neu", phone="xyz")
    with pytest.raises(NotFound):
        update_contact(contact, actor=Actor.for_operator(charlie), name="Hack")
    contact.refresh_from_db()
    assert contact.name == "Anna" and contact.email == "anna@example.com"


@pytest.mark.parametrize(
    ("type_", "options", "raw", "expected"),
    [
        ("number", [], "12,5", 12.5),
        ("number", [], "3", 3),
        ("date", [], "31.03.2026", "2026-03-31"),
        ("select", ["Gold", "Silber"], "Gold", "Gold"),
        ("text", [], " frei ", "frei"),
    ],
)
def test_custom_field_values_are_typed(account, alice, type_, options, raw, expected):
    from messagecenter.contacts.fields import clean_values, define_field
    from messagecenter.core.actors import Actor

    define_field(
        account,
        actor=Actor.for_operator(alice),
        key="feld",
        label="Feld",
        type=type_,
        options=options,
    )
    assert clean_values(account.pk, {"feld": raw}) == {"feld": expected}


@pytest.mark.parametrize(
    ("type_", "options", "raw"),
    [
        ("number", [], "zwölf"),
        ("date", [], "morgen"),
        ("select", ["Gold"], "Bronze"),
        ("text", [], "x" * 501),
    ],
)
def test_bad_custom_field_values_are_refused(account, alice, type_, options, raw):
    from messagecenter.contacts.fields import clean_values, define_field
    from messagecenter.core.actors import Actor

    define_field(
        account,
        actor=Actor.for_operator(alice),
        key="feld",
        label="Feld",
        type=type_,
        options=options,
    )
    with pytest.raises(ValidationFailed):
        clean_values(account.pk, {"feld": raw})
    with pytest.raises(ValidationFailed, match="Unknown custom field"):
        clean_values(account.pk, {"unbekannt": "x"})
