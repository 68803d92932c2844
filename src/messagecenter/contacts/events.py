"""Events about contacts, for the operator app (docs/realtime.md).

A contact's details show on many operator pages (the conversation header and sidebar, inbox
rows); they are not part of any timeline, so a change is announced on its own. The event
carries ids only: pages re-read what they show, scoped to the operator's account.
"""

from __future__ import annotations

import uuid
from typing import Literal, TypedDict

from messagecenter.contacts.models import Contact
from messagecenter.core.events import account_group, send_on_commit
from messagecenter.jobs import outbox


class ContactChangedEvent(TypedDict):
    type: Literal["contact.changed"]
    account: str
    contact: str


def announce_contact_changed(contact: Contact) -> None:
    """Tell the contact's account after commit: every operator may have it on screen."""
    account = contact.account.public_id
    event: ContactChangedEvent = {
        "type": "contact.changed",
        "account": account,
        "contact": contact.public_id,
    }
    send_on_commit(event, [account_group(account)])


def publish_contacts(topic: str, contact_ids: list[str], account_id: int) -> None:
    """``publish_contact`` for many contacts in one INSERT (an import batch)."""
    events = [(topic, _payload(topic, contact_id, account_id)) for contact_id in contact_ids]
    if events:
        outbox.publish(events, account_id=account_id)


def publish_contact(topic: str, contact_id: str, account_id: int) -> None:
    """The durable side of a contact write (``contact.created``, ``contact.updated``,
    ``contact.erased``), in the writer's transaction, for the jobs subscribed to it
    (webhooks). The contact's id only: a consumer reads the rest (and an erased contact has
    nothing left to read)."""
    outbox.publish([(topic, _payload(topic, contact_id, account_id))], account_id=account_id)


def _payload(topic: str, contact_id: str, account_id: int) -> dict:
    # ``event`` tells two updates of one contact apart (consumers dedupe by it).
    return {
        "type": topic,
        "contact": contact_id,
        "account_id": account_id,
        "event": uuid.uuid4().hex,
    }
