"""What a conversation's channel allows, decided from its transport's capability record.

The services call these before they write; a refusal is ``CapabilityRefused`` (HTTP 409 in the
API) with a stable code and a sentence naming the channel. ``limits`` lists the same rules as
sentences for the operator UI, which offers only what the channel can do. Everything here reads
the conversation as the caller loaded it (its connection comes with the lock), so the checks
add no statement to the write path.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from messagecenter.contacts import consent
from messagecenter.contacts.models import ConsentChannel
from messagecenter.conversations.models import Conversation
from messagecenter.core import clock
from messagecenter.transports.base import (
    PRODUCT_MAX_FILE_BYTES,
    Capabilities,
    CapabilityRefused,
    check_text,
)


def capabilities(conversation: Conversation) -> Capabilities:
    return conversation.connection.capabilities


def channel_name(conversation: Conversation) -> str:
    connection = conversation.connection
    if connection.kind == "custom" and connection.name:
        return connection.name  # an account's own channel goes by the name it was given
    return str(connection.get_kind_display())


def check_outgoing_text(conversation: Conversation, body: str, *, template: bool = False) -> None:
    """A message to the contact must fit the channel, and its reply window must be open,
    unless it is one of the channel's templates (what a closed window still allows; the
    channel's own service checks the template)."""
    check_text(capabilities(conversation), body, channel_name(conversation))
    if not template:
        check_reply_window(conversation)
    check_consent(conversation)


def check_consent(conversation: Conversation) -> None:
    """A contact who withdrew their consent on the channel (an SMS STOP) is not written to
    until they give it again (START); only channels with a consent log ask (one query)."""
    kind = conversation.connection.kind
    if kind not in ConsentChannel.values:
        return
    if not consent.allows(conversation.contact, kind):
        raise CapabilityRefused(
            _(
                "The contact has unsubscribed from %(channel)s (STOP) and cannot be written to "
                "there until they send START."
            )
            % {"channel": channel_name(conversation)},
            code="contact_opted_out",
        )


def check_reply_window(conversation: Conversation) -> None:
    """Channels with a reply window (WhatsApp: 24 h) take free text only that long after the
    contact's last message; afterwards only templates."""
    window = capabilities(conversation).reply_window
    if window is None:
        return
    last = conversation.last_contact_activity_at
    if last is None or clock.now() - last > window:
        raise CapabilityRefused(
            _(
                "The reply window of %(channel)s has closed: the contact last wrote more than "
                "%(hours)d hours ago. Only a template can be sent now."
            )
            % {"channel": channel_name(conversation), "hours": window.total_seconds() // 3600},
            code="channel_reply_window_closed",
        )


def check_delete(conversation: Conversation, sent_at: datetime) -> None:
    """Deletion only where the channel can delete, and within its window (Telegram: 48 h)."""
    caps = capabilities(conversation)
    if not caps.can_delete:
        raise CapabilityRefused(
            _("Messages cannot be deleted on %(channel)s conversations.")
            % {"channel": channel_name(conversation)},
            code="channel_cannot_delete",
        )
    if caps.delete_window is not None and clock.now() - sent_at > caps.delete_window:
        raise CapabilityRefused(
            _("On %(channel)s a message can only be deleted within %(hours)d hours.")
            % {
                "channel": channel_name(conversation),
                "hours": caps.delete_window.total_seconds() // 3600,
            },
            code="channel_delete_window_passed",
        )


def check_media(conversation: Conversation, media_kind: str, size: int) -> None:
    """An attachment of ``media_kind`` (files.services.media_kind_of) and ``size`` bytes."""
    caps = capabilities(conversation)
    if media_kind not in caps.media_types:
        raise CapabilityRefused(
            _("%(channel)s cannot carry this kind of file.")
            % {"channel": channel_name(conversation)},
            code="channel_media_type",
        )
    limit = caps.max_bytes_for(media_kind) or PRODUCT_MAX_FILE_BYTES
    if size > limit:
        raise CapabilityRefused(
            _("%(channel)s carries files of at most %(mb)d MB.")
            % {"channel": channel_name(conversation), "mb": limit // (1024 * 1024)},
            code="channel_file_too_large",
        )


def limits(conversation: Conversation) -> list[str]:
    """What the channel cannot do, as sentences for the operator UI (why an action is missing)."""
    caps, name = capabilities(conversation), channel_name(conversation)
    said = []
    if not caps.can_delete:
        said.append(
            _("Messages cannot be deleted on %(channel)s conversations.") % {"channel": name}
        )
    elif caps.delete_window is not None:
        hours = caps.delete_window.total_seconds() // 3600
        said.append(
            _("On %(channel)s a message can only be deleted within %(hours)d hours.")
            % {"channel": name, "hours": hours}
        )
    if not caps.calls:
        said.append(_("%(channel)s has no calls.") % {"channel": name})
    if not caps.voice:
        said.append(_("%(channel)s carries no voice messages.") % {"channel": name})
    if caps.reply_window is not None:
        said.append(
            _("%(channel)s takes free text only for %(hours)d hours after the contact wrote.")
            % {"channel": name, "hours": caps.reply_window.total_seconds() // 3600}
        )
    return said
