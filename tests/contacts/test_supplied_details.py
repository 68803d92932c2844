"""A contact fills in the messenger's pre-chat or offline form (contacts.supply_details):
only their own details, only gaps, and never a hint about who else is a contact."""

from __future__ import annotations

import pytest

from messagecenter.contacts.services import create_contact, supply_details
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def test_the_form_fills_name_email_and_phone_unverified(account):
    kim = create_contact(account, name="")

    supply_details(
        kim,
        actor=Actor.for_contact(kim),
        name="Kim",
        email="Kim@Example.com",
        phone="0151 23456789",
    )

    kim.refresh_from_db()
    assert kim.name == "Kim"
    identities = dict(kim.identities.values_list("kind", "value"))
    assert identities == {"email": "kim@example.com", "phone": "+4915123456789"}
    assert not kim.identities.filter(verified_at__isnull=False).exists()


def test_what_the_team_knows_stays(account):
    kim = create_contact(account, name="Kim Kundin", email="kim@example.com")

    supply_details(kim, actor=Actor.for_contact(kim), name="K", email="other@example.com")

    kim.refresh_from_db()
    assert kim.name == "Kim Kundin"
    assert list(kim.identities.values_list("value", flat=True)) == ["kim@example.com"]


def test_an_address_of_another_contact_is_quietly_not_attached(account, contact):
    visitor = create_contact(account, name="")

    supply_details(visitor, actor=Actor.for_contact(visitor), email=contact.email)

    assert not visitor.identities.exists()
    assert contact.identities.filter(value=contact.email).exists()


def test_a_bad_address_is_refused_and_nothing_is_written(account):
    kim = create_contact(account, name="")
    with pytest.raises(ValidationFailed):
        supply_details(kim, actor=Actor.for_contact(kim), name="Kim", email="kim@")
    kim.refresh_from_db()
    assert kim.name == ""


def test_only_the_contact_themself(account, contact, alice):
    other = create_contact(account, name="")
    for actor in (Actor.for_contact(contact), Actor.for_operator(alice)):
        with pytest.raises(PermissionDenied):
            supply_details(other, actor=actor, name="Hijack")
