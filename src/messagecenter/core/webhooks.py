"""Standard Webhooks signatures (https://www.standardwebhooks.com), symmetric ``v1``.

A signed request carries ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256>`` entries over the exact bytes
``{id}.{timestamp}.{body}``. Secrets look like ``whsec_<base64>``. Several entries let a sender
sign with an old and a new secret while a receiver rotates.

:func:`post_signed` sends one signed delivery through the SSRF guard (``core/ssrf.py``) and
classifies the outcome for the delivery log and the retry policy.

Our own few lines rather than the ``standardwebhooks`` package: it decodes the body as text
(a non-UTF-8 body cannot be verified), reads the wall clock instead of ours, holds one secret
per verifier, and crashes with a ``ValueError`` on a malformed signature header.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx

from messagecenter.core import clock, ssrf

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300
SECRET_BYTES = 32
# A header with more entries than this is not a rotation, it is an attempt to make us work.
MAX_SIGNATURES = 10


class SignatureError(Exception):
    """A webhook could not be signed or did not verify; ``reason`` is a stable code.

    Codes: ``no_secret``, ``empty_secret``, ``invalid_secret``, ``missing_header``,
    ``invalid_timestamp``, ``timestamp_too_old``, ``timestamp_too_new``, ``invalid_signature``.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def new_secret() -> str:
    """A fresh random secret in the ``whsec_`` form, to show once to the receiver."""
    return SECRET_PREFIX + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode("ascii")


def sign(
    secret: str | Sequence[str], msg_id: str, timestamp: int | str | datetime, body: bytes
) -> dict[str, str]:
    """The three headers for ``body``. Several secrets (during a rotation) give one signature
    each, so receivers holding either secret accept the request."""
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not secrets:
        raise SignatureError("no_secret")
    if not msg_id:
        raise SignatureError("missing_header")
    stamp = str(_timestamp_for_signing(timestamp))
    signatures = " ".join(_signature(_key(s), msg_id, stamp, body) for s in secrets)
    return {"webhook-id": msg_id, "webhook-timestamp": stamp, "webhook-signature": signatures}


def verify(
    secrets: Sequence[str],
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None = None,
) -> None:
    """Accept the request or raise :class:`SignatureError`.

    ``secrets`` are the receiver's current secrets (two while rotating); without one nothing
    verifies. Header names are matched case-insensitively; only ``v1`` entries count.
    """
    if isinstance(secrets, str) or not secrets:
        # A bare string would be iterated per character; refusing it keeps the failure closed.
        raise SignatureError("no_secret")
    keys = [_key(s) for s in secrets]
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    header = lowered.get("webhook-signature", "")
    if not (msg_id and stamp and header):
        raise SignatureError("missing_header")
    _check_timestamp(stamp, now or clock.now())
    offered = [entry[3:] for entry in header.split(" ")[:MAX_SIGNATURES] if entry[:3] == "v1,"]
    for key in keys:
        expected = _signature(key, msg_id, stamp, body)[3:]
        # Compare every entry (no early exit) so timing says nothing about which one matched.
        matched = False
        for candidate in offered:
            matched |= hmac.compare_digest(expected.encode(), candidate.encode("ascii", "replace"))
        if matched:
            return
    raise SignatureError("invalid_signature")


def _key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX) if isinstance(secret, str) else ""
    if not encoded:
        raise SignatureError("empty_secret")
    try:
        # Receivers copy secrets by hand; accept them without the trailing "=" padding.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("invalid_secret") from None
    if not key:
        raise SignatureError("empty_secret")
    return key


def _signature(key: bytes, msg_id: str, stamp: str, body: bytes) -> str:
    signed = b"%s.%s.%s" % (msg_id.encode(), stamp.encode(), bytes(body))
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def _timestamp_for_signing(value: int | str | datetime) -> int:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bool):
        raise SignatureError("invalid_timestamp")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        raise SignatureError("invalid_timestamp")  # floats, "-1", "1.0", words
    if number < 0:
        raise SignatureError("invalid_timestamp")
    return number


def _check_timestamp(stamp: str, now: datetime) -> None:
    # Digits only, and no more than Unix seconds need: int() would accept "+1", " 1", "1_0".
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise SignatureError("invalid_timestamp")
    age = now.timestamp() - int(stamp)
    if age > TOLERANCE_SECONDS:
        raise SignatureError("timestamp_too_old")
    if -age > TOLERANCE_SECONDS:
        raise SignatureError("timestamp_too_new")


# --- delivery: a signed POST through the SSRF guard -------------------------------------------

EXCERPT_CHARS = 500
_READ_AT_MOST = 4096  # of the receiver's answer: enough for the delivery log, never a download


@dataclass(frozen=True)
class DeliveryResult:
    """One attempt, as the delivery log records it.

    ``status`` is the HTTP status (None when no answer came); ``error`` is empty when the
    receiver accepted (2xx); ``permanent`` says a retry cannot help (another 4xx, a blocked or
    invalid URL, too many redirects); ``retry_after`` is the receiver's Retry-After in seconds.
    """

    status: int | None
    duration_ms: int
    response_excerpt: str
    error: str
    permanent: bool
    retry_after: int | None = None

    @property
    def ok(self) -> bool:
        return not self.error


def post_signed(
    url: str,
    secret: str | Sequence[str],
    event_id: str,
    body: bytes,
    timeout: float = 10.0,
    *,
    headers: Mapping[str, str] | None = None,
    client: ssrf.OutboundClient | None = None,
) -> DeliveryResult:
    """POST ``body`` (JSON) to ``url`` signed with ``secret``; never raises for the receiver's
    or the network's faults, it classifies them. ``event_id`` is the ``webhook-id``: the same on
    every retry, so the receiver can drop a duplicate."""
    started = time.monotonic()
    try:
        signed = sign(secret, event_id, clock.now(), body)
        sent = {"Content-Type": "application/json", **(headers or {}), **signed}
        if client is None:
            with ssrf.OutboundClient(timeout=timeout, max_response_bytes=_READ_AT_MOST) as own:
                response = own.request("POST", url, headers=sent, content=body, truncate=True)
        else:
            response = client.request("POST", url, headers=sent, content=body, truncate=True)
    except (ssrf.BlockedAddress, ssrf.TooManyRedirects) as exc:
        return _failed(started, str(exc), permanent=True)
    except SignatureError as exc:
        return _failed(started, f"cannot sign: {exc.reason}", permanent=True)
    except httpx.TimeoutException:
        return _failed(started, f"timed out (limit {timeout:g} s)", permanent=False)
    except (httpx.TransportError, ssrf.OutboundError) as exc:
        return _failed(started, f"{type(exc).__name__}: {exc}", permanent=False)
    return _classified(started, response)


def _classified(started: float, response: ssrf.OutboundResponse) -> DeliveryResult:
    status = response.status_code
    if 200 <= status < 300:
        error, permanent = "", False
    else:
        error = f"HTTP {status}"
        permanent = not (status in (408, 429) or status >= 500)
    return DeliveryResult(
        status=status,
        duration_ms=_elapsed_ms(started),
        response_excerpt=response.text[:EXCERPT_CHARS],
        error=error,
        permanent=permanent,
        retry_after=_retry_after(response.headers.get("retry-after", "")),
    )


def _failed(started: float, error: str, *, permanent: bool) -> DeliveryResult:
    return DeliveryResult(None, _elapsed_ms(started), "", error, permanent)


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _retry_after(value: str) -> int | None:
    # Seconds only; the HTTP-date form is rare for webhooks and the backoff covers it.
    value = value.strip()
    return min(int(value), 86400) if value.isascii() and value.isdigit() else None
