"""Sending an approved template: the one writer of template messages (the composer's picker,
a conversation started from the contact profile, the reminder before the window closes, and
campaigns).

``send_template(target, template, variables, *, actor)``: ``target`` is a conversation (a
reply, allowed also after the 24-hour window closed) or a contact (only with the contact's
recorded WhatsApp consent: an operator starts a new conversation on the template's number,
assigned to them, R-CONTACT-5; the system or an integration, e.g. a campaign, continues the
contact's conversation there or starts one that waits for them, unassigned). The
message is written through the conversation services with the rendered text, so lists,
search and the timeline show what the contact reads; a ``WhatsAppTemplateMessage`` beside it
(same transaction) says which template and parameters the transport sends
(``type: template``). Refusals are ``ValidationFailed`` / ``CapabilityRefused`` with a reason
for the operator and change nothing.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from messagecenter.contacts import consent
from messagecenter.contacts.models import ConsentChannel, ConsentPurpose, Contact
from messagecenter.conversations import services
from messagecenter.conversations.models import Conversation, Message, TimelineEntry
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, ValidationFailed
from messagecenter.transports.base import CapabilityRefused
from messagecenter.transports.whatsapp import templates
from messagecenter.transports.whatsapp.models import (
    TemplateCategory,
    WhatsAppTemplate,
    WhatsAppTemplateMessage,
)
from messagecenter.widgets.models import TransportKind


def send_template(
    target: Conversation | Contact,
    template: WhatsAppTemplate,
    variables: dict[str, Any],
    *,
    actor: Actor,
    purpose: str = "operator",
) -> TimelineEntry:
    """Send ``template`` with ``variables`` (``templates.variables`` keys → text). An
    operator sends as themselves (they must be assigned, as for any reply); a system or
    token actor (a reminder, a campaign) as a bot message."""
    if template.account_id != actor.account.pk:
        raise NotFound(_("Not found."))
    refusal = templates.unsendable_reason(template)
    if refusal:
        raise CapabilityRefused(refusal, code="whatsapp_template_not_sendable")
    values = templates.clean_values(template, variables)
    body = templates.render(template, values)
    writer = _writer(template, values, purpose)
    if isinstance(target, Contact):
        return _start(target, template, body, writer, actor)
    return _reply(target, template, body, writer, actor)


def window_open(conversation: Conversation) -> bool:
    window = conversation.connection.capabilities.reply_window
    last = conversation.last_contact_activity_at
    return bool(window and last and clock.now() - last <= window)


def may_start(contact: Contact) -> tuple[bool, str]:
    """May an operator open a WhatsApp conversation with this contact (R-CONTACT-5)? Only
    with a WhatsApp address and a recorded, not withdrawn opt-in; the reason otherwise."""
    if not whatsapp_address(contact):
        return False, _("The contact has no WhatsApp number or WhatsApp ID.")
    decision = consent.current(contact, ConsentChannel.WHATSAPP)
    if decision is None:
        return False, _(
            "WhatsApp allows writing first only to people who agreed to it. Record the "
            "contact's consent (where and when they gave it) first."
        )
    if not decision.granted:
        return False, _("The contact withdrew their consent to WhatsApp messages.")
    return True, ""


def whatsapp_address(contact: Contact) -> str:
    kinds = ("whatsapp", "phone")
    for identity in contact.identities.all():
        if identity.kind in kinds:
            return identity.value
    return ""


# --- internals ---------------------------------------------------------------------------------


def _writer(template: WhatsAppTemplate, values: dict[str, str], purpose: str):
    components = templates.send_components(template, values)

    def write(message: Message) -> None:
        WhatsAppTemplateMessage.objects.create(
            message=message, template=template, name=template.name,
            language=template.language, category=template.category,
            components=components, purpose=purpose[:16],
        )  # fmt: skip

    return write


def _reply(conversation, template, body, writer, actor) -> TimelineEntry:
    if conversation.account_id != actor.account.pk:
        raise NotFound(_("Not found."))
    if conversation.connection_id != template.connection_id:
        raise ValidationFailed(
            _("This template belongs to another WhatsApp number than the conversation's."),
            field="template",
        )
    _check_marketing(conversation.contact, template)
    if actor.operator is not None:
        return services.post_operator_message(conversation, body, actor=actor, template=writer)
    return services.post_bot_message(conversation, body, actor=actor, template=writer)


def _start(contact, template, body, writer, actor) -> TimelineEntry:
    if contact.account_id != actor.account.pk:
        raise NotFound(_("Not found."))
    allowed, reason = may_start(contact)
    if not allowed:
        raise CapabilityRefused(reason, code="whatsapp_consent_missing")
    _check_marketing(contact, template)
    connection = template.connection
    if connection.kind != TransportKind.WHATSAPP or not connection.is_active:
        raise ValidationFailed(_("This WhatsApp channel is disconnected."), field="template")
    if actor.operator is not None:
        # R-CONTACT-5: the operator starts a new conversation, assigned to them.
        conversation = services.start_conversation_by_operator(
            contact, connection.widget, body, actor=actor, connection=connection, template=writer
        )
        return conversation.timeline.filter(kind="message").order_by("-seq")[0]
    # The system or an integration (a campaign): the contact's conversation on this number
    # continues, else a new one waits for them.
    from messagecenter.conversations import queries

    ongoing = queries.continued_conversation(contact, connection)
    if ongoing is not None:
        return services.post_bot_message(ongoing, body, actor=actor, template=writer)
    conversation = services.start_conversation_by_bot(
        contact, connection, body, actor=actor, template=writer
    )
    return conversation.timeline.filter(kind="message").order_by("-seq")[0]


def _check_marketing(contact, template) -> None:
    """A contact who stopped marketing messages (WhatsApp's own "stop promotions", or a
    recorded withdrawal) gets no marketing template."""
    if template.category != TemplateCategory.MARKETING:
        return
    if not consent.allows(contact, ConsentChannel.WHATSAPP, ConsentPurpose.MARKETING):
        raise CapabilityRefused(
            _("The contact stopped marketing messages on WhatsApp: send a utility template."),
            code="whatsapp_marketing_stopped",
        )
