"""What the contact has read, and e-mails about replies they have not (R-CONTACT-2, R-CONTACT-5).

The messenger reports the last entry it showed; a periodic job e-mails a contact with an
e-mail address once per new operator reply still unread after the widget's delay, with a
signed link that continues the conversation in the hosted messenger and verifies the address.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from messagecenter.conversations.models import AuthorKind, Conversation, Message
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied
from messagecenter.transports.webchat.visitors import issue_continue_token
from messagecenter.widgets.models import Widget


def mark_read(conversation: Conversation, seq: int, *, actor: Actor) -> None:
    """The contact's messenger showed everything up to ``seq``. Only moves forward."""
    if actor.contact is None or actor.contact.pk != conversation.contact_id:
        raise PermissionDenied(_("Only the contact can mark their messages read."))
    seq = min(int(seq), conversation.last_seq)
    Conversation.objects.filter(pk=conversation.pk, contact_read_seq__lt=seq).update(
        contact_read_seq=seq
    )


def email_unread_replies() -> int:
    """The periodic job: one e-mail per conversation with a new, unread, due reply."""
    sent = 0
    now = clock.now()
    for widget in Widget.objects.filter(unread_email_delay_minutes__gt=0):
        cutoff = now - timedelta(minutes=widget.unread_email_delay_minutes)
        due = Conversation.objects.filter(
            widget=widget,
            last_operator_message_at__lte=cutoff,
            contact_read_seq__lt=F("last_seq"),
            contact_notified_seq__lt=F("last_seq"),
        ).select_related("contact", "account", "widget")
        for conversation in due:
            sent += _notify(conversation)
    return sent


def _notify(conversation: Conversation) -> int:
    email = conversation.contact.email
    unread = _unread_replies(conversation)
    if not email or not unread:
        return 0
    with transaction.atomic():
        # Claim first: a concurrent or retried run never sends the same reply twice.
        claimed = Conversation.objects.filter(
            pk=conversation.pk, contact_notified_seq=conversation.contact_notified_seq
        ).update(contact_notified_seq=conversation.last_seq)
    if claimed:
        _send(conversation, email, unread)
    return claimed


def _unread_replies(conversation: Conversation) -> list[Message]:
    after = max(conversation.contact_read_seq, conversation.contact_notified_seq)
    return list(
        Message.objects.filter(
            conversation=conversation,
            entry__seq__gt=after,
            deleted_at__isnull=True,
            author_kind__in=[AuthorKind.OPERATOR, AuthorKind.BOT],
        )
        .select_related("entry")
        .order_by("entry__seq")[:10]
    )


def continue_link(conversation: Conversation, email: str) -> str:
    token = issue_continue_token(conversation, email=email)
    return f"{settings.PUBLIC_URL}/chat/{conversation.widget.key}/?continue={token}"


def _send(conversation: Conversation, email: str, unread: list[Message]) -> None:
    language = conversation.locale or conversation.widget.language
    with translation.override(language):
        context = {
            "conversation": conversation,
            "messages": unread,
            "link": continue_link(conversation, email),
            "account": conversation.account,
        }
        subject = _("New reply from %(account)s") % {"account": conversation.account.name}
        text = render_to_string("conversations/email/unread.txt", context)
        html = render_to_string("conversations/email/unread.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [email])
    message.attach_alternative(html, "text/html")
    message.send()
