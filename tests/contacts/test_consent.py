"""A contact's consent per channel: a log of decisions, the latest holds, withdrawal refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messagecenter.contacts import consent, gdpr
from messagecenter.contacts.models import ContactConsent
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_nothing_recorded_allows_an_answer_but_not_an_opening_that_needs_an_opt_in(contact):
    assert consent.allows(contact, "sms") is True
    assert consent.allows(contact, "whatsapp", require_opt_in=True) is False


def test_the_latest_decision_holds_and_the_history_keeps_every_one(contact, alice):
    start = clock.now()
    consent.record(
        contact,
        "sms",
        granted=True,
        source="operator",
        at=start,
        actor=Actor.for_operator(alice),
        note="asked on the phone",
    )
    consent.record(
        contact, "sms", granted=False, source="sms_keyword", at=start + timedelta(minutes=5)
    )

    assert consent.allows(contact, "sms") is False
    assert consent.current(contact, "sms").source == "sms_keyword"
    assert [(c.granted, c.source) for c in consent.history(contact)] == [
        (False, "sms_keyword"),
        (True, "operator"),
    ]
    assert consent.history(contact)[1].recorded_by == alice


def test_marketing_is_its_own_decision(contact):
    consent.record(contact, "whatsapp", granted=True, source="operator")
    consent.record(
        contact, "whatsapp", granted=False, source="whatsapp_preferences", purpose="marketing"
    )
    assert consent.allows(contact, "whatsapp", require_opt_in=True) is True
    assert consent.allows(contact, "whatsapp", "marketing") is False


def test_an_unknown_channel_or_a_missing_source_changes_nothing(contact):
    with pytest.raises(ValidationFailed):
        consent.record(contact, "pigeon", granted=True, source="operator")
    with pytest.raises(ValidationFailed):
        consent.record(contact, "sms", granted=True, source="")
    assert ContactConsent.objects.count() == 0


def test_an_operator_of_another_account_cannot_record(contact, charlie):
    with pytest.raises(ValidationFailed):
        consent.record(
            contact, "sms", granted=True, source="operator", actor=Actor.for_operator(charlie)
        )
    assert ContactConsent.objects.count() == 0


def test_erasing_the_contact_erases_their_consents(contact, alice):
    consent.record(contact, "sms", granted=True, source="operator")
    gdpr.erase_contact(contact, actor=Actor.for_operator(alice))
    assert ContactConsent.objects.count() == 0


def test_the_data_export_holds_the_consent_history(contact, alice):
    import io
    import json
    import zipfile

    consent.record(contact, "whatsapp", granted=True, source="operator", note="signed form")
    archive = zipfile.ZipFile(
        io.BytesIO(gdpr.export_contact(contact, actor=Actor.for_operator(alice)))
    )
    [decision] = json.loads(archive.read("contact.json"))["consents"]
    assert (decision["channel"], decision["granted"], decision["note"]) == (
        "whatsapp",
        True,
        "signed form",
    )
