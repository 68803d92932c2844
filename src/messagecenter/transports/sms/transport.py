"""SMS through Twilio as a transport: an incoming message's parameters parsed into an
``InboundMessage`` (its MMS images downloaded with our credentials), outbound delivery as a
Message resource created with a StatusCallback to our status webhook.

The request is verified and committed before ``parse`` sees it (``sms.inbound``); ``parse``
only reads it. Ids: the contact's identity is their phone number (``From``, E.164); a
message's provider id is Twilio's ``MessageSid``. SMS has no threads: a contact's next SMS
continues their latest open conversation on the connection (``conversations.inbound``).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from messagecenter.contacts import consent
from messagecenter.contacts import services as contacts
from messagecenter.contacts.models import ConsentChannel
from messagecenter.core.errors import ValidationFailed
from messagecenter.transports import registry
from messagecenter.transports.base import (
    MB,
    Capabilities,
    InboundAttachment,
    InboundMessage,
    Outbound,
    Receipt,
    Transport,
    TransportError,
)
from messagecenter.transports.sms import api, config

log = logging.getLogger(__name__)

# Twilio's published limits: a Body of at most 1,600 characters; MMS media up to 5 MB; of
# the media types Twilio accepts we keep and send images the phones all show: JPEG, PNG, GIF.
MAX_TEXT = 1600
MAX_MEDIA_BYTES = 5 * MB
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}
KEYWORD_SOURCE = "sms_keyword"
PROVIDER_SOURCE = "sms_provider"
# Stored untranslated (a message or a delivery outlives a request's language).
NOT_AN_IMAGE = gettext_noop("SMS keeps only images (JPEG, PNG, GIF); this file was not kept.")
OPTED_OUT = gettext_noop(
    "The contact has unsubscribed from SMS (STOP). They must send START before they can be "
    "written to again."
)
NO_NUMBER = gettext_noop("The contact has no phone number.")
DISCONNECTED = gettext_noop("The channel is disconnected.")
# Twilio's words are English and technical: the codes an operator meets, in ours.
REASONS = {
    api.INVALID_TO: gettext_noop("The contact's phone number cannot receive SMS (Twilio 21211)."),
    21614: gettext_noop("The contact's phone number is not a mobile number (Twilio 21614)."),
    21408: gettext_noop("Twilio may not send SMS to this country (Twilio 21408)."),
    21606: gettext_noop("The sender number cannot send SMS (Twilio 21606)."),
    api.AUTHENTICATION_FAILED: gettext_noop(
        "Twilio refused our credentials (Twilio 20003). Connect the channel again."
    ),
}


class SmsTransport(Transport):
    kind = "sms"
    attaches_files = True  # images as MMS MediaUrl (_media_urls)
    capabilities: ClassVar[Capabilities] = dataclasses.replace(
        registry.PLANNED["sms"],
        max_text_length=MAX_TEXT,
        media_types=frozenset({"image"}),
        mime_types=frozenset({"image/jpeg", "image/png", "image/gif"}),
        max_file_bytes=MAX_MEDIA_BYTES,
        voice=False,
        calls=False,
        can_delete=False,
        delete_window=None,
        can_edit=False,
        edit_window=None,
        templates=False,
        reply_window=None,
        identity_kinds=frozenset({"phone"}),
        queued_delivery=True,
    )

    def parse(self, connection, request: dict[str, Any]) -> InboundMessage:
        """The parameters of Twilio's incoming-message request (single values)."""
        sid, sender = str(request.get("MessageSid") or ""), str(request.get("From") or "")
        if not sid or not sender:
            raise ValidationFailed(_("The request carries no message."), field="MessageSid")
        attachments = tuple(_attachments(connection, request))
        return InboundMessage(
            body=_body(request, attachments),
            identity_kind="phone",
            identity_value=sender,
            provider_message_id=sid,
            attachments=attachments,
            metadata={"to": str(request.get("To") or "")[:32],
                      "messaging_service_sid": str(request.get("MessagingServiceSid") or "")[:40],
                      "segments": str(request.get("NumSegments") or "")[:4]},
        )  # fmt: skip

    def deliver(self, outbound: Outbound) -> Receipt:
        connection = outbound.connection
        if not connection.is_active:
            raise TransportError(DISCONNECTED, permanent=True)
        if not outbound.recipient:
            raise TransportError(NO_NUMBER, permanent=True)
        if not _may_write(connection, outbound.recipient):
            # A STOP that arrived after the reply was queued: never sent.
            raise TransportError(OPTED_OUT, permanent=True)
        try:
            sent = config.api(connection).create_message(_message_params(outbound))
        except api.ApiError as error:
            raise _transport_error(connection, outbound.recipient, error) from None
        return Receipt(provider_message_id=str(sent.get("sid") or ""))


def _message_params(outbound: Outbound) -> dict[str, Any]:
    connection = outbound.connection
    params: dict[str, Any] = {
        "To": outbound.recipient,
        "Body": outbound.body,
        "StatusCallback": config.status_url(connection),
    }
    media = _media_urls(outbound)
    if media:
        params["MediaUrl"] = media  # MMS: Twilio fetches each while the URL is valid
    service = config.messaging_service_sid(connection)
    if service:
        params["MessagingServiceSid"] = service
    else:
        params["From"] = config.phone_number(connection)
    return params


def _media_urls(outbound: Outbound) -> list[str]:
    """Signed public URLs of the message's images (``metadata["files"]``, already checked
    against the channel: JPEG, PNG, GIF, within the size limit); Twilio takes at most 10."""
    from messagecenter.files import links
    from messagecenter.files.models import StoredFile

    ids = list(outbound.metadata.get("files") or [])[:10]
    files = StoredFile.objects.filter(account_id=outbound.connection.account_id, public_id__in=ids)
    by_id = {f.public_id: f for f in files.select_related("account")}
    return [links.absolute(links.download_url(by_id[i])) for i in ids if i in by_id]


def _contact_of(connection, number: str):
    try:
        return contacts.find_by_identity(connection.account, "phone", number)
    except ValidationFailed:
        return None


def _may_write(connection, number: str) -> bool:
    contact = _contact_of(connection, number)
    return contact is None or consent.allows(contact, ConsentChannel.SMS)


def _transport_error(connection, number: str, error: api.ApiError) -> TransportError:
    if error.code == api.UNSUBSCRIBED:
        # Twilio knows the number sent STOP (maybe before this channel existed): so do we.
        withdraw(connection, number, source=PROVIDER_SOURCE)
        return TransportError(OPTED_OUT, permanent=True)
    reason = REASONS.get(error.code, error.reason)
    return TransportError(reason, permanent=error.permanent, retry_after=error.retry_after)


def withdraw(connection, number: str, *, source: str) -> bool:
    """The contact of ``number`` withdrew SMS consent; False when no contact has it."""
    contact = _contact_of(connection, number)
    if contact is None:
        return False
    if consent.allows(contact, ConsentChannel.SMS):
        consent.record(contact, ConsentChannel.SMS, granted=False, source=source)
    return True


def _body(request: dict[str, Any], attachments: tuple[InboundAttachment, ...]) -> str:
    text = str(request.get("Body") or "").strip()
    if text:
        return text
    if attachments:
        return ", ".join(a.filename for a in attachments)
    return "(empty message)"


# --- MMS media -------------------------------------------------------------------------------


def _attachments(connection, request: dict[str, Any]):
    try:
        count = min(int(str(request.get("NumMedia") or "0")), 10)  # Twilio: at most 10
    except ValueError:
        count = 0
    sid = str(request.get("MessageSid"))
    for i in range(count):
        url = str(request.get(f"MediaUrl{i}") or "")
        content_type = str(request.get(f"MediaContentType{i}") or "").split(";")[0].strip()
        if url:
            yield _media(connection, url, content_type.lower(), f"{sid}-{i + 1}")


def _media(connection, url: str, content_type: str, stem: str) -> InboundAttachment:
    extension = IMAGE_TYPES.get(content_type)
    if extension is None:
        name = f"{stem}.{content_type.rpartition('/')[2][:10] or 'bin'}"
        return skipped(name, content_type or "application/octet-stream", NOT_AN_IMAGE)
    filename = f"{stem}.{extension}"
    try:
        content, _served = config.api(connection).download(url, max_bytes=MAX_MEDIA_BYTES)
    except api.ApiError as error:
        if error.permanent:
            log.info("sms %s: a media file was not downloaded (%s)", connection.public_id,
                     error.reason)  # fmt: skip
            return skipped(filename, content_type, error.reason)
        raise  # worth another try: the event stays pending
    return InboundAttachment(filename=filename, content_type=content_type, content=content)


def skipped(filename: str, content_type: str, reason: str) -> InboundAttachment:
    """A file we did not keep, named with why (empty content)."""
    return InboundAttachment(
        filename=filename, content_type=content_type, content=b"", size=0, reason=reason
    )


registry.register(SmsTransport())
