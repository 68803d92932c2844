"""The filters of All conversations (R-ARCH-1), read from and kept in the URL.

``ArchiveFilter`` is a form over the query string: every filter is optional and they combine
(AND). Its choices are the account's operators, groups, topics and widgets (four small
queries, whatever the number of conversations); an unknown value is ignored, never an error,
so an old bookmark still opens. ``condition()`` turns the valid values into one ``Q`` on
``Conversation``.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messagecenter.accounts.models import Operator, OperatorGroup
from messagecenter.conversations.models import Status, Topic
from messagecenter.widgets.models import TransportKind, Widget

NONE = "none"
PERIODS = {"today": 0, "7d": 6, "30d": 29, "90d": 89, "365d": 364}
ACTIVE_STATUSES = [Status.NEW, Status.OPEN, Status.WAITING]
# Query-string keys that are filters (``after`` is the page cursor, not a filter).
FILTER_KEYS = (
    "q",
    "period",
    "from",
    "to",
    "operator",
    "status",
    "topic",
    "rating",
    "group",
    "widget",
    "locale",
    "channel",
    "feedback",
    "feedback_text",
    "bots",
)

MAIN_FILTERS = ("period", "from", "to", "operator", "status", "topic")
MORE_FILTERS = (
    "rating",
    "group",
    "widget",
    "locale",
    "channel",
    "feedback",
    "feedback_text",
    "bots",
)


def _named(model, account) -> dict[str, tuple[int, str]]:
    rows = model.objects.filter(account=account).order_by("name")
    return {
        public_id: (pk, name) for pk, public_id, name in rows.values_list("pk", "public_id", "name")
    }


def _choices(blank, named: dict[str, tuple[int, str]], none_label=None) -> list:
    choices = [("", blank)]
    if none_label:
        choices.append((NONE, none_label))
    return choices + [(public_id, name) for public_id, (_pk, name) in named.items()]


class ArchiveFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    period = forms.ChoiceField(
        label=_("Last activity"),
        required=False,
        choices=[
            ("", _("Any time")),
            ("today", _("Today")),
            ("7d", _("Last 7 days")),
            ("30d", _("Last 30 days")),
            ("90d", _("Last 90 days")),
            ("365d", _("Last 12 months")),
            ("custom", _("Between dates")),
        ],
    )
    # ``from`` is a Python keyword: the field is declared under its URL name below.
    to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    operator = forms.ChoiceField(label=_("Operator"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            ("active", _("Active (not ended)")),
            *Status.choices,
        ],
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    rating = forms.ChoiceField(
        label=_("Rating"),
        required=False,
        choices=[
            ("", _("Any rating")),
            ("rated", _("Rated")),
            ("unrated", _("Not rated")),
            ("5", _("5 stars")),
            ("4", _("4 stars")),
            ("3", _("3 stars")),
            ("2", _("2 stars")),
            ("1", _("1 star")),
        ],
    )
    group = forms.ChoiceField(label=_("Group"), required=False)
    widget = forms.ChoiceField(label=_("Widget"), required=False)
    locale = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("Any language")), *settings.LANGUAGES]
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("Any channel")), *TransportKind.choices],
    )
    feedback = forms.ChoiceField(
        label=_("Feedback"),
        required=False,
        choices=[("", _("Any")), ("has", _("With feedback")), (NONE, _("Without feedback"))],
    )
    feedback_text = forms.CharField(label=_("Feedback contains"), required=False, max_length=100)
    bots = forms.BooleanField(label=_("Chats with bots (not ongoing)"), required=False)

    def __init__(self, data, *, account, **kwargs):
        super().__init__(data, **kwargs)
        self.account = account
        self.fields["from"] = forms.DateField(
            label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
        self.order_fields(["q", "period", "from", "to"])
        # public id -> (row id, name): choices, and ids for the conditions (no joins needed).
        self.operators = _named(Operator, account)
        self.groups = _named(OperatorGroup, account)
        self.topics = _named(Topic, account)
        self.widgets = _named(Widget, account)
        self._choose("operator", _choices(_("Any operator"), self.operators, _("Unassigned")))
        self._choose("group", _choices(_("Any group"), self.groups, _("No group")))
        self._choose("topic", _choices(_("Any topic"), self.topics, _("No topic")))
        self._choose("widget", _choices(_("Any widget"), self.widgets))

    def _choose(self, name: str, choices: list) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    @property
    def values(self) -> dict:
        """The valid filter values (invalid ones dropped): what the page actually applies."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None, False)}

    @property
    def search_text(self) -> str:
        return self.values.get("q", "")

    @property
    def main_fields(self) -> list:
        return [self[name] for name in MAIN_FILTERS]

    @property
    def more_fields(self) -> list:
        return [self[name] for name in MORE_FILTERS if name != "bots"]

    @property
    def more_in_use(self) -> int:
        """Filters in use behind "More filters" (that section then opens by itself)."""
        return len([name for name in self.values if name in MORE_FILTERS])

    def querystring(self) -> str:
        """The filters in URL form: for links, the next page and "all matching" jobs."""
        query = QueryDict(mutable=True)
        for key, value in self.values.items():
            query[key] = "1" if value is True else str(value)
        return query.urlencode()

    def condition(self) -> Q:
        values = self.values
        condition = Q(account=self.account)
        for name, build in _BUILDERS.items():
            if name in values:
                condition &= build(self, values[name], values)
        return condition

    # --- one function per filter -----------------------------------------------------------

    def _period(self, value, values) -> Q:
        if value == "custom":
            start, end = values.get("from"), values.get("to")
            condition = Q()
            if start:
                condition &= Q(last_activity_at__gte=_local_midnight(start))
            if end:
                condition &= Q(last_activity_at__lt=_local_midnight(end + timedelta(days=1)))
            return condition
        today = timezone.localdate()
        return Q(last_activity_at__gte=_local_midnight(today - timedelta(days=PERIODS[value])))

    def _operator(self, value, values) -> Q:
        if value == NONE:
            return Q(assigned_operator__isnull=True)
        return Q(assigned_operator_id=self.operators[value][0])

    def _status(self, value, values) -> Q:
        return Q(status__in=ACTIVE_STATUSES) if value == "active" else Q(status=value)

    def _topic(self, value, values) -> Q:
        return Q(topic__isnull=True) if value == NONE else Q(topic_id=self.topics[value][0])

    def _rating(self, value, values) -> Q:
        if value in ("rated", "unrated"):
            return Q(rating__isnull=value == "unrated")
        return Q(rating=int(value))

    def _group(self, value, values) -> Q:
        return (
            Q(assigned_group__isnull=True)
            if value == NONE
            else Q(assigned_group_id=self.groups[value][0])
        )

    def _widget(self, value, values) -> Q:
        return Q(widget_id=self.widgets[value][0])

    def _locale(self, value, values) -> Q:
        return Q(locale=value)

    def _channel(self, value, values) -> Q:
        return Q(connection__kind=value)

    def _feedback(self, value, values) -> Q:
        return Q(feedback="") if value == NONE else ~Q(feedback="")

    def _feedback_text(self, value, values) -> Q:
        return Q(feedback__icontains=value)

    def _bots(self, value, values) -> Q:
        # "Not ongoing": a bot took part and the conversation has ended.
        return Q(had_bot=True, status=Status.ENDED)


_BUILDERS = {
    "period": ArchiveFilter._period,
    "operator": ArchiveFilter._operator,
    "status": ArchiveFilter._status,
    "topic": ArchiveFilter._topic,
    "rating": ArchiveFilter._rating,
    "group": ArchiveFilter._group,
    "widget": ArchiveFilter._widget,
    "locale": ArchiveFilter._locale,
    "channel": ArchiveFilter._channel,
    "feedback": ArchiveFilter._feedback,
    "feedback_text": ArchiveFilter._feedback_text,
    "bots": ArchiveFilter._bots,
}


def _local_midnight(day) -> datetime:
    """The start of ``day`` in the operator's time zone (activated by the middleware)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def operator_time_zone(operator):
    """Periods ("last 7 days") mean the operator's days, also in a job without a request."""
    try:
        zone = zoneinfo.ZoneInfo(operator.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    return timezone.override(zone)


def filter_from_querystring(querystring: str, account) -> ArchiveFilter:
    return ArchiveFilter(QueryDict(querystring), account=account)


def link(querystring: str, **changes) -> str:
    """``?…`` with some keys changed (None removes a key)."""
    query = QueryDict(querystring, mutable=True)
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    encoded = query.urlencode()
    return "?" + encoded if encoded else "?"
