"""Reading over the API: the conversation list (filters, keyset pages, constant query count),
one conversation, and its timeline after N."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messagecenter.contacts.services import create_contact
from messagecenter.conversations.models import Status
from tests.api.conftest import assert_problem
from tests.helpers import conversation_in, start

pytestmark = pytest.mark.django_db


def test_list_shows_summaries_newest_activity_first(alice_api, widget, contact, clock):
    older = start(widget, contact)
    clock.shift(60)
    newer = start(widget, contact)

    response = alice_api.get("/conversations")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [newer.public_id, older.public_id]
    assert items[0]["contact_name"] == "Clara Kundin"
    assert items[0]["status"] == "new"
    assert items[0]["last_seq"] == newer.last_seq
    assert response.json()["next_cursor"] is None


def test_list_filters_by_status(alice_api, widget, contact, alice):
    waiting = conversation_in(Status.WAITING, widget, contact, alice)
    start(widget, contact)

    items = alice_api.get("/conversations", {"status": "waiting"}).json()["items"]

    assert [item["id"] for item in items] == [waiting.public_id]


def test_list_filters_by_assignee(alice_api, widget, contact, alice, bob):
    mine = conversation_in(Status.NEW, widget, contact, alice)
    bobs = conversation_in(Status.NEW, widget, contact, bob)
    nobodys = start(widget, contact)

    def ids(assigned):
        return [
            i["id"] for i in alice_api.get("/conversations", {"assigned": assigned}).json()["items"]
        ]

    assert ids("me") == [mine.public_id]
    assert ids(bob.public_id) == [bobs.public_id]
    assert ids("unassigned") == [nobodys.public_id]


def test_list_filters_by_contact(alice_api, widget, contact, account):
    theirs = start(widget, contact)
    start(widget, create_contact(account, name="Andere"))

    body = alice_api.get("/conversations", {"contact": contact.public_id}).json()

    assert [c["id"] for c in body["items"]] == [theirs.public_id]


def test_assigned_me_needs_a_personal_token(bot_api, widget, contact):
    start(widget, contact)

    response = bot_api.get("/conversations", {"assigned": "me"})

    assert_problem(response, 422, "validation_failed")


def test_list_rejects_unknown_status_with_field_errors(alice_api):
    body = assert_problem(
        alice_api.get("/conversations", {"status": "closed"}), 422, "validation_failed"
    )
    assert body["errors"][0]["loc"] == ["query", "status"]


def test_keyset_pages_cover_every_conversation_once_even_with_equal_times(
    alice_api, widget, contact, clock
):
    """GIVEN 7 conversations of which 4 share one activity instant (the id breaks the tie)
    WHEN paging 3 at a time THEN every conversation appears exactly once, in order."""
    created = []
    for minute in (0, 1, 1, 1, 1, 2, 3):
        clock.move_to(f"2026-03-02T09:{minute:02d}:00+00:00")
        created.append(start(widget, contact).public_id)
    expected = [created[6], created[5], created[4], created[3], created[2], created[1], created[0]]

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = alice_api.get("/conversations", params).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == expected
    assert pages == 3


def test_page_after_cursor_is_stable_when_newer_activity_arrives(alice_api, widget, contact, clock):
    """A conversation that becomes newest while a client pages does not shift later pages."""
    first, second, third = (start(widget, contact) for _ in range(3))
    page1 = alice_api.get("/conversations", {"limit": 2}).json()
    clock.shift(60)
    start(widget, contact)  # new activity at the top

    page2 = alice_api.get("/conversations", {"limit": 2, "cursor": page1["next_cursor"]}).json()

    assert [i["id"] for i in page1["items"] + page2["items"]] == [
        third.public_id,
        second.public_id,
        first.public_id,
    ]


@pytest.mark.parametrize(
    "cursor", ["garbage", "W10", "WyJ4IiwgMV0", "WyIyMDI2LTAzLTAyVDA5OjAwOjAwIiwgMV0"]
)
def test_bad_cursor_is_a_problem(alice_api, cursor):
    body = assert_problem(
        alice_api.get("/conversations", {"cursor": cursor}), 422, "validation_failed"
    )
    assert body["errors"][0]["loc"] == ["query", "cursor"]


def _count_list_queries(api, limit: int) -> int:
    api.get("/conversations", {"limit": 1})  # warm up: the token's last_used stamp is written
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/conversations", {"limit": limit})
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_data_or_page_size(
    alice_api, widget, contact, alice, bob, clock
):
    conversation_in(Status.OPEN, widget, contact, alice)
    small = _count_list_queries(alice_api, limit=2)
    for index in range(12):
        if index % 2:
            conversation_in(Status.WAITING, widget, contact, bob)
        else:
            start(widget, contact)
    large = _count_list_queries(alice_api, limit=25)

    assert small == large
    assert large <= 2  # the token, the page


def test_get_one_conversation(alice_api, widget, contact, alice):
    conversation = conversation_in(Status.WAITING, widget, contact, alice)

    response = alice_api.get(f"/conversations/{conversation.public_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == conversation.public_id
    assert body["assigned_operator"] == alice.public_id
    assert body["status"] == "waiting"
    assert body["channel"] == "webchat"
    assert body["ended_at"] is None


def test_unknown_conversation_is_404(alice_api):
    assert_problem(alice_api.get("/conversations/cv_doesnotexist"), 404, "not_found")


def test_timeline_returns_every_entry_in_order(alice_api, widget, contact, alice):
    conversation = conversation_in(Status.WAITING, widget, contact, alice)

    body = alice_api.get(f"/conversations/{conversation.public_id}/timeline").json()

    seqs = [entry["seq"] for entry in body["items"]]
    assert seqs == list(range(1, conversation.last_seq + 1))
    assert body["items"][0]["message"]["body"] == "Hallo, ich brauche Hilfe"
    assert body["next_after"] == conversation.last_seq
    assert body["has_more"] is False


def test_timeline_after_n_returns_only_newer_entries_in_pages(alice_api, widget, contact, alice):
    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    path = f"/conversations/{conversation.public_id}/timeline"

    first = alice_api.get(path, {"after": 2, "limit": 2}).json()
    rest = alice_api.get(path, {"after": first["next_after"], "limit": 500}).json()

    assert [e["seq"] for e in first["items"]] == [3, 4]
    assert first["has_more"] is True
    assert [e["seq"] for e in rest["items"]] == list(range(5, conversation.last_seq + 1))
    assert rest["has_more"] is False


def test_timeline_after_the_end_is_empty(alice_api, widget, contact):
    conversation = start(widget, contact)

    body = alice_api.get(
        f"/conversations/{conversation.public_id}/timeline", {"after": conversation.last_seq}
    ).json()

    assert body == {"items": [], "next_after": conversation.last_seq, "has_more": False}


def test_timeline_query_count_does_not_grow_with_entries(alice_api, widget, contact, alice):
    short = start(widget, contact)
    long = conversation_in(Status.OPEN, widget, contact, alice)
    alice_api.post(f"/conversations/{long.public_id}/notes", {"body": "Notiz"})

    def count(conversation) -> int:
        alice_api.get(f"/conversations/{conversation.public_id}/timeline")  # warm up
        with CaptureQueriesContext(connection) as queries:
            alice_api.get(f"/conversations/{conversation.public_id}/timeline")
        return len(queries)

    # The token, the conversation, the entries, their translations (translation app), the
    # files of the page's messages (one query).
    assert count(short) == count(long) <= 5
