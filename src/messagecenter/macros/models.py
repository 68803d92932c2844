"""Macros: predefined text blocks (with per-language variants) and push macros (a URL)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.ids import new_public_id
from messagecenter.core.scoping import AccountScopedManager


def new_macro_id() -> str:
    return new_public_id("mc")


def new_macro_group_id() -> str:
    return new_public_id("mg")


class MacroGroup(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=24, unique=True, default=new_macro_group_id)
    name = models.CharField(_("name"), max_length=100)

    objects = AccountScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="macro_group_name_unique")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MacroKind(models.TextChoices):
    TEXT = "text", _("Chat macro")
    PUSH = "push", _("Push macro")


class Macro(models.Model):
    """``texts`` maps a language to its text; ``default_language`` is the fallback variant.

    Texts may hold placeholders such as ``{contact.name}`` or ``{operator.first_name}``.
    A push macro sends the contact's browser to ``url`` (only while the contact is online).
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=24, unique=True, default=new_macro_id)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(max_length=8, choices=MacroKind.choices, default=MacroKind.TEXT)
    group = models.ForeignKey(
        MacroGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="macros"
    )
    texts = models.JSONField(default=dict)
    default_language = models.CharField(max_length=8, default="en")
    url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AccountScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="macro_name_unique")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
