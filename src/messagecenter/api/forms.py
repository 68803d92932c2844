"""The form that creates an API token in the app (name and scopes)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from messagecenter.accounts.tokens import SCOPES


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses the token, e.g. “CRM sync”. Only you and administrators see it."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[(scope, f"{scope}: {text}") for scope, text in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        initial=["conversations:read"],
        help_text=_("Give a token only what it needs."),
    )
