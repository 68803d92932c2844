"""What the website messenger is told about its widget's look and forms (the welcome frame's
``widget``), in one shape for the real messenger and the editor's live preview."""

from __future__ import annotations

from typing import Any

from messagecenter.accounts.models import OperatorGroup
from messagecenter.widgets.models import FieldUse, Widget


def messenger_settings(widget: Widget) -> dict[str, Any]:
    """Appearance, replaced texts and the pre-chat/offline form. Texts left empty are not
    sent: the messenger keeps its own default in the contact's language."""
    return {
        "accent": widget.accent_color,
        "position": widget.position,
        "launcher": widget.launcher_style,
        "avatars": widget.show_avatars,
        "texts": {
            language: {key: value for key, value in values.items() if value}
            for language, values in (widget.texts or {}).items()
        },
        "form": {
            "fields": {
                name: use
                for name, use in (widget.prechat_fields or {}).items()
                if use != FieldUse.OFF
            },
            "groups": offered_groups(widget),
            "offline": widget.offline_form,
        },
    }


def offered_groups(widget: Widget) -> list[dict[str, str]]:
    """The groups a contact may choose, in the admin's order; deleted ones drop out."""
    ids = list(widget.prechat_groups or [])
    if not ids:
        return []
    names = dict(
        OperatorGroup.objects.filter(account_id=widget.account_id, public_id__in=ids).values_list(
            "public_id", "name"
        )
    )
    return [{"id": gid, "name": names[gid]} for gid in ids if gid in names]
