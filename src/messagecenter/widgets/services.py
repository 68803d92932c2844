"""Widget writers. Creating a widget also creates its website messenger connection."""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account, OperatorGroup
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from messagecenter.widgets.models import MEDIA_TYPES, ChannelConnection, TransportKind, Widget

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


EDITABLE = (
    "name",
    "operator_group",
    "language",
    "conversation_timeout_minutes",
    "auto_end_days",
    "continue_ended_days",
    "backlog_drain",
    "unread_email_delay_minutes",
    "media",
    "calls_enabled",
    "video_enabled",
    "rating_enabled",
    "privacy_mode",
    "allowed_origins",
)


def update_widget(widget: Widget, *, actor: Actor, **changes) -> Widget:
    """Admins change a widget's settings; every value is validated before anything is saved."""
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can do this."))
    if actor.account.pk != widget.account_id:
        from messagecenter.core.errors import NotFound

        raise NotFound(_("Not found."))
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(
            _("Unknown widget setting: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    merged = {f: getattr(widget, f) for f in EDITABLE} | changes
    _validate_options(
        {k: v for k, v in merged.items() if k not in ("name", "operator_group", "language")}
    )
    if not str(merged["name"]).strip():
        raise ValidationFailed(_("A widget needs a name."), field="name")
    if merged["language"] not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unsupported language."), field="language")
    group = merged["operator_group"]
    if group is not None and group.account_id != widget.account_id:
        raise ValidationFailed(_("Unknown operator group."), field="operator_group")
    with transaction.atomic():
        for name, value in changes.items():
            setattr(widget, name, value)
        widget.save()
        audit.record(actor, "widget.updated", "widget", widget.public_id, fields=sorted(changes))
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
    window = options.get("continue_ended_days", 30)
    if not isinstance(window, int) or not 0 <= window <= MAX_AUTO_END_DAYS:
        raise ValidationFailed(
            _("Continuing ended conversations must be between 0 (never) and 365 days."),
            field="continue_ended_days",
        )
    delay = options.get("unread_email_delay_minutes", 10)
    if not isinstance(delay, int) or not 0 <= delay <= 7 * 24 * 60:
        raise ValidationFailed(
            _("The e-mail delay must be between 0 (off) and 10080 minutes."),
            field="unread_email_delay_minutes",
        )
    unknown = set(options) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(
            _("Unknown widget setting: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    _validate_media(options.get("media"))
    _validate_origins(options.get("allowed_origins"))


def _validate_media(media) -> None:
    if media is None:
        return
    if (
        not isinstance(media, dict)
        or not isinstance(media.get("enabled"), bool)
        or not isinstance(media.get("types"), list)
        or not set(media["types"]) <= set(MEDIA_TYPES)
    ):
        raise ValidationFailed(_("Supported media must list known media types."), field="media")


def _validate_origins(origins) -> None:
    if origins is None:
        return
    if not isinstance(origins, list):
        raise ValidationFailed(_("Allowed origins must be a list."), field="allowed_origins")
    for origin in origins:
        if origin != "*" and not _is_origin(str(origin)):
            raise ValidationFailed(
                _("%(o)s is not an origin like https://shop.example.com.") % {"o": origin},
                field="allowed_origins",
            )


def _is_origin(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and parsed.path in ("", "/")
