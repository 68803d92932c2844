"""Conversation transcripts by e-mail ($send, $dispatch, action bar; R-CONV-4).

Requested transcripts go out when the conversation ends (at once if it already has). They are
written in the conversation's language, as HTML and plain text; deleted messages are marked,
notes are never included.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from messagecenter.contacts.identities import normalise_email
from messagecenter.conversations import timeline
from messagecenter.conversations.events import announce_entry
from messagecenter.conversations.models import Conversation, EntryKind, Message, Status
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed

MAX_RECIPIENTS = 10


def request_transcript(
    conversation: Conversation,
    *,
    actor: Actor,
    to_contact: bool = False,
    recipients: list[str] | tuple[str, ...] = (),
) -> Conversation:
    """Ask for the transcript to go to the contact and/or further addresses when it ends."""
    if actor.account.pk != conversation.account_id:
        raise NotFound(_("Not found."))
    if actor.operator is None and actor.kind != "token":
        raise PermissionDenied(_("Only the team can send transcripts."))
    addresses = [normalise_email(address) for address in recipients]
    if to_contact and not conversation.contact.email:
        raise ValidationFailed(_("The contact has no e-mail address for the transcript."))
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        conversation.transcript_to_contact |= to_contact
        merged = list(dict.fromkeys([*conversation.transcript_recipients, *addresses]))
        if len(merged) > MAX_RECIPIENTS:
            raise ValidationFailed(_("Too many transcript recipients."))
        conversation.transcript_recipients = merged
        data = {"state": "requested", "to_contact": to_contact, "recipients": len(addresses)}
        entry = timeline.stage(conversation, EntryKind.TRANSCRIPT, actor, data=data)
        timeline.stage_audit(
            actor,
            conversation,
            "conversation.transcript_requested",
            recipients=len(addresses),
            to_contact=to_contact,
        )
        timeline.flush(conversation)
        announce_entry(conversation, entry)
        if conversation.status == Status.ENDED:
            schedule_pending(conversation)
    return conversation


def schedule_pending(conversation: Conversation) -> None:
    """Called in the transaction that ended the conversation: send what was requested."""
    if not (conversation.transcript_to_contact or conversation.transcript_recipients):
        return
    pk = conversation.pk

    def enqueue():
        from messagecenter.conversations.tasks import send_transcripts

        send_transcripts(pk)

    transaction.on_commit(enqueue)


def send_pending(conversation_pk: int) -> int:
    """The job: claim the pending recipients (so a retry never mails twice), then send."""
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("contact", "account", "widget")
            .filter(pk=conversation_pk)
            .first()
        )
        if conversation is None:
            return 0
        recipients = list(conversation.transcript_recipients)
        if conversation.transcript_to_contact and conversation.contact.email:
            recipients.insert(0, conversation.contact.email)
        conversation.transcript_to_contact, conversation.transcript_recipients = False, []
        conversation.save(update_fields=["transcript_to_contact", "transcript_recipients"])
    if recipients:
        _mail(conversation, recipients)
    return len(recipients)


def render(conversation: Conversation) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the transcript, in the conversation's language."""
    language = conversation.locale or conversation.widget.language or settings.LANGUAGE_CODE
    messages = (
        Message.objects.filter(conversation=conversation)
        .select_related("entry", "author_operator")
        .order_by("entry__seq")
    )
    zone = recipient_time_zone(conversation)
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        lines = [_line(message) for message in messages]
        context = {
            "conversation": conversation,
            "lines": lines,
            "account": conversation.account,
            "time_zone": zone,
        }
        subject = _("Your conversation with %(account)s") % {"account": conversation.account.name}
        text = render_to_string("conversations/email/transcript.txt", context)
        html = render_to_string("conversations/email/transcript.html", context)
    return subject, text, html


def recipient_time_zone(conversation: Conversation) -> str:
    """The contact's browser time zone, else the account's (Settings › Account), else UTC."""
    for name in (conversation.contact.time_zone, conversation.account.time_zone):
        try:
            if name:
                ZoneInfo(name)
                return name
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return "UTC"


def _line(message: Message) -> dict:
    author = {
        "contact": message.conversation.contact.name or _("You"),
        "operator": message.author_operator.name if message.author_operator else _("Support"),
        "bot": message.entry.actor_name or _("Bot"),
        "system": _("System"),
    }[message.author_kind]
    deleted = message.deleted_at is not None
    return {
        "at": message.entry.at,
        "author": author,
        "text": _("[This message was deleted]") if deleted else message.body,
        "html": "" if deleted else message.html,
        "deleted": deleted,
    }


def _mail(conversation: Conversation, recipients: list[str]) -> None:
    subject, text, html = render(conversation)
    for address in recipients:
        email = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
        email.attach_alternative(html, "text/html")
        email.send()
