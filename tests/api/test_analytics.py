"""Analytics summaries over the API: the Analytics page's headline numbers for a period."""

from __future__ import annotations

import pytest

from messagecenter.conversations import services
from tests.analytics.conftest import drain
from tests.api.conftest import assert_problem, personal
from tests.conftest import as_actor
from tests.helpers import start

pytestmark = pytest.mark.django_db


def test_summary_counts_the_periods_conversations_and_first_response(
    clock, alice_api, widget, contact, alice
):
    conversation = start(widget, contact)
    services.assign_operator(conversation, alice, actor=as_actor(alice))
    clock.shift(300)
    services.post_operator_message(conversation, "Guten Tag", actor=as_actor(alice))
    drain()

    body = alice_api.get("/analytics/summary", {"day_from": "2026-03-01"}).json()

    assert (body["day_from"], body["day_to"]) == ("2026-03-01", "2026-03-02")
    assert body["new"] == 1 and body["responses"] == 1
    assert body["first_response"]["median"] == 300


def test_summary_narrowed_to_another_widget_counts_nothing(clock, alice_api, widget, contact):
    start(widget, contact)
    drain()
    other = alice_api.post("/widgets", {"name": "Other"}).json()["id"]

    body = alice_api.get("/analytics/summary", {"widget": other}).json()

    assert body["new"] == 0


def test_summary_refuses_a_backwards_period_and_unknown_ids(clock, alice_api):
    backwards = alice_api.get(
        "/analytics/summary", {"day_from": "2026-03-02", "day_to": "2026-03-01"}
    )

    assert assert_problem(backwards, 422, "validation_failed")["field"] == "day_from"
    assert_problem(alice_api.get("/analytics/summary", {"operator": "op_nope"}), 404, "not_found")


def test_summary_needs_the_analytics_scope(bob):
    assert_problem(
        personal(bob, ["conversations:read"]).get("/analytics/summary"), 403, "insufficient_scope"
    )


def test_the_default_period_near_the_calendars_start_is_shorter_not_an_error(clock, alice_api):
    response = alice_api.get("/analytics/summary", {"day_to": "0001-01-10"})

    assert response.status_code == 200
    assert response.json()["day_from"] == "0001-01-01"
