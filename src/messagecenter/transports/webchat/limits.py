"""Messenger limits shared by every socket and process: counters in the Django cache.

A limit per socket is no limit: a client opens nine sockets, or drops its token for a new
identity. So the messenger counts per contact (or visitor) and per client address, in the
shared cache (Redis when ``REDIS_URL`` is set), with atomic ``add``/``incr`` on fixed windows.
Addresses are only ever used as a keyed hash in cache keys that expire with their window;
nothing about an address is written to a row (privacy mode holds).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache

WINDOW = 60  # seconds; every limit below is per minute
TYPING_PER_MINUTE = 30
PAGE_VIEWS_PER_MINUTE = 30
LOCATIONS_PER_MINUTE = 10
# A blocked contact's address is remembered this long, so a new identity from it is refused.
BLOCKED_ADDRESS_SECONDS = 24 * 3600


def address_key(ip: str | None) -> str:
    """A keyed hash of the client address (the server's secret: not reversible by a rainbow
    table of IPv4 addresses); empty when the address is unknown."""
    if not ip:
        return ""
    digest = hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def allow(kind: str, key: str, limit: int) -> bool:
    """Count one ``kind`` action of ``key`` in the current minute; False beyond ``limit``.
    Atomic across sockets and processes: ``add`` creates the counter once, ``incr`` counts."""
    if not key:
        return True
    name = f"mc:limit:{kind}:{key}:{int(time.time() // WINDOW)}"
    cache.add(name, 0, timeout=WINDOW * 2)
    try:
        count = cache.incr(name)
    except ValueError:  # evicted between add and incr: this one starts the window again
        cache.add(name, 1, timeout=WINDOW * 2)
        count = 1
    return count <= limit


def allow_all(kind: str, limits: list[tuple[str, int]]) -> bool:
    """Every (key, limit) pair counts the action, so one flood cannot hide behind another."""
    results = [allow(f"{kind}:{index}", key, limit) for index, (key, limit) in enumerate(limits)]
    return all(results)


def remember_blocked_address(address: str) -> None:
    if address:
        cache.set(f"mc:blocked-address:{address}", 1, timeout=BLOCKED_ADDRESS_SECONDS)


def is_blocked_address(address: str) -> bool:
    return bool(address) and cache.get(f"mc:blocked-address:{address}") is not None
