"""The composer's call tool: the phone button, where the channel and the widget allow calls."""

from __future__ import annotations

from django import template

from messagecenter.calls import services

register = template.Library()


@register.inclusion_tag("calls/_composer_tool.html")
def call_tool(conversation):
    """Nothing where calls cannot happen (another channel, the widget's switch, no relay);
    else the button with the choice of an audio or (if the widget allows) a video call."""
    options = services.offer_options(conversation)
    return {
        "options": options,
        "data": {
            "conversation": conversation.public_id,
            "contact": conversation.contact.name,
            "video": options["video"],
        },
    }
