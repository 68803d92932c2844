"""The daily roll-ups: kept by the outbox handler, equal to a recount from the metric rows,
equal to what the metric rows give for every filter, verified and repaired by the command;
the page's cache never serves an old number."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from messagecenter.analytics import queries, rollups
from messagecenter.analytics import services as analytics
from messagecenter.analytics.models import DailyRollup
from messagecenter.analytics.queries import Filters
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import ratings, services
from messagecenter.conversations.models import Conversation
from messagecenter.core.actors import Actor
from tests.analytics.conftest import drain
from tests.analytics.test_recompute import scripted_history
from tests.helpers import go_online, start

pytestmark = pytest.mark.django_db

DIMENSIONS = ("operator_id", "topic_id", "channel")
SHOWN = ("key", "conversations", "live", "unanswered", "first_response", "messages", "rating")


@pytest.fixture
def history(clock, account, widget, alice, bob):
    go_online(alice)
    me = Actor.for_operator(alice)
    billing = services.create_topic(account, "Billing", actor=me)
    made = scripted_history(clock, account, widget, alice, bob)
    # A topic on some, a reassignment and a rating on others: dimensions that move.
    for conversation in made[:4]:
        conversation.refresh_from_db()
        services.set_topic(conversation, billing, actor=me)
    made[2].refresh_from_db()
    services.assign_operator(made[2], bob, actor=me)
    widget.rating_enabled = True
    widget.save()
    rated = made[3]  # its contact has the messenger open
    rated.refresh_from_db()
    ratings.request_rating(rated, actor=me)
    ratings.submit_rating(rated, 4, "Gut", actor=Actor.for_contact(rated.contact))
    made[6].refresh_from_db()
    services.end_conversation(made[6], actor=me)
    drain()
    return made, billing


def every_filter(account, alice, bob, billing, widget, **extra):
    day_to = queries.today("UTC")
    base = dict(
        account_id=account.pk, time_zone="UTC", day_from=day_to - timedelta(days=30), day_to=day_to
    )
    base.update(extra)
    return [
        Filters(**base),
        Filters(**base, operator_id=alice.pk),
        Filters(**base, operator_id=bob.pk),
        Filters(**base, group_id=alice.groups.first().pk if alice.groups.exists() else 0),
        Filters(**base, topic_id=billing.pk),
        Filters(**base, channel="webchat"),
        Filters(**base, widget_id=widget.pk),
    ]


def nonzero_days(days):
    return [d for d in days if any(v for k, v in d.items() if k != "local_day")]


def shown(rows):
    return sorted(({k: r[k] for k in SHOWN} for r in rows), key=lambda r: str(r["key"]))


def test_incremental_rollups_equal_a_recount_of_the_metric_rows(history, account):
    assert DailyRollup.objects.filter(account=account).exists()
    assert rollups.compare(account.pk) == []
    result = analytics.verify(account.pk)
    assert result.agrees and result.rollups_checked == 1


@pytest.mark.parametrize("business", [False, True])
def test_rollups_give_the_metric_rows_numbers_for_every_filter(
    history, account, alice, bob, widget, business
):
    _made, billing = history
    for filters in every_filter(account, alice, bob, billing, widget, business=business):
        assert queries.uses_rollups(filters)
        from_rollups = nonzero_days(queries._period_rollups(filters))
        assert from_rollups == queries._period_metric_sums(filters), filters
        for column in DIMENSIONS:
            assert shown(queries._by_dimension_rollups(filters, column)) == shown(
                queries._by_dimension_metrics(filters, column)
            ), (filters, column)
    everything = every_filter(account, alice, bob, billing, widget)[0]
    assert sum(d["new"] for d in queries.period_days(everything)) == 12


def test_two_filters_read_the_metric_rows(history, account, alice, bob, widget):
    _made, billing = history
    filters = Filters(
        account.pk,
        "UTC",
        queries.today("UTC") - timedelta(days=30),
        queries.today("UTC"),
        operator_id=alice.pk,
        topic_id=billing.pk,
    )
    assert not queries.uses_rollups(filters)
    expected = Conversation.objects.filter(assigned_operator=alice, topic=billing).count()
    assert queries.totals(filters)["new"] == expected > 0  # the conversations' current ones
    [row] = queries.by_dimension(filters, "operator_id")
    assert (row["key"], row["conversations"]) == (alice.pk, expected)


def test_a_reassignment_moves_the_counts_to_the_new_operator(clock, account, widget, alice, bob):
    contact = create_contact(account, name="K", email="k@example.com")
    conversation = start(widget, contact)
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    drain()
    new = dict(DailyRollup.objects.filter(account=account, part="").values_list("slice", "new"))
    assert new[f"o:{alice.pk}"] == 1 and new.get(f"o:{bob.pk}", 0) == 0
    services.assign_operator(conversation, bob, actor=me)
    drain()
    new = dict(DailyRollup.objects.filter(account=account, part="").values_list("slice", "new"))
    assert (new[f"o:{alice.pk}"], new[f"o:{bob.pk}"], new[""]) == (0, 1, 1)


def test_verify_reports_and_fixes_a_rollup_difference(history, account, capsys):
    DailyRollup.objects.filter(account=account, slice="", part="").update(new=99)
    with pytest.raises(CommandError):
        call_command("analytics_verify")
    printed = capsys.readouterr().out
    assert "roll-up all|all 2026-03-02: new stored 99, recounted" in printed
    call_command("analytics_verify", "--fix")
    call_command("analytics_verify")  # agrees now
    assert sum(DailyRollup.objects.filter(slice="", part="").values_list("new", flat=True)) == 12


def test_a_repeated_view_is_one_lookup_and_a_write_is_seen_at_once(
    client, account, alice, widget, history, django_assert_num_queries
):
    filters = every_filter(account, alice, alice, history[1], widget)[0]
    assert queries.totals(filters)["new"] == 12
    with django_assert_num_queries(1):  # the version only
        assert queries.totals(filters)["new"] == 12
    contact = create_contact(account, name="Neu", email="neu@example.com")
    start(widget, contact)
    drain()
    assert queries.totals(filters)["new"] == 13
    client.force_login(alice)
    page = client.get(reverse("analytics")).content.decode()
    assert '<span class="stat__value">13</span>' in page
    assert "<p>Gut</p>" in page  # the feedback list, newest first from its index
