"""The composer's call tool: the phone button, where the channel and the widget allow calls."""

from __future__ import annotations

from django import template

from messagecenter.calls import services

register = template.Library()


@register.inclusion_tag("calls/_composer_tool.html", takes_context=True)
def call_tool(context, conversation):
    """Nothing where calls cannot happen (another channel, the widget's switch, no relay);
    else the button with the choice of an audio or (if the widget allows) a video call."""
    options = services.offer_options(conversation)
    return {
        "options": options,
        "data": {
            "conversation": conversation.public_id,
            # As the conversation's header names the contact (name, e-mail or a short tag).
            "contact": context.get("contact_label") or str(conversation.contact),
            "video": options["video"],
        },
    }
