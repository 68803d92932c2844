"""Events of the archive domain, and who receives them."""

from __future__ import annotations

from typing import Literal, TypedDict

from messagecenter.core.events import account_group, conversation_group, send_on_commit


class ConversationDeletedEvent(TypedDict):
    """A conversation was deleted: lists drop its row, an open conversation page closes.
    Goes to the whole account (every list may show it) and to the conversation's viewers."""

    type: Literal["conversation.deleted"]
    account: str
    conversation: str


def announce_deleted(account_public_id: str, conversation_public_id: str) -> None:
    event: ConversationDeletedEvent = {
        "type": "conversation.deleted",
        "account": account_public_id,
        "conversation": conversation_public_id,
    }
    send_on_commit(
        event, [account_group(account_public_id), conversation_group(conversation_public_id)]
    )
