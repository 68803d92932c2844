"""The conversation view (R-CONV-1, 6, 9): history, sessions, sidebar; fixed query counts."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messagecenter.contacts import tracking
from messagecenter.conversations import notes, services
from messagecenter.core.actors import Actor
from tests.web.app.conftest import reply


def page_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="conversation-data" type="application/json">') + 55
    return json.loads(html[start : html.index("</script>", start)])


def url(conversation, name="conversation", *args):
    return reverse(name, args=[conversation.public_id, *args])


def test_page_shows_history_sessions_and_notes(alice_client, alice, alices):
    notes.add_note(alices, "Kundin ist **Stammkundin**", actor=Actor.for_operator(alice))

    response = alice_client.get(url(alices))

    data = page_data(response)
    kinds = [e["kind"] for e in data["entries"]]
    assert kinds[0] == "message" and "routing_decision" in kinds and "note" in kinds
    assert data["sessions"]["1"]["live"] is False
    assert data["notes"][0]["html"] == "<p>Kundin ist <strong>Stammkundin</strong></p>"
    assert data["conversation"]["assigned_operator"] == alice.public_id
    assert "Clara Kundin" in response.content.decode()


def test_earlier_entries_come_page_by_page(alice_client, alice, alices):
    for i in range(60):
        reply(alices, alice, f"Antwort {i}")

    newest = page_data(alice_client.get(url(alices)))
    older = alice_client.get(
        url(alices, "conversation_timeline"), {"before": newest["entries"][0]["seq"]}
    )

    assert newest["more"] is True and len(newest["entries"]) == 50
    body = older.json()
    assert body["entries"][-1]["seq"] == newest["entries"][0]["seq"] - 1
    assert body["more"] is False


def test_one_entry_can_be_read_again(alice_client, alices):
    body = alice_client.get(url(alices, "conversation_timeline"), {"seq": 1}).json()

    assert body["entries"][0]["message"]["body"] == "Hallo, ich brauche Hilfe"


def test_a_bad_sequence_number_is_not_found(alice_client, alices):
    assert (
        alice_client.get(url(alices, "conversation_timeline"), {"before": "x"}).status_code == 404
    )


def test_sidebar_shows_contact_details_visits_and_custom_data(
    alice_client, alices, contact, widget
):
    tracking.record_page_view(contact, widget, "https://shop.example/cart", "Warenkorb")
    tracking.record_page_view(contact, widget, "https://shop.example/checkout", "Kasse")
    from messagecenter.contacts.models import Contact

    Contact.objects.filter(pk=contact.pk).update(custom_data={"cart": {"items": [{"sku": "X1"}]}})

    html = alice_client.get(url(alices)).content.decode()

    assert html.index("Warenkorb") < html.index("Kasse")  # in the order visited
    assert 'value="clara@example.com"' in html
    assert '<span class="tree__key">sku</span>' in html


def test_conversation_details_partial(alice_client, alices):
    html = alice_client.get(url(alices, "conversation_details")).content.decode()

    assert "Page impressions" in html and "Privacy mode" in html and "Website" in html


def test_outsider_gets_404_for_every_read(charlie_client, alices):
    for name in ("conversation", "conversation_timeline", "conversation_details"):
        assert charlie_client.get(url(alices, name)).status_code == 404


def test_only_the_assigned_operator_is_offered_the_reply(bob_client, alices):
    html = bob_client.get(url(alices)).content.decode()

    assert "Alice Admin is assigned. Only the assigned operator can reply" in html
    assert "Assign to me" in html


def _count(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["conversation", "conversation_details", "conversation_timeline"])
def test_query_count_does_not_grow_with_the_history(
    alice_client, alice, alices, contact, widget, name
):
    notes.add_note(alices, "eins", actor=Actor.for_operator(alice))
    tracking.record_page_view(contact, widget, "https://shop.example/a")
    few = _count(alice_client, url(alices, name))

    for i in range(30):
        reply(alices, alice, f"Antwort {i}")
        services.post_contact_message(alices, f"Frage {i}", actor=Actor.for_contact(contact))
        notes.add_note(alices, f"Notiz {i}", actor=Actor.for_operator(alice))
        tracking.record_page_view(contact, widget, f"https://shop.example/{i}")
    many = _count(alice_client, url(alices, name))

    assert many == few
