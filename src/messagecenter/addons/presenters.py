"""What the conversation page shows of add-ons: the action bar's menu and the sidebar panel
(the latest run's content or result, and the conversation's run log)."""

from __future__ import annotations

from messagecenter.addons.models import Addon, AddonRun

PANEL_RUNS = 10


def menu_addons(account) -> list[Addon]:
    offered = Addon.objects.filter(account=account, enabled=True, in_conversation=True)
    return list(offered.order_by("name"))


def panel_context(conversation, operator) -> dict:
    recent = list(
        AddonRun.objects.filter(conversation=conversation)
        .select_related("addon", "started_by")
        .order_by("-created_at", "-pk")[:PANEL_RUNS]
    )
    return {
        "conversation": conversation,
        "runs": recent,
        "latest": recent[0] if recent else None,
        "has_addons": bool(menu_addons(operator.account)),
        "is_admin": operator.is_admin,
    }
