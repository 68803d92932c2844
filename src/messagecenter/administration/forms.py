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
from messagecenter.administration.models import OutOfOffice
from messagecenter.core.errors import ValidationFailed as DomainValidation
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


WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class BusinessHoursForm(forms.Form):
    enabled = forms.BooleanField(label=_("Use business hours"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    holidays = forms.CharField(
        label=_("Holidays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One date a line, like 2026-12-24: closed all day."),
    )
    out_of_office = forms.ChoiceField(
        label=_("Outside business hours"), choices=OutOfOffice.choices
    )
    message = forms.CharField(
        label=_("Out-of-office message"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, name in enumerate(WEEKDAYS):
            self.fields[f"day_{day}"] = forms.CharField(
                label=name,
                required=False,
                help_text=_("Like 09:00-17:00; several spans with commas; empty: closed."),
            )

    def day_fields(self):
        return [self[f"day_{day}"] for day in range(7)]

    @classmethod
    def initial_for(cls, hours) -> dict:
        initial = {
            "enabled": hours.enabled,
            "time_zone": hours.time_zone,
            "holidays": "\n".join(hours.holidays),
            "out_of_office": hours.out_of_office,
            "message": hours.message,
        }
        for day in range(7):
            spans = hours.weekly.get(str(day), [])
            initial[f"day_{day}"] = ", ".join(f"{a}-{b}" for a, b in spans)
        return initial

    def to_hours(self) -> dict:
        """The service's arguments; a span or date that does not parse is a field error."""
        from messagecenter.administration.hours import parse_spans

        data = self.cleaned_data
        weekly = {}
        for day in range(7):
            try:
                weekly[day] = parse_spans(data.get(f"day_{day}", ""))
            except DomainValidation as error:
                raise DomainValidation(error.message, field=f"day_{day}") from None
        holidays = []
        for line in (data.get("holidays") or "").split():
            try:
                holidays.append(date.fromisoformat(line.strip()))
            except ValueError:
                raise DomainValidation(
                    _("%(value)s is not a date like 2026-12-24.") % {"value": line},
                    field="holidays",
                ) from None
        return {
            "enabled": data["enabled"],
            "time_zone": data["time_zone"],
            "weekly": weekly,
            "holidays": holidays,
            "out_of_office": data["out_of_office"],
            "message": data.get("message", ""),
        }
