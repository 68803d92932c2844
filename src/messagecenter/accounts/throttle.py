"""Throttling on stored attempts (``LoginAttempt`` rows), counted before the check.

After ``LOGIN_THROTTLE_ATTEMPTS`` failures within ``LOGIN_THROTTLE_WINDOW`` seconds, an e-mail
address or a client address is refused until enough of its failures leave the window. Two keys,
because an attacker either tries many passwords for one operator (the e-mail key stops them
from anywhere) or one password for many operators (the address key stops them).

Check-then-count lets parallel requests all pass the check before any of them is counted (60
parallel sign-ins once checked 55 passwords against a limit of 5). So an attempt is counted
*before* the password is checked, and counting is serialised per key: one transaction holds
the key's lock (PostgreSQL: a transaction-level advisory lock per key; SQLite: the write lock
its IMMEDIATE transactions take at BEGIN), counts the rows in the window and adds its own only
within the limit. Exactly the limit get through, whatever the interleaving (counting after an
unserialised insert never let more through, but let fewer: parallel requests saw each other's
rows and all refused themselves). Rows live in the database, so the rule holds across
processes on SQLite and PostgreSQL alike (no cache needed: a cache's ``incr`` is atomic only
on some backends). A refused attempt adds no row, so hammering a locked key does not stretch
the lock-out; a successful one takes its row back (``Attempt.forgive``).

Time comes from ``core.clock`` so tests move it with time-machine instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count

from messagecenter.accounts.models import LoginAttempt
from messagecenter.core import clock

_KEY_MAX = LoginAttempt._meta.get_field("key").max_length


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` counted attempts of ``key`` within the rule's window."""

    key: str
    attempts: int


@dataclass(frozen=True)
class Attempt:
    """An attempt that was counted and allowed; its rows, to take back on success."""

    row_ids: tuple[int, ...]

    def forgive(self) -> None:
        """Take the attempt back: it succeeded, so it must not count as a failure."""
        LoginAttempt.objects.filter(pk__in=self.row_ids).delete()


def email_key(email: str) -> str:
    # The backend matches e-mails case-insensitively, so the counter must too.
    return f"email:{email.strip().lower()}"[:_KEY_MAX]


def address_key(address: str) -> str:
    return f"ip:{address}"[:_KEY_MAX]


def keys_for(email: str, address: str | None) -> list[str]:
    """The counters one sign-in attempt touches: its e-mail and the client's address."""
    keys = [email_key(email)] if email.strip() else []
    if address:
        keys.append(address_key(address))
    return keys


def begin_login(keys: Iterable[str]) -> Attempt | None:
    """Count one sign-in attempt (password or code); None when it is refused."""
    limit = settings.LOGIN_THROTTLE_ATTEMPTS
    return begin([Limit(key, limit) for key in keys], window=settings.LOGIN_THROTTLE_WINDOW)


def begin_password_reset(email: str, address: str | None) -> Attempt | None:
    """Count one password-reset request; None when the address or client asked too often.

    Every request counts, sent or not, for known and unknown addresses alike: the limit
    protects a mailbox from being flooded and says nothing about which accounts exist.
    """
    limits = [
        Limit(f"reset:{email_key(email)}"[:_KEY_MAX], settings.PASSWORD_RESET_THROTTLE_PER_EMAIL)
    ]
    if address:
        limits.append(
            Limit(
                f"reset:{address_key(address)}"[:_KEY_MAX],
                settings.PASSWORD_RESET_THROTTLE_PER_ADDRESS,
            )
        )
    return begin(limits, window=settings.PASSWORD_RESET_THROTTLE_WINDOW)


def begin(limits: Sequence[Limit], *, window: int) -> Attempt | None:
    """Count one attempt against every limit's key if it is within all limits.

    Returns the counted attempt, or None (and counts nothing) when any key is at its limit.
    Must run outside a transaction: its own commits, so the next waiter counts this row.
    """
    now = clock.now()
    start = now - timedelta(seconds=window)
    with transaction.atomic():
        _lock_keys([x.key for x in limits])
        counts = _counts([x.key for x in limits], start)
        if any(counts.get(x.key, 0) >= x.attempts for x in limits):
            return None
        rows = LoginAttempt.objects.bulk_create([LoginAttempt(key=x.key, at=now) for x in limits])
    _prune()
    return Attempt(row_ids=tuple(row.pk for row in rows))


def _lock_keys(keys: list[str]) -> None:
    """Serialise counting per key until the transaction ends (sorted: no deadlocks between
    attempts sharing two keys). SQLite's IMMEDIATE transaction already serialises writers."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


def clear_email(email: str) -> None:
    """A successful login (or password reset) proves the owner: reset the e-mail's counter.

    The address counter stays: otherwise an attacker could reset it by logging in to an
    account of their own between guesses.
    """
    LoginAttempt.objects.filter(key=email_key(email)).delete()


def window_minutes() -> int:
    """The lock-out length in whole minutes (rounded up), for messages to people."""
    return -(-settings.LOGIN_THROTTLE_WINDOW // 60)


def _counts(keys: list[str], start: datetime) -> dict[str, int]:
    rows = (
        LoginAttempt.objects.filter(key__in=keys, at__gte=start)
        .values("key")
        .annotate(attempts=Count("id"))
    )
    return {row["key"]: row["attempts"] for row in rows}


def _prune() -> None:
    # Keeps the table as small as the longest window without a periodic job.
    longest = max(settings.LOGIN_THROTTLE_WINDOW, settings.PASSWORD_RESET_THROTTLE_WINDOW)
    LoginAttempt.objects.filter(at__lt=clock.now() - timedelta(seconds=longest)).delete()
