"""The Analytics page, its filters, account scoping and the CSV exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from messagecenter.analytics.models import ConversationMetric
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import services
from messagecenter.conversations.models import Topic
from messagecenter.core.actors import Actor
from messagecenter.widgets.services import create_widget
from tests.analytics.conftest import drain
from tests.helpers import start

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(clock, account, widget, alice, bob):
    """Acme: three conversations (one answered by Alice after 120 s, one on topic Billing
    answered by Bob); Globex: one of its own."""
    me = Actor.for_operator(alice)
    billing = services.create_topic(account, "Billing", actor=me)
    made = []
    for n, who in enumerate((alice, bob, None)):
        contact = create_contact(account, name=f"K{n}", email=f"k{n}@example.com")
        conversation = start(widget, contact)
        if who is not None:
            services.assign_operator(conversation, who, actor=me)
            clock.shift(120)
            services.post_operator_message(conversation, "Hallo", actor=Actor.for_operator(who))
        if who is bob:
            services.set_topic(conversation, billing, actor=me)
        made.append(conversation)
    drain()
    return made, billing


def other_account_history(other_account):
    globex_widget = create_widget(other_account, "Globex site")
    contact = create_contact(other_account, name="Gustav", email="g@globex.test")
    start(globex_widget, contact)
    drain()


def test_the_page_shows_the_periods_numbers(client, alice, history):
    client.force_login(alice)
    response = client.get(reverse("analytics"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Conversations by day" in page and "weekday and hour" in page
    assert "2 min 00 s" in page  # the median first response
    assert page.count("Alice Admin") >= 1 and "Billing" in page


def test_filters_narrow_every_number(client, alice, bob, history):
    _made, billing = history
    client.force_login(alice)
    page = client.get(reverse("analytics"), {"topic": billing.public_id}).content.decode()
    body = io.StringIO(
        b"".join(
            client.get(reverse("analytics_export"), {"topic": billing.public_id}).streaming_content
        ).decode()
    )
    rows = list(csv.DictReader(body))
    assert len(rows) == 1 and rows[0]["first_response_seconds"] == "120"
    assert "Billing" in page
    by_operator = client.get(reverse("analytics_export"), {"operator": bob.public_id})
    assert (
        len(list(csv.DictReader(io.StringIO(b"".join(by_operator.streaming_content).decode()))))
        == 1
    )


def test_another_accounts_data_never_shows(client, charlie, other_account, alice, history):
    other_account_history(other_account)
    client.force_login(charlie)
    export = client.get(reverse("analytics_export"))
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert len(rows) == 1
    assert ConversationMetric.objects.count() == 4
    # Acme's ids in the filters are not Globex's: ignored, never a way in.
    _made, billing = history
    page = client.get(reverse("analytics"), {"topic": billing.public_id}).content.decode()
    assert "Billing" not in page and "Alice Admin" not in page


def test_chart_csv_is_the_charts_table(client, alice, history):
    client.force_login(alice)
    response = client.get(reverse("analytics_chart_csv", args=["hour"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Hour", "New"] and len(rows) == 25
    assert sum(int(r[1]) for r in rows[1:]) == 3
    assert client.get(reverse("analytics_chart_csv", args=["nope"])).status_code == 404


def test_per_conversation_export_streams_one_row_each(client, alice, history):
    client.force_login(alice)
    response = client.get(reverse("analytics_export"))
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 3
    assert {r["conversation"] for r in rows} == {c.public_id for c in history[0]}
    assert "contact" not in rows[0]  # anonymous


def test_the_page_needs_a_sign_in(client):
    assert client.get(reverse("analytics")).status_code == 302


def test_an_unused_topic_shows_nothing(client, alice, account, history):
    Topic.objects.create(account=account, name="Empty")
    client.force_login(alice)
    assert client.get(reverse("analytics"), {"period": "7"}).status_code == 200


def test_home_shows_my_day_from_the_same_definitions(client, alice, history):
    """Alice answered one conversation after 120 s today: handled 1, median 2 min 00 s."""
    client.force_login(alice)
    page = client.get(reverse("home_stats")).content.decode()
    assert 'data-stat="handled-today">1<' in page
    assert 'data-stat="first-response-today">2 min 00 s<' in page
    assert 'data-stat="rating-today">—<' in page


def test_names_in_tables_are_escaped_and_the_heat_map_is_shaded(client, alice, history):
    _made, billing = history
    Topic.objects.filter(pk=billing.pk).update(name="<b>Billing</b>")
    client.force_login(alice)
    page = client.get(reverse("analytics")).content.decode()
    assert "&lt;b&gt;Billing&lt;/b&gt;" in page and "<b>Billing</b>" not in page
    assert "analytics-heat__cell--5" in page  # the busiest hour


def test_the_page_speaks_german(client, alice, history):
    alice.language = "de"
    alice.save(update_fields=["language"])
    client.force_login(alice)
    page = client.get(reverse("analytics")).content.decode()
    assert "Konversationen pro Tag" in page and "Erste Antwortzeit" in page
    home = client.get(reverse("home_stats")).content.decode()
    assert "Heute bearbeitet" in home
