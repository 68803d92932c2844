"""The endpoint form of Settings › Webhooks."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from messagecenter.webhooks.events import EVENT_TYPES


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
        help_text=_("Your system's HTTPS address that receives the events as signed POSTs."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What receives the events, e.g. “CRM sync”."),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(name, f"{name}: {text}") for name, text in EVENT_TYPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    ERROR_FIELDS = {"url": "url", "event_types": "event_types"}

    @staticmethod
    def initial_for(endpoint) -> dict:
        if endpoint is None:
            return {"event_types": ["conversation.started", "message.created"]}
        return {
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": endpoint.event_types,
        }
