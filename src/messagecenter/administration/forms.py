"""Forms of the administration pages. They parse and render; the services decide."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from messagecenter.accounts.models import Operator
from messagecenter.administration.audit_log import AuditFilter
from messagecenter.team.forms import time_zone_choices


class AuditFilterForm(forms.Form):
    """The audit log's filter; read from the query string, so a filtered view is a link."""

    actor = forms.ChoiceField(label=_("Who"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    target = forms.CharField(
        label=_("Object"),
        required=False,
        max_length=40,
        help_text=_("An id such as op_… or a kind such as operator."),
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, operators: list[Operator], actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        everyone = [("", _("Everyone"))]
        cast(forms.ChoiceField, self.fields["actor"]).choices = everyone + [
            (o.public_id, o.name) for o in operators
        ]
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", _("All actions"))] + [
            (a, a) for a in actions
        ]

    def to_filter(self, time_zone: str) -> AuditFilter:
        """The filter, with the days read in the administrator's own time zone; ``until``
        includes its whole day."""
        data = self.cleaned_data if self.is_valid() else {}
        zone = zoneinfo.ZoneInfo(time_zone)
        until = data.get("until")
        return AuditFilter(
            actor_id=data.get("actor", ""),
            action=data.get("action", ""),
            target=(data.get("target") or "").strip(),
            since=_start_of(data.get("since"), zone),
            until=_start_of(until + timedelta(days=1), zone) if until else None,
        )


def _start_of(day: date | None, zone: zoneinfo.ZoneInfo) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=zone) if day else None


class AccountProfileForm(forms.Form):
    name = forms.CharField(label=_("Account name"), max_length=200)
    default_language = forms.ChoiceField(
        label=_("Default language"),
        choices=settings.LANGUAGES,
        help_text=_("New operators start with it; each operator can change their own."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_(
            "Times in e-mails to contacts (transcripts) when their browser did not tell us "
            "their own time zone."
        ),
    )


LOGO_TYPES = "image/png,image/jpeg,image/gif,image/webp"


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Logo"),
        help_text=_("PNG, JPEG, GIF or WebP, at most 1 MB. Shown at the top of the navigation."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )


class SupportForm(forms.Form):
    support_email = forms.EmailField(label=_("Support e-mail"), required=False)
    support_url = forms.URLField(label=_("Support page"), required=False, assume_scheme="https")
    ai_hub_url = forms.URLField(
        label=_("AI automation hub"),
        required=False,
        assume_scheme="https",
        help_text=_("Where the navigation's AI automation hub entry leads (a new tab)."),
    )


class RetentionForm(forms.Form):
    conversation_days = forms.IntegerField(
        label=_("Delete ended conversations after (days)"),
        required=False,
        min_value=1,
        max_value=36500,
        help_text=_("Empty: keep them."),
    )
    file_days = forms.IntegerField(
        label=_("Delete files after (days)"),
        required=False,
        min_value=1,
        max_value=36500,
        help_text=_("Files in this widget's conversations, counted from when they arrived."),
    )
