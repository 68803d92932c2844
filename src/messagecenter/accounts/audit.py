"""The audit trail writer. Called by services inside their transaction."""

from __future__ import annotations

from typing import Any

from messagecenter.accounts.models import AuditEntry
from messagecenter.core import clock
from messagecenter.core.actors import Actor


def record(actor: Actor, action: str, target_type: str, target_id: str, **data: Any) -> AuditEntry:
    """Write who did ``action`` to which object. ``data`` holds ids and counts only."""
    return AuditEntry.objects.create(
        account=actor.account,
        at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.public_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        data=data,
    )
