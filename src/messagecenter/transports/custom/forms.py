"""The settings form of a custom channel: what an administrator types, turned into the
arguments of ``custom.setup`` (the service checks and stores them)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from messagecenter.team.forms import MEDIA_LABELS, SWITCH, number
from messagecenter.transports.custom import config
from messagecenter.widgets.models import MEDIA_TYPES, ChannelConnection

MB = 1024 * 1024
HOUR = 3600
ICON_LABELS = {
    "message": _("Chat bubble"),
    "code": _("Code"),
    "phone": _("Phone"),
    "mail": _("Envelope"),
    "at": _("At sign"),
    "inbox": _("Inbox"),
    "users": _("People"),
    "gear": _("Gear"),
    "bell": _("Bell"),
}
IDENTITY_LABELS = {
    "external": _("External ID (contact.id)"),
    "email": _("E-mail address (contact.email)"),
    "phone": _("Phone number (contact.phone)"),
}


class CustomChannelForm(forms.Form):
    # Service fields the form names differently (for ``apply_error``).
    ERROR_FIELDS = {"max_file_bytes": "max_file_mb", "delete_window_seconds": "delete_window_hours",
                    "edit_window_seconds": "edit_window_hours"}  # fmt: skip

    widget: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Widget"),
        queryset=None,
        to_field_name="public_id",
        empty_label=None,
        help_text=_("Its operator group, timeouts and auto-end apply to this channel."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    icon = forms.ChoiceField(
        label=_("Icon"), choices=[(name, ICON_LABELS[name]) for name in config.ICONS]
    )
    webhook_url = forms.CharField(
        label=_("Webhook URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("Operator replies are sent here as signed POST requests."),
    )
    max_text_length = number(1, config.MAX_TEXT_LENGTH, label=_("Maximum text length"))
    media_types = forms.MultipleChoiceField(
        label=_("Files the channel carries"),
        choices=[(kind, MEDIA_LABELS[kind]) for kind in MEDIA_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    max_file_mb = number(1, 100, label=_("Maximum file size (MB)"))
    can_delete = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=SWITCH), label=_("Messages can be deleted"),
        required=False,
    )  # fmt: skip
    delete_window_hours = number(
        0, 8760, label=_("Delete within (hours)"), required=False,
        help_text=_("Empty or 0: at any time."),
    )  # fmt: skip
    can_edit = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=SWITCH), label=_("Messages can be edited"),
        required=False,
    )  # fmt: skip
    edit_window_hours = number(
        0, 8760, label=_("Edit within (hours)"), required=False,
        help_text=_("Empty or 0: at any time."),
    )  # fmt: skip
    identity_kinds = forms.MultipleChoiceField(
        label=_("People are identified by"),
        choices=[(kind, IDENTITY_LABELS[kind]) for kind in config.IDENTITY_KINDS],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, account, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        from messagecenter.widgets.models import Widget

        widgets = self.fields["widget"]
        widgets.queryset = Widget.objects.for_account(account).order_by("name")  # type: ignore[attr-defined]
        if editing:
            widgets.disabled = True
            widgets.help_text = _("A channel stays with its widget.")

    @staticmethod
    def initial_for(connection: ChannelConnection | None) -> dict:
        values = config.DEFAULTS if connection is None else config.capability_values(connection)
        initial = {
            "icon": config.ICONS[0] if connection is None else config.icon(connection),
            "max_text_length": values["max_text_length"],
            "media_types": values["media_types"],
            "max_file_mb": (values["max_file_bytes"] or 100 * MB) // MB,
            "can_delete": values["can_delete"],
            "delete_window_hours": _hours(values["delete_window_seconds"]),
            "can_edit": values["can_edit"],
            "edit_window_hours": _hours(values["edit_window_seconds"]),
            "identity_kinds": values["identity_kinds"],
        }
        if connection is not None:
            initial |= {
                "widget": connection.widget.public_id,
                "name": connection.name,
                "webhook_url": config.webhook_url(connection),
            }
        return initial

    def to_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "icon": data["icon"],
            "webhook_url": data["webhook_url"],
            "capabilities": {
                "max_text_length": data["max_text_length"],
                "media_types": data["media_types"],
                "max_file_bytes": data["max_file_mb"] * MB,
                "can_delete": data["can_delete"],
                "delete_window_seconds": (data["delete_window_hours"] or 0) * HOUR or None,
                "can_edit": data["can_edit"],
                "edit_window_seconds": (data["edit_window_hours"] or 0) * HOUR or None,
                "identity_kinds": data["identity_kinds"],
            },
        }


def _hours(seconds: int | None) -> int | None:
    return seconds // HOUR if seconds else None
