"""The event publisher: domain events leave only after the transaction commits.

A service builds a typed event and names its recipients (WebSocket groups); ``send_on_commit``
holds it until commit, so no client ever hears of a change that was rolled back. Sinks are
plugged in at start-up: the realtime fan-out over the channel layer, and later webhooks and
notifications. Every payload is round-tripped through JSON first, so the embedded (in-memory)
mode fails the same way the Redis mode would on a value that does not serialise.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

log = logging.getLogger(__name__)

Event = Mapping[str, Any]
Sink = Callable[[dict[str, Any], list[str]], None]
_sinks: list[Sink] = []


def register_sink(sink: Sink) -> None:
    if sink not in _sinks:
        _sinks.append(sink)


def unregister_sink(sink: Sink) -> None:
    if sink in _sinks:
        _sinks.remove(sink)


def send_on_commit(
    event: Event, groups: Iterable[str], *, finish: Callable[[Any], None] | None = None
) -> None:
    """Deliver ``event`` to ``groups`` once the surrounding transaction commits. ``finish``
    completes the event at that moment, from rows the rest of the transaction wrote (a mail's
    attachments follow its message); without it the event is fixed now."""
    targets = sorted(set(groups))
    if finish is None:
        wire = json.loads(json.dumps(event, cls=DjangoJSONEncoder))
        transaction.on_commit(lambda: _dispatch(wire, targets))
        return

    def finished() -> None:
        finish(event)
        _dispatch(json.loads(json.dumps(event, cls=DjangoJSONEncoder)), targets)

    transaction.on_commit(finished)


def _dispatch(event: dict[str, Any], groups: list[str]) -> None:
    for sink in list(_sinks):
        try:
            sink(event, groups)
        except Exception:
            # A failed push must not fail the request that already committed: clients resume
            # from the database, so a lost push only delays what they see.
            log.exception("event sink %r failed for %s", sink, event.get("type"))


def account_group(account_public_id: str) -> str:
    return f"account.{account_public_id}"


def operator_group(operator_public_id: str) -> str:
    return f"operator.{operator_public_id}"


def conversation_group(conversation_public_id: str) -> str:
    return f"conversation.{conversation_public_id}"


def contact_group(contact_public_id: str) -> str:
    return f"contact.{contact_public_id}"
