"""Every operator page runs a fixed number of queries, whatever the data size (issue "Speed",
item 3). Each page is fetched with a little data and again with twenty times more; the count
must not move and stays at its pinned value (raise a pin only with a reason).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messagecenter.contacts.services import create_contact
from messagecenter.conversations import notes, services
from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from tests.helpers import conversation_in, start

pytestmark = pytest.mark.django_db

# page -> the queries it runs: session and operator (2), the shell (3: groups, inbox counts,
# unread notifications), then the page's own reads. Search on PostgreSQL adds its planning
# statements (term frequencies, prefix vocabulary, ``SET LOCAL jit``; docs/search.md).
PINS = {
    "home": 10,  # + my day (analytics): one aggregate; its median only once there is one
    "inbox": 6,
    # The analytics version, per period its day roll-ups and one percentile query, the
    # three breakdowns, feedback, presence and slot intervals, the filter choices.
    "analytics": 24,
    "inbox_unassigned": 6,
    # +5: the translations of the page, the toggle, the provider settings, the languages the
    # operator reads, and the contact's texts for the suggested language (translation app).
    # +2: the action bar's add-ons and the Add-ons panel's latest runs (addons app).
    "conversation": 25,  # + the files operators sent on the messenger (one per page)
    # +1 each: the add-ons offered for "Run add-on" (addons app).
    "archive": 12,
    "archive_filtered": 12,
    "archive_search": 18,
    "contacts": 8,
    # + the account's e-mail channels ("Write e-mail") and WhatsApp numbers ("WhatsApp")
    "contact_profile": 16,
    "notifications": 7,
    "operators": 9,
}
POSTGRES_PINS = {"archive_search": 28}


def _grow(account, widget, alice, bob, n: int) -> None:
    """``n`` contacts, each with an OPEN conversation of Alice's (notifications, notes), an
    unassigned one, and an ended one of Bob's."""
    for i in range(n):
        contact = create_contact(account, name=f"Kundin {n}-{i}", email=f"k{n}-{i}@example.com")
        mine = conversation_in(Status.OPEN, widget, contact, alice)
        notes.add_note(mine, f"Notiz {i} für @bob", actor=Actor.for_operator(alice))
        start(widget, contact, f"Paket {i} fehlt")
        ended = conversation_in(Status.ENDED, widget, contact, bob)
        services.post_contact_message(ended, "Danke", actor=Actor.for_contact(contact))


def _urls(conversation, contact) -> dict[str, str]:
    return {
        "home": reverse("home"),
        "inbox": reverse("inbox"),
        "inbox_unassigned": reverse("inbox") + "?tab=unassigned",
        "conversation": reverse("conversation", args=[conversation.public_id]),
        "archive": reverse("archive"),
        "archive_filtered": reverse("archive") + "?status=open&period=30d",
        "archive_search": reverse("archive") + "?q=Paket",
        "contacts": reverse("contact_list"),
        "contact_profile": reverse("contact_profile", args=[contact.public_id]),
        "notifications": reverse("notifications"),
        "operators": reverse("operators"),
        "analytics": reverse("analytics"),
    }


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_every_page_runs_a_fixed_number_of_queries(client, account, widget, alice, bob):
    """GIVEN one of everything WHEN there are twenty times as many conversations, contacts,
    notes and notifications THEN each page runs the same number of queries, within its pin."""
    client.force_login(alice)
    _grow(account, widget, alice, bob, 1)
    contact = create_contact(account, name="Clara", email="clara@example.com")
    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    urls = _urls(conversation, contact)
    small = {name: _count(client, url) for name, url in urls.items()}

    _grow(account, widget, alice, bob, 20)
    for i in range(20):
        services.post_contact_message(
            conversation, f"Noch etwas {i}", actor=Actor.for_contact(contact)
        )
    large = {name: _count(client, url) for name, url in urls.items()}

    assert large == small
    pins = PINS | (POSTGRES_PINS if connection.vendor == "postgresql" else {})
    assert large == pins
