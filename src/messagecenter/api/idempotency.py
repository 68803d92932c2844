"""``Idempotency-Key`` on POST: a retried request gets the first result, and the work is done
once (CONVENTIONS habit 9, after Zulip's idempotent requests).

The record is written in the same transaction as the service's change, so the two commit or
roll back together. The unique constraint on (account, caller, key) decides between
concurrent duplicates: the loser's insert fails, its whole transaction — the service's writes
and its on-commit events included — rolls back, and it answers with the winner's result.

Only successes are stored. A refused request changed nothing, so running it again is safe, and
a client can retry under the same key once it has fixed the cause (e.g. assigned itself).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from ninja import Status
from ninja.decorators import decorate_view

from messagecenter.accounts.models import IdempotencyRecord
from messagecenter.api import limits
from messagecenter.core import clock
from messagecenter.core.errors import ValidationFailed

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200


def idempotent(view: Callable[..., Status]) -> Callable[..., Status]:
    """Honour ``Idempotency-Key`` on a POST view. The view must return a ``Status`` whose value
    is JSON-serialisable: that is what a replay returns."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(request, *args, **kwargs)
        return _run_once(request, _clean_key(key), lambda: view(request, *args, **kwargs))

    wrapper.idempotent = True  # type: ignore[attr-defined]
    # The replay header goes on the final response, which only the operation's run sees.
    return decorate_view(_mark_replay)(wrapper)


def purge_expired() -> int:
    """Delete records past their lifetime (for a periodic task). Returns how many."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=_cutoff()).delete()
    return deleted


def _run_once(request, key: str, run: Callable[[], Status]) -> Status:
    actor = request.auth
    scope = {"account": actor.account, "caller": actor.token.public_id, "key": key}
    fingerprint = _fingerprint(request)
    try:
        with transaction.atomic():
            # An expired record must not block its key (the unique constraint ignores age).
            IdempotencyRecord.objects.filter(**scope, created_at__lt=_cutoff()).delete()
            stored = _lookup(scope)
            if stored is not None:
                return _replay(request, stored, fingerprint)
            result = run()
            _store(scope, fingerprint, result)
            return result
    except IntegrityError:
        # A concurrent request with the same key committed first: answer with its result.
        stored = _lookup(scope)
        if stored is None:
            raise
        return _replay(request, stored, fingerprint)


def _lookup(scope: dict) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(**scope, created_at__gte=_cutoff()).first()


def _replay(request, stored: IdempotencyRecord, fingerprint: str) -> Status:
    if stored.request_hash != fingerprint:
        raise ValidationFailed(
            _("This Idempotency-Key was already used for a different request."),
            code="idempotency_key_reused",
        )
    request.idempotent_replayed = True
    return Status(stored.status_code, stored.response_body)


def _store(scope: dict, fingerprint: str, result: Status) -> None:
    IdempotencyRecord.objects.create(
        **scope,
        request_hash=fingerprint,
        status_code=result.status_code,
        response_body=json.loads(json.dumps(result.value, cls=DjangoJSONEncoder)),
        created_at=clock.now(),
    )


def _fingerprint(request) -> str:
    """Method, path and body; JSON bodies canonicalised so key order and spacing don't count.

    A streamed body (an upload, ``limits.streamed_body``) is not read here: it may be far
    larger than memory should hold, and the endpoint reads it once, to storage. Its request
    is told by the path with its query (the file's name), its length and its type instead."""
    if limits.is_streamed(request):
        length = request.META.get("CONTENT_LENGTH", "")
        kind = request.META.get("CONTENT_TYPE", "")
        described = f"{request.method} {request.get_full_path()}\n{length} {kind}"
        return hashlib.sha256(described.encode()).hexdigest()
    try:
        body = json.dumps(json.loads(request.body), sort_keys=True, separators=(",", ":"))
    except ValueError:
        body = request.body.decode("utf-8", "replace")
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _clean_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            _("An Idempotency-Key must be 1 to %(max)d printable ASCII characters.")
            % {"max": MAX_KEY_LENGTH},
            code="invalid_idempotency_key",
        )
    return key


def _cutoff():
    return clock.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)


def _mark_replay(run):
    @wraps(run)
    def wrapper(request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        if getattr(request, "idempotent_replayed", False):
            response[REPLAYED_HEADER] = "true"
        return response

    return wrapper
