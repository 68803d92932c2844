"""The account's own touches on the app shell: its logo and its AI automation hub link."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse

from messagecenter.administration.profile import joined_profile

register = template.Library()

# Until an installation or an account names its own hub, the entry leads to the API
# documentation, where automations start.
DEFAULT_AI_HUB_URL = "/api/v1/docs"


@register.simple_tag(takes_context=True)
def account_profile(context):
    """The signed-in operator's account profile (joined at sign-in: no query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return joined_profile(user.account)


@register.simple_tag(takes_context=True)
def account_ai_hub_url(context) -> str:
    profile = account_profile(context)
    own = profile.ai_hub_url if profile is not None else ""
    return own or settings.AI_HUB_URL or DEFAULT_AI_HUB_URL


@register.simple_tag(takes_context=True)
def account_logo_url(context) -> str:
    profile = account_profile(context)
    if profile is None or profile.logo is None:
        return ""
    return reverse("account_logo", args=[profile.logo.public_id])
