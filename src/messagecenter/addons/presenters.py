"""What the conversation page shows of add-ons: the action bar's menu and the sidebar panel
(the latest run's content or result, and the conversation's run log)."""

from __future__ import annotations

from messagecenter.addons.models import Addon, AddonRun

PANEL_RUNS = 10


def menu_addons(account, request=None) -> list[Addon]:
    """The add-ons of the action bar; read once per request (the menu and the panel)."""
    cached = getattr(request, "_mc_menu_addons", None)
    if cached is not None:
        return cached
    offered = Addon.objects.filter(account=account, enabled=True, in_conversation=True)
    found = list(offered.order_by("name"))
    if request is not None:
        request._mc_menu_addons = found
    return found


def panel_context(conversation, operator, request=None) -> dict:
    recent = list(
        AddonRun.objects.filter(conversation=conversation)
        .select_related("addon", "started_by")
        .order_by("-created_at", "-pk")[:PANEL_RUNS]
    )
    return {
        "conversation": conversation,
        "runs": recent,
        "latest": recent[0] if recent else None,
        "has_addons": bool(menu_addons(operator.account, request)),
        "is_admin": operator.is_admin,
    }
