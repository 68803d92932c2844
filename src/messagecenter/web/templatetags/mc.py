"""Template tags of the operator app's shell: its live state, icons, optional modules."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

from messagecenter.accounts import permissions
from messagecenter.web import reads

register = template.Library()


@register.simple_tag(takes_context=True)
def shell_state(context) -> reads.ShellState | None:
    """The badges, slots and presence around every app page (three queries, once a request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(request, "_mc_shell"):
        state = reads.shell_state(user)
        state.away_hint = user.presence == "away" and "mc_away_hint" not in request.COOKIES
        request._mc_shell = state
    return request._mc_shell


@register.simple_tag(takes_context=True)
def shell_config(context) -> dict:
    """Who I am and where things are, for the page modules (read from ``#mc-config``)."""
    request = context["request"]
    user = request.user
    return {
        "me": {
            "id": user.public_id,
            "name": user.name,
            "admin": user.is_admin,
            # Whether a teammate's conversation offers "Assign to me" (accounts.permissions).
            "reassignsAnyones": permissions.reassigns_anyones(user),
            "presence": user.presence,
            "maxSlots": user.max_slots,
            "muteAll": user.mute_all,
        },
        "language": getattr(request, "LANGUAGE_CODE", "en"),
        "timeZone": user.time_zone,
        "urls": {
            "presence": reverse("set_presence"),
            "mute": reverse("set_mute"),
            "awayHint": reverse("dismiss_away_hint"),
            "inbox": reverse("inbox"),
            "inboxRows": reverse("inbox_rows"),
            "login": reverse("login"),
            "socket": "/ws/operator",
        },
    }


# The AI automation hub is an external product; until an installation names its own
# (MC_AI_HUB_URL), the entry leads to the API documentation, where automations start.
DEFAULT_AI_HUB_URL = "/api/v1/docs"


@register.simple_tag
def ai_hub_url() -> str:
    return settings.AI_HUB_URL or DEFAULT_AI_HUB_URL


@register.simple_tag
def icon(name: str, label: str = "", css: str = ""):
    """An icon from the sprite (``web/includes/icon_sprite.html``); decorative unless labelled."""
    classes = f"icon {css}".strip()
    if label:
        return format_html(
            '<svg class="{}" role="img" aria-label="{}"><use href="#i-{}"></use></svg>',
            classes,
            label,
            name,
        )
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="#i-{}"></use></svg>',
        classes,
        name,
    )


@register.simple_tag
def optional_module(path: str):
    """A ``<script type="module">`` for a static file that another app may not have yet."""
    if not _exists(path):
        return ""
    return format_html('<script type="module" src="{}"></script>', static(path))


@lru_cache(maxsize=64)
def _exists(path: str) -> bool:
    return finders.find(path) is not None


CHANNEL_ICONS = {
    "webchat": "message-square",
    "email": "mail",
    "whatsapp": "message-circle",
    "telegram": "send",
    "sms": "smartphone",
    "custom": "plug",
}


@register.filter
def channel_icon(kind: str) -> str:
    return CHANNEL_ICONS.get(kind, "message-square")


@register.filter
def status_label(status: str) -> str:
    from messagecenter.conversations.models import Status

    try:
        return str(Status(status).label)
    except ValueError:
        return status


JSON_TREE_DEPTH = 8
JSON_TREE_ITEMS = 200


@register.filter
def json_tree(value, depth: int = 0) -> list[dict]:
    """Custom data (R-CONV-6) as nodes of a collapsible tree: ``key``, and either ``children``
    or a display ``value``. Bounded, so a huge payload cannot make the page unusable."""
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = [(f"[{i}]", v) for i, v in enumerate(value)]
    else:
        return []
    return [_node(str(k), v, depth) for k, v in items[:JSON_TREE_ITEMS]]


def _node(key: str, value, depth: int) -> dict:
    if isinstance(value, dict | list) and depth < JSON_TREE_DEPTH:
        kind = "object" if isinstance(value, dict) else "array"
        return {
            "key": key,
            "kind": kind,
            "size": len(value),
            "children": json_tree(value, depth + 1),
        }
    if value is None:
        return {"key": key, "kind": "null", "value": "null"}
    if isinstance(value, bool):
        return {"key": key, "kind": "bool", "value": "true" if value else "false"}
    kind = "number" if isinstance(value, int | float) else "string"
    return {"key": key, "kind": kind, "value": str(value)}


@register.filter
def language_name(code: str) -> str:
    """A language's name in the operator's language; the bare code when Django does not know
    it, rather than an error."""
    from django.utils.translation import get_language_info
    from django.utils.translation import gettext as _

    try:
        return _(get_language_info(code)["name"]) if code else ""
    except KeyError:
        return code


@register.filter
def get(mapping, key):
    """``values|get:field.key``: a value from a dict by a computed key."""
    return mapping.get(key, "") if isinstance(mapping, dict) else ""
