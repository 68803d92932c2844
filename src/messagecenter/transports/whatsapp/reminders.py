"""The optional reminder before the 24-hour window closes (per WhatsApp channel).

An administrator picks an approved template and N minutes (Settings › Channels › WhatsApp).
Every minute (``send_due``) each conversation of the channel that waits for the contact
(WAITING: the team wrote last) and whose window closes within N minutes gets that template
once, as a bot message "Reminder", with its variables filled from the contact
(``templates.prefill``). Once per window: the claim is a ``WhatsAppEvent``
``reminder:<conversation>:<the contact's last message time>``, so a later message of the
contact opens a new window that may be reminded again, and a redelivered minute never sends
twice. A reminder that cannot be sent (a variable the contact has no value for, consent
withdrawn) is logged and not tried again for that window.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from messagecenter.conversations.models import Conversation, Status
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError
from messagecenter.transports.whatsapp import sending, templates
from messagecenter.transports.whatsapp.models import WhatsAppChannelOptions, WhatsAppEvent
from messagecenter.transports.whatsapp.transport import REPLY_WINDOW

log = logging.getLogger(__name__)

MAX_MINUTES = 23 * 60


def configure(connection, template, minutes: int, *, actor: Actor) -> WhatsAppChannelOptions:
    """Set (or with ``template=None`` switch off) the channel's reminder."""
    from messagecenter.accounts import audit
    from messagecenter.core.errors import ValidationFailed

    if actor.operator is None or not actor.operator.is_admin:
        from messagecenter.core.errors import PermissionDenied

        raise PermissionDenied(_("Only an administrator can change channels."))
    if template is not None:
        if template.connection_id != connection.pk:
            raise ValidationFailed(_("Choose one of this number's templates."), field="template")
        refusal = templates.unsendable_reason(template)
        if refusal:
            raise ValidationFailed(refusal, field="template")
    if not 1 <= int(minutes) <= MAX_MINUTES:
        raise ValidationFailed(
            _("Between 1 and %(max)d minutes before the window closes.") % {"max": MAX_MINUTES},
            field="minutes",
        )
    found = templates.options(connection)
    found.reminder_template, found.reminder_minutes = template, int(minutes)
    with transaction.atomic():
        found.save(update_fields=["reminder_template", "reminder_minutes"])
        audit.record(actor, "channel.updated", "channel", connection.public_id,
                     fields=["reminder"])  # fmt: skip
    return found


def send_due() -> int:
    """Send every reminder that is due now; answers how many were sent."""
    sent = 0
    chosen = WhatsAppChannelOptions.objects.filter(
        reminder_template__isnull=False, connection__is_active=True
    ).select_related("reminder_template__connection", "connection__account")
    for options in chosen:
        for conversation in _due(options):
            sent += _remind(options, conversation)
    return sent


def _due(options: WhatsAppChannelOptions):
    now = clock.now()
    opened_after = now - REPLY_WINDOW  # still open
    opened_before = now - REPLY_WINDOW + timedelta(minutes=options.reminder_minutes)
    return (
        Conversation.objects.filter(
            connection=options.connection,
            status=Status.WAITING,
            last_contact_activity_at__gt=opened_after,
            last_contact_activity_at__lte=opened_before,
        )
        .select_related("contact", "connection", "account")
        .prefetch_related("contact__identities")
    )


def _remind(options: WhatsAppChannelOptions, conversation: Conversation) -> int:
    template = options.reminder_template
    assert template is not None
    at = conversation.last_contact_activity_at
    key = f"reminder:{conversation.public_id}:{at.isoformat() if at else ''}"
    actor = Actor("system", conversation.account, name=_("Reminder"))
    with transaction.atomic():
        try:
            with transaction.atomic():
                WhatsAppEvent.objects.create(
                    connection=options.connection, key=key, handled_at=clock.now()
                )
        except IntegrityError:
            return 0  # reminded in this window already
        try:
            values = templates.prefill(template, conversation.contact)
            sending.send_template(conversation, template, values, actor=actor, purpose="reminder")
        except DomainError as error:
            log.info("whatsapp reminder for %s not sent: %s", conversation.public_id, error)
            return 0
    return 1
