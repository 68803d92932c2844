"""Forms of the administration pages. They parse and render; the services decide."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from messagecenter.accounts.models import Operator
from messagecenter.administration.audit_log import AuditFilter


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
