"""What the operator sees of a mail beyond its body (``conversations.extras``): the attachments
(with the link that serves them), the quoted history and signature the parser cut, whether
remote images were held back, and the parts too large to keep."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.urls import reverse

from messagecenter.conversations.models import Conversation, Message
from messagecenter.files.models import StoredFile
from messagecenter.transports.email.models import InboundMail, MailAttachment


def mail_extras(messages: list[Message]) -> dict[int, dict[str, Any]]:
    """Two queries for a whole page of mails, whatever its size."""
    pks = [m.pk for m in messages]
    files: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for attachment in MailAttachment.objects.filter(message_id__in=pks).select_related("file"):
        files[attachment.message_id].append(_file(attachment))
    found: dict[int, dict[str, Any]] = {pk: {"files": items} for pk, items in files.items()}
    for mail in InboundMail.objects.filter(message_id__in=pks):
        found.setdefault(mail.message_id, {})["mail"] = {
            "quoted_text": mail.quoted_text,
            "remote_images_blocked": mail.remote_images_blocked,
            "skipped_attachments": mail.skipped_attachments,
        }
    return found


def _file(attachment: MailAttachment) -> dict[str, Any]:
    stored = attachment.file
    return {
        "id": stored.public_id,
        "name": stored.original_name,
        "size": stored.size,
        "content_type": stored.content_type,
        "media_kind": stored.media_kind,
        # Shown inside the HTML body (a cid: image): the list need not repeat it.
        "inline": attachment.inline,
        "url": reverse("email_channel:file", args=[stored.public_id]),
    }


def mail_file(conversation: Conversation, file_id: str) -> StoredFile | None:
    attachment = (
        MailAttachment.objects.filter(message__conversation=conversation, file__public_id=file_id)
        .select_related("file")
        .first()
    )
    return attachment.file if attachment else None
