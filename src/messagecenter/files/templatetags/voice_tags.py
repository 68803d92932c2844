"""The composer's microphone (R-FILE-2): offered where the conversation's channel carries
voice messages and, on the messenger, where the widget takes audio."""

from __future__ import annotations

from django import template
from django.conf import settings

from messagecenter.conversations import outgoing_files

register = template.Library()


@register.inclusion_tag("files/_voice_tool.html")
def voice_tool(conversation):
    return {
        "allowed": outgoing_files.voice_allowed(conversation),
        "data": {"max_seconds": settings.VOICE_MAX_SECONDS},
    }
