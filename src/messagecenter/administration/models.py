"""The administration app's rows: an account's profile and security rules, retention
policies per widget and their run receipts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountProfile(models.Model):
    """What an administrator sets for the whole account beyond its name and time zone (those
    stay on ``Account``): the default language, the logo in the app shell, whom operators
    contact for help, where the AI automation hub lives, and whether two-factor sign-in is
    required. Made on first use, so accounts made before this table need no data migration."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="profile"
    )
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    logo = models.ForeignKey(
        "files.StoredFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    support_email = models.EmailField(_("support e-mail"), blank=True)
    support_url = models.URLField(_("support page"), blank=True)
    # Empty: the installation's MC_AI_HUB_URL (or the API docs) is used.
    ai_hub_url = models.URLField(_("AI automation hub"), blank=True)
    require_two_factor = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[AccountProfile] = models.Manager()


def new_retention_run_id() -> str:
    from messagecenter.core.ids import new_public_id

    return new_public_id("ret")


class RetentionPolicy(models.Model):
    """How long a widget keeps ended conversations and files; empty: forever."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    widget = models.OneToOneField(
        "widgets.Widget", on_delete=models.CASCADE, related_name="retention_policy"
    )
    conversation_days = models.PositiveIntegerField(null=True, blank=True)
    file_days = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[RetentionPolicy] = models.Manager()


class RunState(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RetentionRun(models.Model):
    """One retention run of a widget and its receipt: counts, the cut-off times, and the
    deleted conversations' and files' ids as keyed HMACs (``receipt_ids``), so the receipt
    proves what went without holding anything that names a person or a conversation."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=24, unique=True, default=new_retention_run_id)
    widget = models.ForeignKey(
        "widgets.Widget", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    widget_public_id = models.CharField(max_length=24)
    started_by_kind = models.CharField(max_length=16)
    started_by_id = models.CharField(max_length=24, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=8, choices=RunState.choices, default=RunState.RUNNING)
    conversations_before = models.DateTimeField(null=True, blank=True)
    files_before = models.DateTimeField(null=True, blank=True)
    conversations_deleted = models.PositiveIntegerField(default=0)
    messages_deleted = models.PositiveIntegerField(default=0)
    files_deleted = models.PositiveIntegerField(default=0)
    # {"conversations": [hmac, …], "files": [hmac, …]}
    receipt_ids = models.JSONField(default=dict)

    objects: models.Manager[RetentionRun] = models.Manager()

    class Meta:
        indexes = [models.Index(fields=["account", "-started_at"])]


class OutOfOffice(models.TextChoices):
    MESSAGE = "message", _("Answer with the out-of-office message")
    ASYNC = "async", _("Take messages asynchronously")
    HIDE = "hide", _("Hide the messenger's launcher")


class BusinessHours(models.Model):
    """When a widget's team is there: opening hours per weekday in the widget's own time zone
    and holidays; outside them nobody is routed live and the out-of-office behaviour applies."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    widget = models.OneToOneField(
        "widgets.Widget", on_delete=models.CASCADE, related_name="business_hours"
    )
    enabled = models.BooleanField(default=False)
    time_zone = models.CharField(max_length=64, default="Europe/Berlin")
    # {"0": [["09:00", "17:00"]], …, "6": []}: Monday is "0", as ``date.weekday()``.
    weekly = models.JSONField(default=dict)
    # ["2026-12-24", …]: whole days closed.
    holidays = models.JSONField(default=list)
    out_of_office = models.CharField(
        max_length=8, choices=OutOfOffice.choices, default=OutOfOffice.MESSAGE
    )
    message = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[BusinessHours] = models.Manager()
