"""WhatsApp's parts of pages it does not own: the template dialog of a WhatsApp
conversation's composer, the profile's "WhatsApp" button and dialog (R-CONTACT-5), and the
reason the start dialog gives for WhatsApp."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()


@register.inclusion_tag("whatsapp/_composer_templates.html")
def whatsapp_composer(conversation):
    if conversation.connection.kind != "whatsapp":
        return {"show": False}
    pid = conversation.public_id
    return {
        "show": True,
        "data": {
            "send_url": reverse("whatsapp_channel:send_template", args=[pid, "TEMPLATE"]),
        },
    }


@register.simple_tag
def whatsapp_templates_url(conversation) -> str:
    """The composer's ``data-templates-url`` (the `!` picker's templates), for WhatsApp."""
    if conversation.connection.kind != "whatsapp":
        return ""
    return reverse("whatsapp_channel:templates", args=[conversation.public_id])


@register.inclusion_tag("whatsapp/_profile_button.html")
def whatsapp_profile_button(contact):
    from messagecenter.transports.whatsapp import profile

    return {"channels": profile.channels(contact)}


@register.inclusion_tag("whatsapp/_profile_dialog.html", takes_context=True)
def whatsapp_profile_dialog(context, contact):
    from messagecenter.transports.whatsapp import profile

    return profile.dialog_context(context["request"], contact)


@register.simple_tag
def whatsapp_start_reason(contact) -> str:
    from messagecenter.transports.whatsapp import profile

    if not profile.channels(contact):
        return _("No WhatsApp channel connected.")
    return _("Use “WhatsApp” on the profile: it starts with an approved template.")
