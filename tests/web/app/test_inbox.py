"""The inbox (R-INBOX-1, 7): Mine and Unassigned in attention order, with fixed query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messagecenter.conversations.models import Status
from tests.helpers import conversation_in, start
from tests.web.app.conftest import another_contact


def rows(client, tab):
    return client.get(reverse("inbox_rows"), {"tab": tab}).json()["rows"]


def test_mine_lists_my_active_conversations(alice_client, alices, unassigned):
    listed = rows(alice_client, "mine")

    assert [r["id"] for r in listed] == [alices.public_id]
    row = listed[0]
    assert row["contact"] == "Clara Kundin"
    assert row["status"] == "open" and row["channel"] == "webchat"
    assert row["preview"] == "Noch eine Frage"


def test_unassigned_lists_conversations_nobody_took(alice_client, alices, unassigned):
    assert [r["id"] for r in rows(alice_client, "unassigned")] == [unassigned.public_id]


def test_attention_order_puts_owed_replies_before_waiting(alice_client, alice, widget, account):
    waiting = conversation_in(Status.WAITING, widget, another_contact(account, "Wanda"), alice)
    open_ = conversation_in(Status.OPEN, widget, another_contact(account, "Otto"), alice)
    new = conversation_in(Status.NEW, widget, another_contact(account, "Nina"), alice)

    listed = [r["id"] for r in rows(alice_client, "mine")]

    assert listed.index(waiting.public_id) == 2
    assert set(listed[:2]) == {open_.public_id, new.public_id}


def test_ended_conversations_leave_the_inbox(alice_client, alice, widget, contact):
    conversation_in(Status.ENDED, widget, contact, alice)

    assert rows(alice_client, "mine") == []


def test_inbox_page_renders_rows_and_tab_counts(alice_client, alices, unassigned):
    html = alice_client.get(reverse("inbox")).content.decode()

    assert "Clara Kundin" in html
    assert 'data-count="mine">1<' in html
    assert 'data-count="unassigned">1<' in html
    assert 'aria-current="page"' in html


def test_unknown_tab_falls_back_to_mine(alice_client, alices):
    assert alice_client.get(reverse("inbox"), {"tab": "x"}).context["tab"] == "mine"


def test_outsider_sees_none_of_acmes_conversations(charlie_client, alices, unassigned):
    assert rows(charlie_client, "mine") == []
    assert rows(charlie_client, "unassigned") == []


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_name", ["inbox", "inbox_rows", "home"])
def test_query_count_does_not_grow_with_the_inbox(alice_client, alice, widget, account, url_name):
    """GIVEN one conversation in each tab, WHEN thirty more arrive in each, THEN the page
    runs exactly as many queries as before."""
    url = reverse(url_name)
    start(widget, another_contact(account, "First"))
    conversation_in(Status.OPEN, widget, another_contact(account, "Mine0"), alice)
    few = _count_queries(alice_client, url) + _count_queries(alice_client, url + "?tab=unassigned")

    for i in range(30):
        start(widget, another_contact(account, f"Waiting {i}"))
        conversation_in(Status.OPEN, widget, another_contact(account, f"Mine {i}"), alice)
    many = _count_queries(alice_client, url) + _count_queries(alice_client, url + "?tab=unassigned")

    assert many == few
