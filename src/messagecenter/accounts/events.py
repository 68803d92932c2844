"""Events of the accounts domain."""

from __future__ import annotations

from typing import Literal, TypedDict

from messagecenter.accounts.models import Operator


class OperatorPresenceEvent(TypedDict):
    type: Literal["operator.presence"]
    account: str
    operator: str
    presence: str
    max_slots: int


def presence_event(operator: Operator) -> OperatorPresenceEvent:
    """Who receives it: the whole account (Operators page, slot indicators, routing views)."""
    return {
        "type": "operator.presence",
        "account": operator.account.public_id,
        "operator": operator.public_id,
        "presence": operator.presence,
        "max_slots": operator.max_slots,
    }


class OperatorSessionsChangedEvent(TypedDict):
    type: Literal["operator.sessions_changed"]
    operator: str


def sessions_changed_event(operator: Operator) -> OperatorSessionsChangedEvent:
    """Who receives it: the operator's own sockets, which re-check their sign-in and close
    when it is gone. Never forwarded to a client."""
    return {"type": "operator.sessions_changed", "operator": operator.public_id}
