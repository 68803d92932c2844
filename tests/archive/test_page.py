"""The All conversations page: access, order, keyset pages, search results, constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from messagecenter.archive import queries
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import notes, services
from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from tests.archive.conftest import JSON

pytestmark = pytest.mark.django_db


def ids_on(response) -> list[str]:
    return [row.id for row in response.context["rows"]]


def test_signed_out_visitors_go_to_the_sign_in_page(client):
    response = client.get(reverse("archive"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_shows_active_and_ended_conversations_newest_activity_first(
    alice_client, make, alice, clock
):
    older = make(operator=alice, status=Status.ENDED)
    clock.shift(timedelta(minutes=5))
    newer = make()
    clock.shift(timedelta(minutes=5))
    services.post_contact_message(older, "Noch was", actor=Actor.for_contact(older.contact))

    response = alice_client.get(reverse("archive"))

    assert response.status_code == 200
    assert ids_on(response) == [older.public_id, newer.public_id]
    assert response.context["section"] == "archive"
    assert b'id="archive-rows"' in response.content


def test_an_outsider_sees_none_of_the_accounts_conversations(client, make, charlie):
    make()
    client.force_login(charlie)

    response = client.get(reverse("archive"))

    assert ids_on(response) == []


def test_keyset_pages_cover_everything_once_newest_first(alice_client, make, monkeypatch, clock):
    monkeypatch.setattr(queries.page, "__defaults__", ("", 3))  # pages of 3 instead of 50
    made = []
    for _ in range(7):
        made.append(make().public_id)
        clock.shift(timedelta(seconds=1))

    first = alice_client.get(reverse("archive"))
    second = alice_client.get(reverse("archive") + first.context["next_url"])
    third = alice_client.get(reverse("archive") + second.context["next_url"])

    pages = [ids_on(first), ids_on(second), ids_on(third)]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert pages[0] + pages[1] + pages[2] == list(reversed(made))
    assert third.context["next_url"] == ""


def test_a_tampered_cursor_shows_the_first_page(alice_client, make):
    newest = make()

    response = alice_client.get(reverse("archive"), {"after": "forged:cursor"})

    assert ids_on(response)[0] == newest.public_id


def test_filters_stay_in_the_next_page_link(alice_client, make, monkeypatch, alice):
    monkeypatch.setattr(queries.page, "__defaults__", ("", 1))
    make(operator=alice)
    make(operator=alice)

    response = alice_client.get(reverse("archive"), {"operator": alice.public_id, "q": "Hallo"})

    assert f"operator={alice.public_id}" in response.context["next_url"]
    assert "q=Hallo" in response.context["next_url"]
    assert "after=" in response.context["next_url"]


def test_search_results_show_the_highlighted_snippet(alice_client, make):
    make("Wo bleibt meine Bestellung?")
    make("Ganz anderes")

    response = alice_client.get(reverse("archive"), {"q": "bestellungen"})

    (row,) = response.context["rows"]
    assert row.text_kind == "message"
    assert "<mark>Bestellung</mark>" in row.text
    assert b"<mark>Bestellung</mark>" in response.content


def test_rows_as_json_for_the_page_script(alice_client, make):
    conversation = make("Hallo Welt")

    response = alice_client.get(reverse("archive"), {"q": "Welt"}, **JSON)

    body = response.json()
    assert conversation.public_id in body["html"]
    assert body["next"] == ""
    assert body["plan"] == "selective"


def test_count_of_all_matching(alice_client, make, alice):
    make(operator=alice)
    make(operator=alice)
    make()

    response = alice_client.get(reverse("archive_count"), {"operator": alice.public_id})

    assert response.json() == {"count": 2}


def _page_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries_run:
        response = client.get(reverse("archive"), params)
    assert response.status_code == 200
    return len(queries_run.captured_queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "Rechnung"}, {"q": "Kim"}, {"status": "ended", "operator": "none", "period": "30d"}],
)
def test_queries_per_page_do_not_grow_with_the_data(alice_client, make, alice, account, params):
    kim = create_contact(account, name="Kim Rechnung", email="kim@example.com")
    for _ in range(2):
        conversation = make("Die Rechnung bitte", contact=kim)
        notes.add_note(conversation, "Rechnung geprüft", actor=Actor.for_operator(alice))
        services.end_conversation(conversation, actor=Actor.for_operator(alice))
    small = _page_queries(alice_client, params)

    for n in range(60):
        contact = kim if n % 3 == 0 else None
        conversation = make("Die Rechnung bitte", contact=contact)
        services.post_contact_message(
            conversation, "Noch eine Rechnung", actor=Actor.for_contact(conversation.contact)
        )
        notes.add_note(conversation, "Rechnung geprüft", actor=Actor.for_operator(alice))
        services.end_conversation(conversation, actor=Actor.for_operator(alice))
    large = _page_queries(alice_client, params)

    assert large == small


def test_the_page_speaks_the_operators_language(client, alice, make):
    from messagecenter.accounts.services import update_profile

    make()
    update_profile(alice, actor=Actor.for_operator(alice), language="de")
    client.force_login(alice)

    # The middleware activates the operator's language for the thread; restore it afterwards.
    with translation.override(translation.get_language()):
        response = client.get(reverse("archive"))

    assert "Alle Unterhaltungen" in response.content.decode()
    assert "Weitere Filter" in response.content.decode()
