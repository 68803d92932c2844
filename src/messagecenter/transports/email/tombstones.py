"""Tombstones: a deleted or erased conversation's mails never come back from the mailbox.

When a conversation goes (the archive's delete, a GDPR erasure cascading from its contact, a
retention purge: every path ends in an ORM delete), a ``pre_delete`` receiver writes the hashed
Message-ID (``imap.message_key``) of each of its messages that came or went through an e-mail
connection, inbound and outbound. ``inbound.ingest`` checks them before anything else, so a
re-synced mailbox (UIDVALIDITY change, a second client moving mail back) drops those mails.
Only hashes are kept: an erased person's addresses and ids are gone.
"""

from __future__ import annotations

from django.db.models.signals import pre_delete

from messagecenter.core import clock

_UID = "messagecenter.transports.email.tombstones"


def connect() -> None:
    from messagecenter.conversations.models import Conversation

    pre_delete.connect(_conversation_deleted, sender=Conversation, dispatch_uid=_UID)


def _conversation_deleted(sender, instance, **kwargs) -> None:
    bury(instance)


def bury(conversation) -> int:
    """Write the tombstones of ``conversation``'s e-mail messages; returns how many."""
    from messagecenter.conversations.models import Message, OutboundDelivery
    from messagecenter.transports.email.inbound import key_of
    from messagecenter.transports.email.models import Tombstone

    email = {"connection__kind": "email"}
    inbound = Message.objects.filter(
        conversation=conversation, provider_message_id__isnull=False, **email
    ).values_list("connection_id", "provider_message_id")
    outbound = (
        OutboundDelivery.objects.filter(message__conversation=conversation, **email)
        .exclude(provider_message_id="")
        .values_list("connection_id", "provider_message_id")
    )
    now = clock.now()
    keys = {(connection, key_of(pid)) for connection, pid in [*inbound, *outbound] if pid}
    Tombstone.objects.bulk_create(
        [Tombstone(connection_id=c, key=k, created_at=now) for c, k in keys],
        ignore_conflicts=True,
    )
    return len(keys)
