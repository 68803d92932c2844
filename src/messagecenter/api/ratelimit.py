"""Per-token rate limits: at most ``MC_API_RATE_LIMIT`` requests per token in each window of
``MC_API_RATE_WINDOW_SECONDS``, told on every authenticated answer with the ``RateLimit-*``
headers (draft-ietf-httpapi-ratelimit-headers: ``RateLimit-Limit``, ``RateLimit-Remaining``,
``RateLimit-Reset`` in seconds, and ``RateLimit-Policy``). Over the limit: 429 ``rate_limited``
with ``Retry-After``.

Fixed windows counted in the cache: ``add`` then ``incr`` is atomic on Redis (scale-out: one
counter for every process) and under the local-memory cache's lock (embedded: one process).
A counter is cheap where the login throttle's stored rows are not: this runs on every API
request, and a database write per read would take SQLite's single write lock each time.
The time comes from ``core.clock``, so tests move windows with the controllable clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from messagecenter.accounts.models import ApiToken
from messagecenter.core import clock
from messagecenter.core.errors import DomainError

HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = 429


@dataclass(frozen=True)
class Quota:
    """Where a token stands in the current window."""

    limit: int
    remaining: int
    reset_seconds: int
    window_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.limit};w={self.window_seconds}",
        }


def charge(request, token: ApiToken) -> Quota:
    """Count one request of ``token``; remembers the quota on the request for the headers and
    raises ``RateLimited`` once the window's requests are used up."""
    quota = _count(token)
    request.api_quota = quota
    if quota.remaining < 0:
        request.api_quota = Quota(quota.limit, 0, quota.reset_seconds, quota.window_seconds)
        raise RateLimited(
            _("Too many requests with this token. Try again in %(seconds)d seconds.")
            % {"seconds": quota.reset_seconds},
            retry_after=quota.reset_seconds,
        )
    return quota


def add_headers(request, response) -> None:
    """The quota headers on an authenticated answer; ``Retry-After`` on a 429."""
    quota: Quota | None = getattr(request, "api_quota", None)
    if quota is None:
        return
    for name, value in quota.headers().items():
        response[name] = value
    if response.status_code == 429:
        response["Retry-After"] = str(quota.reset_seconds)


def _count(token: ApiToken) -> Quota:
    window = settings.API_RATE_WINDOW_SECONDS
    limit = settings.API_RATE_LIMIT
    now = clock.now().timestamp()
    started = math.floor(now / window) * window
    key = f"api-rate:{token.public_id}:{started}"
    # The counter outlives its window a little so a slow request still finds it.
    cache.add(key, 0, timeout=window + 5)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr: this request opens the window again
        cache.set(key, 1, timeout=window + 5)
        used = 1
    reset = max(1, math.ceil(started + window - now))
    return Quota(limit, limit - used, reset, window)
