"""Widgets (the routing and settings unit) and the transports attached to them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.ids import new_public_id
from messagecenter.core.scoping import AccountScopedManager
from messagecenter.core.secrets import EncryptedJSONField


def new_widget_id() -> str:
    return new_public_id("wg")


def new_connection_id() -> str:
    return new_public_id("ch")


MEDIA_TYPES = ("image", "audio", "video", "document", "other")


def new_widget_key() -> str:
    """The public key in the embed snippet; not a secret, but not guessable either."""
    return secrets.token_urlsafe(18)


def new_identity_secret() -> str:
    return secrets.token_urlsafe(32)


def default_media() -> dict:
    return {"enabled": True, "types": list(MEDIA_TYPES)}


# The messenger's own texts an admin may replace, per language (empty: the messenger's default).
TEXT_KEYS = ("title", "team", "greeting", "launcher", "placeholder", "away", "prechat", "offline")
# The contact details a pre-chat (or offline) form may ask for.
FORM_FIELDS = ("name", "email", "phone")


class Position(models.TextChoices):
    RIGHT = "right", _("Bottom right")
    LEFT = "left", _("Bottom left")


class LauncherStyle(models.TextChoices):
    ICON = "icon", _("Round button")
    LABEL = "label", _("Button with text")


class FieldUse(models.TextChoices):
    OFF = "off", _("Not asked")
    OPTIONAL = "optional", _("Optional")
    REQUIRED = "required", _("Required")


class Widget(models.Model):
    """One website messenger / entry point with its own routing group and chat settings."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="widgets"
    )
    public_id = models.CharField(max_length=24, unique=True, default=new_widget_id)
    key = models.CharField(max_length=32, unique=True, default=new_widget_key)
    name = models.CharField(_("name"), max_length=100)
    operator_group = models.ForeignKey(
        "accounts.OperatorGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="widgets",
        verbose_name=_("operator group"),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    # Silence after which LIVE ends and a new session starts (R-INBOX-6, R-RULES Sessions).
    conversation_timeout_minutes = models.PositiveIntegerField(
        _("conversation timeout (minutes)"), default=30
    )
    # WAITING conversations without a contact reply end after this many days (R-INBOX-4).
    auto_end_days = models.PositiveIntegerField(_("auto-end after (days)"), default=30)
    # The contact's next messenger message continues an ENDED conversation that ended at most
    # this many days ago (R-INBOX-4, ours); later, or with 0, a new conversation starts.
    continue_ended_days = models.PositiveIntegerField(
        _("continue ended conversations for (days)"), default=30
    )
    # When a slot frees, hand the oldest unassigned chat of an online contact over at once.
    backlog_drain = models.BooleanField(_("assign waiting chats automatically"), default=True)
    # E-mail a contact about operator messages still unread after this delay (0: never).
    unread_email_delay_minutes = models.PositiveIntegerField(
        _("e-mail unread replies after (minutes)"), default=10
    )
    media = models.JSONField(_("supported media"), default=default_media)
    calls_enabled = models.BooleanField(_("calls"), default=True)
    video_enabled = models.BooleanField(_("video"), default=True)
    rating_enabled = models.BooleanField(_("rating"), default=True)
    privacy_mode = models.BooleanField(_("privacy mode"), default=False)
    allowed_origins = models.JSONField(_("allowed origins"), default=list, blank=True)
    # Appearance of the messenger (widget editor › Appearance).
    accent_color = models.CharField(_("accent colour"), max_length=7, default="#3a56d4")
    position = models.CharField(
        _("position"), max_length=8, choices=Position.choices, default=Position.RIGHT
    )
    launcher_style = models.CharField(
        _("launcher"), max_length=8, choices=LauncherStyle.choices, default=LauncherStyle.ICON
    )
    show_avatars = models.BooleanField(_("operator avatars"), default=True)
    # {"en": {"greeting": "…", …}, "de": {…}}: TEXT_KEYS per language, only those replaced.
    texts = models.JSONField(_("texts"), default=dict, blank=True)
    # Pre-chat form: FORM_FIELDS -> FieldUse; the groups a contact may choose (public ids).
    prechat_fields = models.JSONField(_("pre-chat form"), default=dict, blank=True)
    prechat_groups = models.JSONField(_("groups to choose from"), default=list, blank=True)
    # Nobody can chat live (out of office, nobody available): ask for name and e-mail first.
    offline_form = models.BooleanField(_("offline form"), default=False)
    # Routing options (R-RULES Routing): a returning contact goes to their last operator.
    sticky_operator = models.BooleanField(_("returning contacts keep their operator"), default=True)
    # Unassigned chats waiting for a live operator; beyond it new chats go asynchronous (0: no
    # limit).
    max_queue = models.PositiveIntegerField(_("maximum queue"), default=0)
    identity_secret = models.CharField(max_length=64, default=new_identity_secret)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccountScopedManager()

    def __str__(self) -> str:
        return self.name


class TransportKind(models.TextChoices):
    WEBCHAT = "webchat", _("Website messenger")
    EMAIL = "email", _("E-mail")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    SMS = "sms", _("SMS")
    CUSTOM = "custom", _("Custom channel")


class ChannelConnection(models.Model):
    """A transport attached to a widget. Its capabilities come from the transport registry."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="connections"
    )
    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="connections")
    public_id = models.CharField(max_length=24, unique=True, default=new_connection_id)
    kind = models.CharField(max_length=16, choices=TransportKind.choices)
    name = models.CharField(max_length=100, blank=True)
    # Encrypted at rest, printed masked (core/secrets.py); write-only in the UI.
    credentials = EncryptedJSONField(default=dict, blank=True)
    config = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccountScopedManager()

    class Meta:
        constraints = [
            # Each widget has exactly one website messenger connection.
            models.UniqueConstraint(
                fields=["widget"],
                condition=models.Q(kind="webchat"),
                name="one_webchat_per_widget",
            )
        ]

    def __str__(self) -> str:
        return f"{self.widget.name} · {self.get_kind_display()}"

    @property
    def capabilities(self):
        from messagecenter.transports.registry import capabilities_of

        return capabilities_of(self)
