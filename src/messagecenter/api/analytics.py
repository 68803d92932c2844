"""Analytics summaries (R-ANALYTICS-1): the headline numbers of the Analytics page for a
period, narrowed like its filters. Read from the stored per-conversation metrics
(``analytics.queries``), whole days in the account's time zone.

Unlike the page, whose filter form quietly treats an unknown id as "all", the API says 404:
a program that sends a wrong id wants to know, not to get the whole account's numbers.

(No ``from __future__ import annotations``: ninja reads these signatures at import time.)
"""

from dataclasses import replace
from datetime import date, timedelta
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from messagecenter.accounts.models import Operator, OperatorGroup
from messagecenter.accounts.permissions import analytics_scope
from messagecenter.analytics.queries import Filters, today, totals
from messagecenter.api.auth import ANALYTICS_READ
from messagecenter.api.schemas import Problem
from messagecenter.conversations.models import Topic
from messagecenter.core.errors import ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.widgets.models import Widget

router = Router(tags=["analytics"])

MAX_DAYS = 366


class SummaryQuery(Schema):
    day_from: date | None = Field(None, description="First day; default: 29 days before to.")
    day_to: date | None = Field(None, description="Last day (inclusive); default: today.")
    operator: str | None = Field(None, max_length=24)
    group: str | None = Field(None, max_length=24)
    topic: str | None = Field(None, max_length=24)
    channel: Literal["webchat", "email", "whatsapp", "telegram", "sms", "custom"] | None = None
    widget: str | None = Field(None, max_length=24)


class Duration(Schema):
    count: int = Field(description="Conversations with this time.")
    average: int | None = Field(description="Seconds.")
    median: int | None = Field(description="Seconds.")
    p90: int | None = Field(description="Seconds.")


class Summary(Schema):
    day_from: date
    day_to: date
    time_zone: str
    new: int = Field(description="Conversations started in the period.")
    ended: int
    live: int = Field(description="Started as live chats.")
    live_share: float | None
    unanswered: int
    messages: int = Field(description="Messages from contacts.")
    responses: int = Field(description="Messages from the team.")
    reopened: int
    rating: float | None = Field(description="Average rating of the period.")
    first_response: Duration
    reply: Duration
    resolution: Duration


@router.get(
    "/analytics/summary",
    response={200: Summary, **{code: Problem for code in (401, 403, 404, 422)}},
    auth=ANALYTICS_READ,
)
def summary(request, query: Query[SummaryQuery]):
    """Volume, first response, reply and resolution times and ratings of a period."""
    filters = _filters(request.auth.account, query)
    if request.auth.operator is not None and (only := analytics_scope(request.auth)) is not None:
        # An operator's personal token reads only their own numbers (accounts.permissions).
        filters = replace(filters, operator_id=only.pk)
    found = totals(filters)
    return {
        "day_from": filters.day_from,
        "day_to": filters.day_to,
        "time_zone": filters.time_zone,
        **{key: found[key] or 0 for key in ("new", "ended", "live", "unanswered", "reopened")},
        "messages": found["messages"] or 0,
        "responses": found["responses"] or 0,
        "live_share": found["live_share"],
        "rating": found["rating"],
        **{key: found[key] for key in ("first_response", "reply", "resolution")},
    }


def _filters(account, query: SummaryQuery) -> Filters:
    zone = account.time_zone or "UTC"
    day_to = query.day_to or today(zone)
    day_from = query.day_from or _days_before(day_to, 29)
    if day_from > day_to:
        raise ValidationFailed(_("day_from must not be after day_to."), field="day_from")
    if (day_to - day_from).days >= MAX_DAYS:
        raise ValidationFailed(
            _("A period is at most %(days)d days.") % {"days": MAX_DAYS}, field="day_from"
        )
    return Filters(
        account.pk,
        zone,
        day_from,
        day_to,
        operator_id=_pk(Operator, account, query.operator),
        group_id=_pk(OperatorGroup, account, query.group),
        topic_id=_pk(Topic, account, query.topic),
        channel=query.channel or "",
        widget_id=_pk(Widget, account, query.widget),
    )


def _days_before(day: date, days: int) -> date:
    # The calendar starts at date.min: a default period near it is shorter, not an error.
    return day - timedelta(days=days) if day - date.min >= timedelta(days=days) else date.min


def _pk(model, account, public_id: str | None) -> int | None:
    return get_scoped(model, account, public_id).pk if public_id else None
