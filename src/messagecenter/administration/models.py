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
