""" "Run add-on" among the bulk actions of All conversations (R-ARCH-2).

The archive's bulk job calls ``runs.run_now`` per selected conversation from its own worker,
outside any transaction (``in_transaction=False``): its progress is the page's progress bar,
and a failed run (or one whose actions were refused) is counted as refused with its reason.
Only enabled add-ons offered in bulk can be chosen; without one the action is not offered.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messagecenter.addons import runs
from messagecenter.addons.models import Addon
from messagecenter.core.errors import ValidationFailed


def choices(account) -> list[tuple[str, str]]:
    offered = Addon.objects.filter(account=account, enabled=True, in_bulk=True).order_by("name")
    return list(offered.values_list("public_id", "name"))


def _addon(account, params: dict) -> Addon:
    found = Addon.objects.filter(
        account=account, public_id=str(params.get("addon") or ""), enabled=True, in_bulk=True
    ).first()
    if found is None:
        raise ValidationFailed(_("Choose an add-on."), field="addon")
    return found


def _run(conversation, addon: Addon, actor) -> object:
    return runs.run_now(addon, conversation, actor=actor)


def register() -> None:
    from messagecenter.archive import actions

    actions.register(
        actions.BulkAction(
            "run_addon",
            gettext_lazy("Run add-on"),
            _addon,
            _run,
            param="addon",
            choices=choices,
            in_transaction=False,
        )
    )
