"""CSV export (R-ARCH-2): streamed, read back with Python's csv module, matching the filter."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messagecenter.archive import export
from messagecenter.conversations.models import Conversation, Status
from tests.archive.conftest import select

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def test_export_of_all_matching_the_filter(alice_client, make, alice, account):
    ended = [
        make("Eins", operator=alice, status=Status.ENDED, rating=4, feedback='Gut, "sehr" gut')
    ]
    ended.append(make("Zwei", operator=alice, status=Status.ENDED))
    make("Drei", operator=alice)  # active: not exported

    response = alice_client.get(
        reverse("archive_export"), {"status": "ended", "operator": alice.public_id}
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="conversations-')
    rows = read_csv(response)
    expected = select(account, status="ended", operator=alice.public_id)
    exported = set(
        Conversation.objects.filter(public_id__in=[r["id"] for r in rows]).values_list(
            "pk", flat=True
        )
    )
    assert exported == expected == {c.pk for c in ended}
    assert [r["id"] for r in rows] == [c.public_id for c in reversed(ended)]  # newest first
    first = rows[1]
    assert first["status"] == "ended"
    assert first["operator"] == "Alice Admin"
    assert first["channel"] == "webchat"
    assert first["rating"] == "4"
    assert first["feedback"] == 'Gut, "sehr" gut'
    assert first["contact_email"] == ended[0].contact.email
    assert datetime.fromisoformat(first["created_at"]) == ended[0].created_at  # ISO 8601, UTC
    assert first["created_at"].endswith("+00:00")
    assert first["had_bot"] == "no"
    assert list(rows[0].keys()) == export.header()


def test_export_of_a_search(alice_client, make):
    wanted = make("Die Rechnung fehlt")
    make("Paket verloren")

    rows = read_csv(alice_client.get(reverse("archive_export"), {"q": "Rechnungen"}))

    assert [r["id"] for r in rows] == [wanted.public_id]


def test_export_of_the_selected_rows(alice_client, make):
    first, _second, third = make(), make(), make()

    response = alice_client.post(
        reverse("archive_jobs"),
        {"action": "export", "ids": [first.public_id, third.public_id]},
    )

    assert {r["id"] for r in read_csv(response)} == {first.public_id, third.public_id}


def test_nothing_selected_exports_nothing(alice_client, make):
    make()

    response = alice_client.post(
        reverse("archive_jobs"), {"action": "export"}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 422


def test_an_outsider_exports_none_of_the_accounts_rows(client, make, charlie):
    conversation = make()
    client.force_login(charlie)

    everything = read_csv(client.get(reverse("archive_export")))
    chosen = read_csv(client.post(reverse("archive_export"), {"ids": [conversation.public_id]}))

    assert everything == chosen == []


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(alice_client, make, account):
    from messagecenter.contacts.services import create_contact

    make(contact=create_contact(account, name="=HYPERLINK(1)"))

    (row,) = read_csv(alice_client.get(reverse("archive_export")))

    assert row["contact_name"] == "'=HYPERLINK(1)"


def test_rows_are_read_in_chunks_by_one_query(make, account, monkeypatch):
    monkeypatch.setattr(export, "CHUNK_ROWS", 2)
    for _ in range(5):
        make()

    with CaptureQueriesContext(connection) as queries:
        chunks = list(export.csv_chunks(Conversation.objects.filter(account=account)))

    text = "".join(chunks)
    assert len(list(csv.reader(io.StringIO(text)))) == 6
    assert len(chunks) == 3  # the header with 2 rows, 2 rows, 1 row
    selects = [q for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) <= 3 if connection.vendor == "postgresql" else len(selects) == 1


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_body_is_streamed_by_an_asynchronous_iterator(make, alice, monkeypatch):
    """GIVEN the server's ASGI handler (a synchronous iterator would be read whole first)
    WHEN the export streams THEN chunks arrive one by one from the database thread."""
    import asyncio

    from asgiref.sync import sync_to_async
    from django.db import connections
    from django.test import AsyncClient

    monkeypatch.setattr(export, "CHUNK_ROWS", 2)
    made = {make().public_id for _ in range(5)}

    async def fetch():
        client = AsyncClient()
        await client.aforce_login(alice)
        response = await client.get(reverse("archive_export"))
        assert response.is_async
        chunks = [chunk async for chunk in response.streaming_content]
        await sync_to_async(connections.close_all)()  # the database thread's connection
        return chunks

    chunks = asyncio.run(fetch())

    assert len(chunks) == 3
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    assert {row["id"] for row in rows} == made
