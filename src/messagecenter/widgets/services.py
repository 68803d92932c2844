"""Widget writers. Creating a widget also creates its website messenger connection."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account, OperatorGroup
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from messagecenter.widgets.models import ChannelConnection, TransportKind, Widget

MAX_TIMEOUT_MINUTES = 7 * 24 * 60
MAX_AUTO_END_DAYS = 365


def create_widget(
    account: Account,
    name: str,
    *,
    operator_group: OperatorGroup | None = None,
    language: str = "en",
    actor: Actor | None = None,
    **options,
) -> Widget:
    """Create a widget with its webchat connection. ``actor=None`` is the installation (CLI,
    demo seed); operators must be admins."""
    if actor is not None and (actor.operator is None or not actor.operator.is_admin):
        raise PermissionDenied(_("Only an administrator can do this."))
    name = name.strip()
    if not name:
        raise ValidationFailed(_("A widget needs a name."), field="name")
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unsupported language."), field="language")
    if operator_group is not None and operator_group.account_id != account.pk:
        raise ValidationFailed(_("Unknown operator group."), field="operator_group")
    _validate_options(options)
    with transaction.atomic():
        widget = Widget.objects.create(
            account=account,
            name=name[:100],
            operator_group=operator_group,
            language=language,
            **options,
        )
        ChannelConnection.objects.create(
            account=account, widget=widget, kind=TransportKind.WEBCHAT, name=name[:100]
        )
        if actor is not None:
            audit.record(actor, "widget.created", "widget", widget.public_id)
    return widget


def _validate_options(options: dict) -> None:
    timeout = options.get("conversation_timeout_minutes", 30)
    if not isinstance(timeout, int) or not 1 <= timeout <= MAX_TIMEOUT_MINUTES:
        raise ValidationFailed(
            _("The conversation timeout must be between 1 minute and 7 days."),
            field="conversation_timeout_minutes",
        )
    days = options.get("auto_end_days", 30)
    if not isinstance(days, int) or not 1 <= days <= MAX_AUTO_END_DAYS:
        raise ValidationFailed(_("Auto-end must be between 1 and 365 days."), field="auto_end_days")
    allowed = {f.name for f in Widget._meta.get_fields()}
    unknown = set(options) - allowed
    if unknown:
        raise ValidationFailed(
            _("Unknown widget setting: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
