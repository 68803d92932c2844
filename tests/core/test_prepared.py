"""Prepared queries (core.prepared): compiled once, they must answer exactly what the ORM
queryset they were built from answers, for each call's own values, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from messagecenter.contacts.models import Contact
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation
from messagecenter.core import clock
from messagecenter.core.prepared import Placeholder, Prepared


def _by_name(name):
    return Contact.objects.filter(name=name).order_by("pk")


BY_NAME = Prepared(_by_name, placeholders=(Placeholder.TEXT,))


def test_each_call_answers_for_its_own_values(account):
    ada = create_contact(account, name="Ada")
    create_contact(account, name="Ben")

    assert [c.pk for c in BY_NAME.all("Ada")] == [ada.pk]
    assert [c.name for c in BY_NAME.all("Ben")] == ["Ben"]
    assert BY_NAME.first("Nobody") is None


def test_a_call_is_one_statement_the_query_log_sees(account):
    create_contact(account, name="Ada")
    BY_NAME.all("Ada")  # compiled here
    with CaptureQueriesContext(connection) as queries:
        BY_NAME.all("Ada")
    assert len(queries) == 1


def test_related_rows_annotations_and_times_come_back_as_the_orm_gives_them(
    account, widget, contact, alice
):
    from messagecenter.core.actors import Actor

    started = services.start_conversation(
        widget, contact, "Hallo", actor=Actor.for_contact(contact)
    )
    since = clock.now() - timedelta(days=1)

    def build(pk, after):
        return (
            Conversation.objects.select_related("contact", "widget")
            .annotate(entries=Count("timeline", filter=Q(timeline__at__gte=after)))
            .filter(pk=pk)
        )

    prepared = Prepared(build, placeholders=(Placeholder.INT, Placeholder.DATETIME))
    got = prepared.first(started.pk, since)
    expected = build(started.pk, since).get()

    assert got.contact.name == "Clara Kundin" and got.widget.pk == widget.pk
    assert got.entries == expected.entries >= 1
    assert got.created_at == expected.created_at and got.created_at.tzinfo is not None
    # A time after every entry: the datetime placeholder really is this call's value.
    assert prepared.first(started.pk, clock.now() + timedelta(days=1)).entries == 0


def test_a_value_that_does_not_reach_the_sql_as_one_parameter_is_refused(account):
    ignored = Prepared(lambda name: Contact.objects.all(), placeholders=(Placeholder.TEXT,))
    with pytest.raises(ImproperlyConfigured):
        ignored.all("Ada")
