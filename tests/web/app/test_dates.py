"""Dates in the operator's language: "1. Dez. 2026" in German, "1 Dec 2026" in English, on
the server (Django's localisation with our format module) and in the browser (Intl)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from messagecenter.contacts.services import create_contact
from messagecenter.conversations.models import Status
from tests.helpers import conversation_in

DECEMBER = datetime(2026, 12, 1, 14, 5, tzinfo=UTC)
DATES = Template("{{ at|date:'DATE_FORMAT' }} | {{ at|date:'DATETIME_FORMAT' }}")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "1 Dec 2026 | 1 Dec 2026, 14:05"), ("de", "1. Dez. 2026 | 1. Dez. 2026, 14:05")],
)
def test_named_date_formats_follow_the_language(language, expected):
    with translation.override(language), timezone.override("UTC"):
        assert DATES.render(Context({"at": DECEMBER})) == expected


@pytest.mark.django_db
def test_the_contact_profile_writes_german_dates(alice_client, alice, account):
    with time_machine.travel(DECEMBER, tick=False):
        contact = create_contact(account, name="Clara Kundin")
    alice.language = "de"
    alice.save(update_fields=["language"])
    html = alice_client.get(reverse("contact_profile", args=[contact.public_id])).content.decode()
    assert "Kontakt seit 1. Dez. 2026" in html
    assert "1 Dez 2026" not in html


SCRIPT_DATES = """() => import("/static/web/js/util.js").then((m) => {
  const now = Date.parse("2026-12-03T14:05:00Z");
  return [m.formatDate("2026-12-01T14:05:00Z"), m.since("2026-12-01T14:05:00Z", now),
          m.since("2026-12-03T13:05:00Z", now), m.since("2026-12-03T14:01:00Z", now)];
})"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_writes_dates_in_the_operators_language(
    app_for, account, support_group, alice, widget, contact
):
    from messagecenter.accounts import services as accounts

    dora = accounts.create_operator(
        account, name="Dora Dahl", email="dora@acme.test", language="de", groups=[support_group]
    )
    conversation_in(Status.OPEN, widget, contact, alice)
    english = app_for(alice).open("/inbox/").evaluate(SCRIPT_DATES)
    german = app_for(dora).open("/inbox/").evaluate(SCRIPT_DATES)

    assert english == ["Dec 1, 2026", "2 days ago", "1 hr. ago", "4 min. ago"]
    assert german == ["1. Dez. 2026", "vorgestern", "vor 1 Std.", "vor 4 Min."]
