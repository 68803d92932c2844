"""WhatsApp (Cloud API) as a transport: one message of a webhook's ``value`` parsed into an
``InboundMessage`` (its media downloaded with the connection's token), outbound delivery as
``POST /<phone number id>/messages``.

The webhook is verified and committed before ``parse`` sees anything (``whatsapp.inbound``),
which splits each ``value`` into its messages; ``parse`` only reads one. Ids: a message's
provider id is its ``wamid``; the contact's identity is WhatsApp's business-scoped user id
(``user_id``, since 2026 in every messages webhook) or, in payloads without one, the
``wa_id`` (their number). WhatsApp has no threads: the contact's next message continues
their latest conversation on the connection.

Every kind WhatsApp sends becomes something an operator can read: text, media (kept as
files), location (with a map link), shared contacts, button and list replies, orders;
a reply quotes the message it answers in a first ``>`` line; kinds we do not know are shown
as "Unsupported message" with WhatsApp's own reason.
"""

from __future__ import annotations

import dataclasses
import logging
import mimetypes
import re
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

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
from messagecenter.transports.whatsapp import config
from messagecenter.transports.whatsapp.api import RE_ENGAGEMENT, ApiError

log = logging.getLogger(__name__)

# WhatsApp's published Cloud API limits: a text has at most 4096 characters; media by type.
MAX_TEXT = 4096
KB = 1024
MEDIA_LIMITS = {
    "image": 5 * MB,
    "video": 16 * MB,
    "audio": 16 * MB,
    "document": 100 * MB,
    "sticker": 500 * KB,
}
# Which of our media kinds (files.services.media_kind_of) each WhatsApp type is.
MEDIA_KIND = {"image": "image", "video": "video", "audio": "audio", "document": "document",
              "sticker": "image"}  # fmt: skip
REPLY_WINDOW = timedelta(hours=24)
# A business-scoped user id: a country code, a dot, an id ("US.13491208655302741918"), or a
# parent one ("US.ENT.…").
USER_ID = re.compile(r"^[A-Z]{2}\.[A-Za-z0-9.]+$")
# Stored untranslated (a message outlives a request's language).
TOO_LARGE = gettext_noop("Larger than WhatsApp's limit for this kind of file.")
RETRY_AFTER_RATE_LIMIT = 60


class NotTaken(ValidationFailed):
    """A message that is no contact message of ours to store (a group's): logged and
    answered with nothing."""

    code = "whatsapp_not_taken"


@dataclasses.dataclass(frozen=True)
class Sender:
    """Who wrote, as the webhook says: WhatsApp's user id and what it tells beside it."""

    user_id: str
    phone: str
    username: str
    parent_user_id: str
    name: str

    @property
    def identity(self) -> str:
        return self.user_id or self.phone

    def attributes(self) -> dict[str, str]:
        found = {"phone": _phone(self.phone), "username": self.username,
                 "parent_user_id": self.parent_user_id}  # fmt: skip
        return {key: value for key, value in found.items() if value}


# What WhatsApp sends as which message type (Cloud API, supported media types); any other
# file goes as a document (a GIF, a WebM video, an MP3 is audio/mpeg and stays audio).
MEDIA_TYPES = {
    "image": frozenset({"image/jpeg", "image/png"}),
    "video": frozenset({"video/mp4", "video/3gpp"}),
    "audio": frozenset({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}),
}
MAX_CAPTION = 1024


class WhatsAppTransport(Transport):
    kind = "whatsapp"
    attaches_files = True  # uploaded to /media and sent by id (_contents)
    capabilities: ClassVar[Capabilities] = dataclasses.replace(
        registry.PLANNED["whatsapp"],
        max_text_length=MAX_TEXT,
        media_types=frozenset({"image", "audio", "video", "document"}),
        max_file_bytes=MEDIA_LIMITS["document"],
        media_limits=tuple(
            sorted({MEDIA_KIND[k]: v for k, v in MEDIA_LIMITS.items() if k != "sticker"}.items())
        ),
        voice=True,
        can_delete=False,
        delete_window=None,
        can_edit=False,
        templates=True,  # approved templates, also outside the window (whatsapp.sending)
        reply_window=REPLY_WINDOW,
        identity_kinds=frozenset({"whatsapp", "phone"}),
        queued_delivery=True,
    )

    def parse(self, connection, request: dict[str, Any]) -> InboundMessage:
        """One message: ``{"value": <a change's value>, "message": <one of its messages>,
        "quoted": <the text it replies to>}``, or a ``value`` with one message."""
        value = request.get("value", request) if isinstance(request, dict) else {}
        message = request.get("message") if isinstance(request, dict) else None
        if message is None:
            messages = value.get("messages") if isinstance(value, dict) else None
            message = messages[0] if isinstance(messages, list) and messages else None
        if not isinstance(message, dict) or not message.get("id"):
            raise NotTaken(_("The webhook carries no message."), reason="no_message")
        if message.get("group_id"):
            raise NotTaken(_("Group chats are not supported."), reason="group")
        who = sender(value, message)
        if not who.identity:
            raise NotTaken(_("The message names no sender."), reason="no_sender")
        attachments = tuple(_attachments(connection, message))
        return InboundMessage(
            body=body_of(message, attachments, str(request.get("quoted") or "")),
            identity_kind="whatsapp",
            identity_value=who.identity,
            provider_message_id=str(message["id"])[:200],
            contact_name=who.name or who.username,
            sent_at=timestamp(message.get("timestamp")),
            attachments=attachments,
            metadata={"type": str(message.get("type") or ""), **who.attributes()},
        )

    def deliver(self, outbound: Outbound) -> Receipt:
        connection = outbound.connection
        if not connection.is_active:
            raise TransportError(_("The channel is disconnected."), permanent=True)
        address = addressing(connection, outbound.recipient)
        if not address or not config.token(connection) or not config.phone_number_id(connection):
            raise TransportError(_("The contact has no WhatsApp address."), permanent=True)
        envelope = {"messaging_product": "whatsapp", "recipient_type": "individual", **address}
        try:
            wamid = ""
            for content in self._contents(outbound):
                wamid = _send(connection, envelope | content) or wamid
        except ApiError as error:
            raise transport_error(error) from None
        return Receipt(provider_message_id=wamid)

    def _contents(self, outbound: Outbound):
        """What the delivery becomes, in order: a template message alone; else each file
        (uploaded to ``/<phone number id>/media``, sent by media id, the text as the caption
        of a single file where WhatsApp allows one), then the text. Upload happens just
        before its send, so a retry after a failure re-uploads (a media id lives 30 days)."""
        template = _template_of(outbound)
        if template is not None:
            yield {"type": "template", "template": template}
            return
        files = _files(outbound)
        text = outbound.body.strip()
        for stored in files:
            if stored.voice:  # a voice note: its OGG/Opus copy, shown as one by WhatsApp
                ogg = _ogg_copy(stored)
                audio = {"id": upload(outbound.connection, ogg, "audio", voice=True), "voice": True}
                yield {"type": "audio", "audio": audio}
                continue
            kind = media_type(stored.content_type)
            item: dict[str, Any] = {"id": upload(outbound.connection, stored, kind)}
            if kind == "document":
                item["filename"] = stored.original_name[:240]
            if len(files) == 1 and text and kind != "audio" and len(text) <= MAX_CAPTION:
                item["caption"], text = text, ""
            yield {"type": kind, kind: item}
        if text:
            yield {"type": "text", "text": {"body": outbound.body, "preview_url": False}}


def _send(connection, body: dict[str, Any]) -> str:
    sent = config.api(connection).post(f"{config.phone_number_id(connection)}/messages", body)
    messages = sent.get("messages") if isinstance(sent.get("messages"), list) else []
    return str((messages[0].get("id") if messages and isinstance(messages[0], dict) else "") or "")


def _template_of(outbound: Outbound) -> dict[str, Any] | None:
    """The Cloud API's ``template`` object of a template message (``whatsapp.sending``)."""
    from messagecenter.transports.whatsapp.models import WhatsAppTemplateMessage

    found = WhatsAppTemplateMessage.objects.filter(message__delivery__pk=outbound.delivery_id)
    row = found.first()
    if row is None:
        return None
    template: dict[str, Any] = {"name": row.name, "language": {"code": row.language}}
    if row.components:
        template["components"] = row.components
    return template


def _files(outbound: Outbound) -> list:
    from messagecenter.files.models import StoredFile

    ids = list(outbound.metadata.get("files") or [])
    found = StoredFile.objects.select_related("account").filter(
        account_id=outbound.connection.account_id, public_id__in=ids
    )
    by_id = {f.public_id: f for f in found}
    return [by_id[i] for i in ids if i in by_id]


def media_type(content_type: str) -> str:
    """The message type a file goes as: image, video or audio where WhatsApp plays that
    format, else a document."""
    mime = (content_type or "").split(";")[0].strip().lower()
    return next((kind for kind, types in MEDIA_TYPES.items() if mime in types), "document")


def _ogg_copy(stored):
    """A voice message's OGG/Opus copy (made here, in the delivery job, if the remux job has
    not yet)."""
    from messagecenter.files import voice

    try:
        return voice.ogg_copy(stored)
    except ValidationFailed:
        raise TransportError(
            _("The voice message could not be converted to OGG/Opus."), permanent=True
        ) from None


def upload(connection, stored, kind: str, *, voice: bool = False) -> str:
    """``POST /<phone number id>/media`` (multipart: ``file``, ``type``, ``messaging_product``),
    the file streamed from storage: the media id to send it by. A voice note uploads its
    OGG/Opus copy (WhatsApp's voice notes are OGG with the Opus codec)."""
    from django.core.files.storage import default_storage

    from messagecenter.files import voice as voices
    from messagecenter.files.services import open_file
    from messagecenter.transports.whatsapp.api import DOWNLOAD_TIMEOUT_SECONDS

    if voice:
        name, mime = voices.ogg_name(stored), voices.OGG
        opened = default_storage.open(stored.voice_ogg_key, "rb")
    else:
        name, mime = stored.original_name, stored.content_type or "application/octet-stream"
        opened = open_file(stored)
    with opened as handle:
        answer = config.api(connection).upload(
            f"{config.phone_number_id(connection)}/media",
            data={"messaging_product": "whatsapp", "type": mime},
            files={"file": (name, handle, mime)},
            timeout=DOWNLOAD_TIMEOUT_SECONDS,
        )
    media_id = str(answer.get("id") or "")
    if not media_id:
        raise ApiError(_("WhatsApp did not take the file."), status=502)
    return media_id


# --- who wrote -------------------------------------------------------------------------------


def sender(value: dict[str, Any], message: dict[str, Any]) -> Sender:
    """The message's sender, with the ``contacts[]`` entry that names them (by user id, by
    number, or the only one)."""
    user_id = str(message.get("from_user_id") or "")
    phone = str(message.get("from") or "")
    contacts = [c for c in (value.get("contacts") or []) if isinstance(c, dict)]
    entry = next((c for c in contacts if user_id and c.get("user_id") == user_id), None)
    entry = entry or next((c for c in contacts if phone and c.get("wa_id") == phone), None)
    entry = entry or (contacts[0] if len(contacts) == 1 else {})
    profile = obj(entry.get("profile"))
    return Sender(
        user_id=(user_id or str(entry.get("user_id") or ""))[:100],
        phone=(phone or str(entry.get("wa_id") or ""))[:32],
        username=str(profile.get("username") or "")[:100],
        parent_user_id=str(
            message.get("from_parent_user_id") or entry.get("parent_user_id") or ""
        )[:100],
        name=str(profile.get("name") or "")[:200],
    )  # fmt: skip


def obj(value: Any) -> dict[str, Any]:
    """A JSON object of the payload, or an empty one (Meta's fields are optional)."""
    return value if isinstance(value, dict) else {}


def is_user_id(value: str) -> bool:
    return bool(USER_ID.match(value or ""))


def _phone(value: str) -> str:
    """A ``wa_id`` as E.164 for the attributes ("" for what is no number)."""
    digits = (value or "").strip().removeprefix("+")
    return "+" + digits if digits.isdigit() and 6 <= len(digits) <= 15 else ""


def addressing(connection, recipient: str) -> dict[str, str]:
    """Whom ``messages`` is asked to write to: ``to`` a number (Meta prefers it, so the
    number keeps appearing in webhooks), else ``recipient`` the business-scoped user id."""
    if not recipient:
        return {}
    if not is_user_id(recipient):
        return {"to": recipient.removeprefix("+")}
    from messagecenter.contacts.models import ContactIdentity

    identity = ContactIdentity.objects.filter(
        account_id=connection.account_id, kind="whatsapp", value=recipient
    ).first()
    phone = str((identity.attributes or {}).get("phone") or "") if identity else ""
    return {"to": phone.removeprefix("+")} if phone else {"recipient": recipient}


def transport_error(error: ApiError) -> TransportError:
    reason = error.reason
    if error.code == RE_ENGAGEMENT:
        reason = _("The contact last wrote more than 24 hours ago: WhatsApp only takes a "
                   "template now (%(reason)s).") % {"reason": error.reason}  # fmt: skip
    wait = RETRY_AFTER_RATE_LIMIT if error.code in (130429, 131056, 80007, 4) else None
    return TransportError(reason[:500], permanent=error.permanent, retry_after=wait)


def timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


# --- what it says ----------------------------------------------------------------------------


def body_of(
    message: dict[str, Any], attachments: tuple[InboundAttachment, ...], quoted: str = ""
) -> str:
    text = _text(message, attachments).strip() or "(empty message)"
    context = obj(message.get("context"))
    if context.get("forwarded") or context.get("frequently_forwarded"):
        text = _("[Forwarded] %(text)s") % {"text": text}
    referral = obj(message.get("referral"))
    if referral.get("headline") or referral.get("source_url"):
        text += "\n\n" + _("(Came from an ad: %(ad)s)") % {
            "ad": referral.get("headline") or referral.get("source_url")
        }
    if quoted:
        first = " ".join(quoted.split())[:200]
        text = f"> {first}\n\n{text}"
    return text[:20_000]


def _text(message: dict[str, Any], attachments: tuple[InboundAttachment, ...]) -> str:
    kind = str(message.get("type") or "")
    item = obj(message.get(kind))
    if kind == "text":
        return str(item.get("body") or "")
    if kind in MEDIA_LIMITS:
        caption = str(item.get("caption") or "")
        names = ", ".join(a.filename for a in attachments)
        if kind == "audio" and item.get("voice"):
            return caption or _("Voice message") + (f": {names}" if names else "")
        return caption or names
    if kind == "location":
        return _location(item)
    if kind == "contacts":
        return _contacts(message.get("contacts"))
    if kind == "interactive":
        return _interactive(item)
    if kind == "button":
        return str(item.get("text") or item.get("payload") or "")
    if kind == "order":
        count = len(item.get("product_items") or [])
        return (_("Order with %(count)d items") % {"count": count}) + (
            f": {item['text']}" if item.get("text") else ""
        )
    if kind == "reaction":
        emoji = str(item.get("emoji") or "")
        return (_("Reaction %(emoji)s") % {"emoji": emoji}) if emoji else _("Reaction removed")
    return unsupported(message)


def unsupported(message: dict[str, Any]) -> str:
    """What we cannot show, said so (with WhatsApp's reason when it gave one)."""
    errors = [e for e in (message.get("errors") or []) if isinstance(e, dict)]
    inner = obj(message.get("unsupported"))
    kind = str(inner.get("type") or message.get("type") or "")
    said = _("Unsupported message") + (f" ({kind})" if kind and kind != "unsupported" else "")
    if errors:
        from messagecenter.transports.whatsapp.api import describe

        said += f": {describe(errors[0])}"
    return said


def _location(item: dict[str, Any]) -> str:
    lat, lon = item.get("latitude"), item.get("longitude")
    place = ", ".join(str(item[k]) for k in ("name", "address") if item.get(k))
    where = f"{lat}, {lon}" if lat is not None and lon is not None else ""
    link = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}" if where else ""
    return " · ".join(p for p in (_("Location"), place, where, link) if p)


def _contacts(cards: Any) -> str:
    lines = [_("Shared contacts:")]
    for card in cards if isinstance(cards, list) else []:
        name = (card.get("name") or {}).get("formatted_name") or ""
        phones = ", ".join(str(p.get("phone") or "") for p in card.get("phones") or [])
        emails = ", ".join(str(e.get("email") or "") for e in card.get("emails") or [])
        lines.append(" · ".join(p for p in (str(name), phones, emails) if p))
    return "\n".join(lines)


def _interactive(item: dict[str, Any]) -> str:
    kind = str(item.get("type") or "")
    reply = obj(item.get(kind))
    if kind in ("button_reply", "list_reply"):
        parts = [str(reply.get("title") or ""), str(reply.get("description") or "")]
        return " · ".join(p for p in parts if p) or str(reply.get("id") or "")
    if kind == "call_permission_reply":
        return _("Call permission: %(response)s") % {"response": reply.get("response", "")}
    if kind == "nfm_reply":  # a WhatsApp Flow's answers
        return (
            str(reply.get("body") or "") or _("Form sent") + f": {reply.get('response_json', '')}"
        )
    return unsupported({"type": f"interactive {kind}".strip()})


# --- files -----------------------------------------------------------------------------------


def _attachments(connection, message: dict[str, Any]):
    kind = str(message.get("type") or "")
    item = message.get(kind)
    if kind in MEDIA_LIMITS and isinstance(item, dict) and item.get("id"):
        yield media_file(connection, kind, item, str(message["id"]))


def media_file(connection, kind: str, item: dict[str, Any], wamid: str) -> InboundAttachment:
    """Fetch one media item: ``GET /<media id>`` for its URL, then its bytes, both with the
    token. Over WhatsApp's limit for its kind, it is named with size and reason instead."""
    content_type = str(item.get("mime_type") or "application/octet-stream").split(";")[0]
    filename = _filename(kind, item, content_type, wamid)
    limit = MEDIA_LIMITS[kind]
    graph = config.api(connection)
    try:
        found = graph.get(str(item["id"]))
        size = found["file_size"] if isinstance(found.get("file_size"), int) else 0
        if size > limit:
            return skipped(filename, content_type, size, TOO_LARGE)
        content = graph.download(str(found.get("url") or ""), max_bytes=limit)
    except ApiError as error:
        if error.permanent:  # an expired media id, a file over the limit
            log.info(
                "whatsapp %s: a file was not downloaded (%s)", connection.public_id, error.reason
            )
            return skipped(filename, content_type, 0, error.reason)
        raise  # worth another try: the webhook stays pending
    # A voice note (``audio`` with ``voice``) is a voice message (R-FILE-2).
    voice = kind == "audio" and bool(item.get("voice"))
    return InboundAttachment(
        filename=filename, content_type=content_type, content=content, voice=voice
    )


def _filename(kind: str, item: dict[str, Any], content_type: str, wamid: str) -> str:
    if item.get("filename"):
        return str(item["filename"])[:200]
    extension = mimetypes.guess_extension(content_type) or ""
    if content_type == "audio/ogg":
        extension = ".ogg"
    label = "voice" if kind == "audio" and item.get("voice") else kind
    return f"{label}-{re.sub(r'[^A-Za-z0-9]', '', wamid)[-12:]}{extension}"[:200]


def skipped(filename: str, content_type: str, size: int, reason: str) -> InboundAttachment:
    return InboundAttachment(
        filename=filename, content_type=content_type, content=b"", size=size, reason=reason
    )


registry.register(WhatsAppTransport())
