"""The add-on form of Settings › Add-ons."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AddonForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What operators see in the action bar, e.g. “Orders in the shop”."),
    )
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
        help_text=_("Your HTTPS address that receives the conversation as a signed POST."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("For administrators: what it does and who looks after it."),
    )
    placement = forms.MultipleChoiceField(
        label=_("Where it is offered"),
        choices=[
            ("conversation", _("In the conversation's action bar")),
            ("bulk", _("For selected conversations in All conversations")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    ERROR_FIELDS = {"url": "url", "name": "name", "placement": "placement"}

    @staticmethod
    def initial_for(addon) -> dict:
        if addon is None:
            return {"placement": ["conversation"]}
        placement = [
            key
            for key, on in (("conversation", addon.in_conversation), ("bulk", addon.in_bulk))
            if on
        ]
        return {
            "name": addon.name,
            "url": addon.url,
            "description": addon.description,
            "placement": placement,
        }

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "url": data["url"],
            "description": data["description"],
            "in_conversation": "conversation" in data["placement"],
            "in_bulk": "bulk" in data["placement"],
        }
