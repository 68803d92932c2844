"""Widget writers. Creating a widget also creates its website messenger connection."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account, OperatorGroup
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from messagecenter.widgets.models import (
    FORM_FIELDS,
    MEDIA_TYPES,
    TEXT_KEYS,
    ChannelConnection,
    FieldUse,
    LauncherStyle,
    Position,
    TransportKind,
    Widget,
)

MAX_TIMEOUT_MINUTES = 7 * 24 * 60
MAX_AUTO_END_DAYS = 365
MAX_QUEUE = 1000
MAX_ORIGINS = 50
# Short texts (a title, a button) and longer ones (a greeting, the away text).
TEXT_LIMITS = {"title": 60, "team": 80, "launcher": 30, "placeholder": 80}
MAX_TEXT = 500
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


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
    _validate_options(options, account=account)
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
    "accent_color",
    "position",
    "launcher_style",
    "show_avatars",
    "texts",
    "prechat_fields",
    "prechat_groups",
    "offline_form",
    "sticky_operator",
    "max_queue",
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
        {k: v for k, v in merged.items() if k not in ("name", "operator_group", "language")},
        account=widget.account,
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


def _validate_options(options: dict, *, account: Account) -> None:
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
    _validate_appearance(options)
    _validate_texts(options.get("texts"))
    _validate_form(options.get("prechat_fields"), options.get("prechat_groups"), account)
    _validate_switches(options)
    queue = options.get("max_queue", 0)
    if not isinstance(queue, int) or isinstance(queue, bool) or not 0 <= queue <= MAX_QUEUE:
        raise ValidationFailed(
            _("The maximum queue must be between 0 (no limit) and 1000 chats."),
            field="max_queue",
        )


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
    if len(origins) > MAX_ORIGINS:
        raise ValidationFailed(
            _("At most %(n)d allowed websites.") % {"n": MAX_ORIGINS}, field="allowed_origins"
        )
    for origin in origins:
        if origin != "*" and not _is_origin(str(origin)):
            raise ValidationFailed(
                _("%(o)s is not an origin like https://shop.example.com.") % {"o": origin},
                field="allowed_origins",
            )


def _is_origin(value: str) -> bool:
    """``https://host[:port]`` and nothing else: the browser's Origin header never carries a
    path, query, fragment or credentials, so such an entry could never match."""
    try:
        parsed = urlparse(value)
        port = parsed.port  # raises on a port that is not a number
    except ValueError:
        return False
    return (
        parsed.scheme in ("http", "https")
        and bool(parsed.hostname)
        and "@" not in parsed.netloc
        and (port is None or 0 < port < 65536)
        and parsed.path in ("", "/")
        and not (parsed.query or parsed.fragment or parsed.params)
        and " " not in value
    )


def _validate_appearance(options: dict) -> None:
    colour = options.get("accent_color", "#3a56d4")
    if not isinstance(colour, str) or not _COLOUR.match(colour):
        raise ValidationFailed(
            _("Write the colour as # and six hexadecimal digits, like #3a56d4."),
            field="accent_color",
        )
    if options.get("position", Position.RIGHT) not in Position.values:
        raise ValidationFailed(_("Choose where the messenger sits."), field="position")
    if options.get("launcher_style", LauncherStyle.ICON) not in LauncherStyle.values:
        raise ValidationFailed(_("Choose a launcher."), field="launcher_style")


def _validate_switches(options: dict) -> None:
    for name in ("show_avatars", "offline_form", "sticky_operator"):
        if not isinstance(options.get(name, True), bool):
            raise ValidationFailed(_("This setting is on or off."), field=name)


def _validate_texts(texts) -> None:
    """Per language the messenger's replaceable texts; each field error names
    ``text_<key>_<language>``, the editor's field."""
    if texts is None:
        return
    if not isinstance(texts, dict) or not set(texts) <= set(dict(settings.LANGUAGES)):
        raise ValidationFailed(_("Texts are given per supported language."), field="texts")
    for language, values in texts.items():
        if not isinstance(values, dict) or not set(values) <= set(TEXT_KEYS):
            raise ValidationFailed(_("Unknown messenger text."), field="texts")
        for key, value in values.items():
            limit = TEXT_LIMITS.get(key, MAX_TEXT)
            if not isinstance(value, str) or len(value) > limit:
                raise ValidationFailed(
                    _("This text can have at most %(n)d characters.") % {"n": limit},
                    field=f"text_{key}_{language}",
                )


def _validate_form(fields, groups, account: Account) -> None:
    if fields is not None and (
        not isinstance(fields, dict)
        or not set(fields) <= set(FORM_FIELDS)
        or not set(fields.values()) <= set(FieldUse.values)
    ):
        raise ValidationFailed(_("Unknown pre-chat form field."), field="prechat_fields")
    if groups is None:
        return
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise ValidationFailed(_("Choose groups of this account."), field="prechat_groups")
    known = set(
        OperatorGroup.objects.filter(account=account, public_id__in=groups).values_list(
            "public_id", flat=True
        )
    )
    if set(groups) - known:
        raise ValidationFailed(_("Unknown operator group."), field="prechat_groups")
    if len(groups) == 1:
        raise ValidationFailed(
            _("Offer at least two groups to choose from, or none."), field="prechat_groups"
        )


def prechat_group(widget: Widget, public_id: str) -> OperatorGroup | None:
    """The group a contact chose in the widget's pre-chat form; only one the widget offers
    (a stale or forged id is refused, so a contact never reaches a group not offered)."""
    if not public_id:
        return None
    if public_id not in widget.prechat_groups:
        raise ValidationFailed(_("Choose one of the offered topics."), field="group")
    group = OperatorGroup.objects.filter(account_id=widget.account_id, public_id=public_id).first()
    if group is None:
        raise ValidationFailed(_("Choose one of the offered topics."), field="group")
    return group


@dataclass(frozen=True)
class FormAnswers:
    """What a contact entered in the messenger's pre-chat or offline form."""

    details: dict[str, str]
    group: OperatorGroup | None


def form_answers(widget: Widget, raw: dict) -> FormAnswers:
    """Check a form the messenger sent with a first message: only the fields the widget asks
    for, each a short text, the required ones filled, the group one the widget offers."""
    if not isinstance(raw, dict) or not set(raw) <= {*FORM_FIELDS, "group"}:
        raise ValidationFailed(_("Unknown form field."), field="details")
    values = {k: v.strip() for k, v in raw.items() if isinstance(v, str) and len(v) <= 200}
    if len(values) != len(raw):
        raise ValidationFailed(_("Each answer is a text of at most 200 characters."))
    asked = widget.prechat_fields or {}
    for name in FORM_FIELDS:
        if asked.get(name) == FieldUse.REQUIRED and not values.get(name):
            raise ValidationFailed(_("Please fill in this field."), field=name)
    details = {k: v for k, v in values.items() if k in FORM_FIELDS and v}
    return FormAnswers(details, prechat_group(widget, values.get("group", "")))
