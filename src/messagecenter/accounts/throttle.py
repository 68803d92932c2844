"""Login throttling on stored failed attempts (``LoginAttempt`` rows).

After ``LOGIN_THROTTLE_ATTEMPTS`` failures within ``LOGIN_THROTTLE_WINDOW`` seconds, an e-mail
address or a client address is refused until enough of its failures leave the window. Two keys,
because an attacker either tries many passwords for one operator (the e-mail key stops them
from anywhere) or one password for many operators (the address key stops them).

Time comes from ``core.clock`` so tests move it with time-machine instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from messagecenter.accounts.models import LoginAttempt
from messagecenter.core import clock

_KEY_MAX = LoginAttempt._meta.get_field("key").max_length


def email_key(email: str) -> str:
    # The backend matches e-mails case-insensitively, so the counter must too.
    return f"email:{email.strip().lower()}"[:_KEY_MAX]


def address_key(address: str) -> str:
    return f"ip:{address}"[:_KEY_MAX]


def keys_for(email: str, address: str | None) -> list[str]:
    """The counters one attempt touches: its e-mail and the client's address."""
    keys = [email_key(email)] if email.strip() else []
    if address:
        keys.append(address_key(address))
    return keys


def is_blocked(keys: Iterable[str]) -> bool:
    """True when any of the keys has used up its attempts within the window."""
    counts = (
        LoginAttempt.objects.filter(key__in=list(keys), at__gte=_window_start())
        .values("key")
        .annotate(failures=Count("id"))
    )
    return any(row["failures"] >= settings.LOGIN_THROTTLE_ATTEMPTS for row in counts)


def record_failure(keys: Iterable[str]) -> None:
    """Count one failed attempt against every key, and forget attempts that left the window."""
    now = clock.now()
    with transaction.atomic():
        # Pruning here keeps the table as small as the window without a periodic job.
        LoginAttempt.objects.filter(at__lt=_window_start()).delete()
        LoginAttempt.objects.bulk_create([LoginAttempt(key=key, at=now) for key in keys])


def clear_email(email: str) -> None:
    """A successful login (or password reset) proves the owner: reset the e-mail's counter.

    The address counter stays: otherwise an attacker could reset it by logging in to an
    account of their own between guesses.
    """
    LoginAttempt.objects.filter(key=email_key(email)).delete()


def window_minutes() -> int:
    """The lock-out length in whole minutes (rounded up), for messages to people."""
    return -(-settings.LOGIN_THROTTLE_WINDOW // 60)


def _window_start() -> datetime:
    return clock.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW)
