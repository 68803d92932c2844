"""The composer's translation tool: the toggle's state and what its script needs."""

from __future__ import annotations

from django import template
from django.urls import reverse

from messagecenter.translation import inbound, services
from messagecenter.translation.models import DEFAULT_LANGUAGES

register = template.Library()


@register.inclusion_tag("translation/_composer_tool.html", takes_context=True)
def translation_tool(context, conversation):
    """The data of the composer's translation button for the signed-in operator. The
    contact's language, when not chosen yet, is suggested from their text (lingua)."""
    from messagecenter.translation.views import toggle_payload

    operator = context["request"].user
    config = services.settings_of(conversation.account_id)
    state = toggle_payload(conversation, config=config)
    if not state["pinned"]:
        found = inbound.detect_contact_language(conversation, config)
        state["language"] = found or state["language"]
    codes = config.account_languages() if config else DEFAULT_LANGUAGES
    names = dict(services.language_names())
    pid = conversation.public_id
    return {
        "data": {
            **state,
            "languages": [[code, names.get(code, code)] for code in codes],
            "me": {"language": operator.language, "reads": services.reading_languages(operator)},
            "urls": {
                "toggle": reverse("translation_toggle", args=[pid]),
                "preview": reverse("translation_preview", args=[pid]),
                "send": reverse("translation_send", args=[pid]),
                "reading": reverse("translation_reading"),
            },
        },
    }
