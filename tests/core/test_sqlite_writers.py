"""The embedded database's writers queue on a lock in this process (core/sqlite3), so a second
writer starts when the first commits instead of polling SQLite's busy handler."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from messagecenter.accounts.models import Account
from messagecenter.core.sqlite3.base import _write_lock


def queue():
    return _write_lock(str(connection.settings_dict["NAME"]))


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite engine's own queue"),
]


def test_a_second_writer_waits_for_the_first_and_then_commits():
    order: list[str] = []
    first_inside = threading.Event()
    let_first_commit = threading.Event()

    def first():
        with transaction.atomic():
            Account.objects.create(name="Erste")
            order.append("first wrote")
            first_inside.set()
            let_first_commit.wait(10)
            order.append("first commits")
        connections.close_all()

    def second():
        first_inside.wait(10)
        with transaction.atomic():
            order.append("second began")
            Account.objects.create(name="Zweite")
        connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_inside.wait(10)
    # The second writer is queued behind the first on the process's lock.
    assert queue().locked() and order == ["first wrote"]
    let_first_commit.set()
    for thread in threads:
        thread.join(20)
    assert order == ["first wrote", "first commits", "second began"]
    assert set(Account.objects.values_list("name", flat=True)) >= {"Erste", "Zweite"}
    assert not queue().locked()


def test_a_failed_transaction_lets_the_next_writer_in():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        Account.objects.create(name="Weg")
        1 / 0  # noqa: B018
    assert not queue().locked()
    done = threading.Event()

    def writer():
        with transaction.atomic():
            Account.objects.create(name="Danach")
        connections.close_all()
        done.set()

    threading.Thread(target=writer).start()
    assert done.wait(5)
    assert list(
        Account.objects.filter(name__in=["Weg", "Danach"]).values_list("name", flat=True)
    ) == ["Danach"]
