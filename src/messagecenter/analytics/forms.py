"""The Analytics page's period picker and filters, resolved inside the caller's account."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from messagecenter.accounts.models import Operator, OperatorGroup
from messagecenter.analytics.queries import Filters, today
from messagecenter.conversations.models import Topic
from messagecenter.widgets.models import TransportKind, Widget

PERIODS = (("7", _("Last 7 days")), ("30", _("Last 30 days")), ("90", _("Last 90 days")))
CUSTOM = "custom"
CALENDAR, BUSINESS = "calendar", "business"
CLOCKS = ((CALENDAR, _("Calendar time")), (BUSINESS, _("Business hours")))
MAX_DAYS = 366


class AnalyticsFilter(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"), required=False, choices=[*PERIODS, (CUSTOM, _("Custom"))]
    )
    day_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    day_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    operator = forms.ChoiceField(label=_("Operator"), required=False)
    group = forms.ChoiceField(label=_("Group"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    widget = forms.ChoiceField(label=_("Widget"), required=False)
    # Response and resolution times counted in calendar time or in the widgets' business
    # hours (Settings › Business hours; a widget without them is always open).
    clock = forms.ChoiceField(label=_("Times in"), required=False, choices=CLOCKS)

    def __init__(self, data, *, account, only=None, **kwargs):
        """``only``: the one operator whose numbers the caller may see (an operator's own
        analytics, accounts.permissions.analytics_scope); ``None`` is the whole team."""
        super().__init__(data, **kwargs)
        self.account = account
        self.only = only
        self._ids: dict[str, dict[str, int]] = {}
        team = Operator.objects.filter(account=account).order_by("name")
        self._offer("operator", team if only is None else team.filter(pk=only.pk))
        self._offer("group", OperatorGroup.objects.filter(account=account).order_by("name"))
        self._offer("topic", Topic.objects.filter(account=account).order_by("name"))
        self._offer("widget", Widget.objects.filter(account=account).order_by("name"))
        self._choose("channel", [("", _("All")), *TransportKind.choices])
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "select" if isinstance(field, forms.ChoiceField) else ""
            )

    def _offer(self, name: str, objects) -> None:
        found = list(objects.values_list("public_id", "pk", "name"))
        self._ids[name] = {public_id: pk for public_id, pk, _n in found}
        self._choose(name, [("", _("All")), *((p, n) for p, _pk, n in found)])

    def _choose(self, name: str, choices: list) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filters(self) -> Filters:
        """The valid part of the request; a bad or foreign value counts as "all"."""
        values = self.cleaned_data if self.is_valid() else {}
        zone = self.account.time_zone or "UTC"
        day_from, day_to = self._days(values, today(zone))
        return Filters(
            self.account.pk,
            zone,
            day_from,
            day_to,
            operator_id=self.only.pk if self.only is not None else self._id("operator", values),
            group_id=self._id("group", values),
            topic_id=self._id("topic", values),
            channel=values.get("channel") or "",
            widget_id=self._id("widget", values),
            business=values.get("clock") == BUSINESS,
        )

    def _days(self, values: dict, last):
        period = values.get("period") or "30"
        start, end = values.get("day_from"), values.get("day_to")
        if period == CUSTOM and start and end and start <= end:
            return max(start, end - timedelta(days=MAX_DAYS - 1)), end
        days = int(period) if period.isdigit() else 30
        return last - timedelta(days=days - 1), last

    def _id(self, name: str, values: dict) -> int | None:
        return self._ids[name].get(values.get(name) or "")

    def querystring(self) -> str:
        if not self.is_valid():
            return ""
        from django.http import QueryDict

        query = QueryDict(mutable=True)
        for name, value in self.data.items():
            if name in self.fields and value:
                query[name] = value
        return query.urlencode()
