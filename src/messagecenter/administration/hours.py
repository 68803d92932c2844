"""Business hours and holidays per widget (the one writer of ``BusinessHours``), and the
check routing asks: is this widget open right now? Outside its hours nobody is routed live;
the widget's out-of-office behaviour applies (``routing.out_of_office``, stored with the
routing decision on the timeline)."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, time

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.administration.models import BusinessHours, OutOfOffice
from messagecenter.conversations import routing
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.widgets.models import Widget

DAYS = range(7)  # Monday is 0, as date.weekday()
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
MAX_MESSAGE = 1000


def hours_of(widget: Widget) -> BusinessHours:
    found = BusinessHours.objects.filter(widget=widget).first()
    return found or BusinessHours(account=widget.account, widget=widget)


def set_hours(
    widget: Widget,
    *,
    enabled: bool,
    time_zone: str,
    weekly: dict[int, list[tuple[str, str]]],
    holidays: list[date],
    out_of_office: str,
    message: str,
    actor: Actor,
) -> BusinessHours:
    """Replace the widget's hours. ``weekly``: weekday -> spans ("09:00", "17:00")."""
    _require_admin(actor, widget)
    _check(time_zone, weekly, out_of_office, message)
    fields = {
        "account": widget.account,
        "enabled": enabled,
        "time_zone": time_zone,
        "weekly": {str(day): [list(span) for span in weekly.get(day, [])] for day in DAYS},
        "holidays": sorted({day.isoformat() for day in holidays}),
        "out_of_office": out_of_office,
        "message": message.strip(),
    }
    with transaction.atomic():
        hours, _made = BusinessHours.objects.update_or_create(widget=widget, defaults=fields)
        audit.record(actor, "widget.hours_changed", "widget", widget.public_id, enabled=enabled)
    return hours


def is_open(hours: BusinessHours, at: datetime | None = None) -> bool:
    """Open at ``at`` (now): hours off means always open; a holiday is closed all day."""
    if not hours.enabled:
        return True
    local = (at or clock.now()).astimezone(zoneinfo.ZoneInfo(hours.time_zone))
    if local.date().isoformat() in hours.holidays:
        return False
    now = local.time()
    return any(
        _time(start) <= now < _time(end)
        for start, end in hours.weekly.get(str(local.weekday()), [])
    )


def closed_check(widget: Widget) -> routing.OutOfOffice | None:
    """Routing's (and the messenger's) question: is the widget closed now, and what then?"""
    hours = BusinessHours.objects.filter(widget_id=widget.pk, enabled=True).first()
    if hours is None or is_open(hours):
        return None
    return routing.OutOfOffice(hours.out_of_office, hours.message)


def parse_spans(text: str) -> list[tuple[str, str]]:
    """ "09:00-12:00, 13:00-17:00" -> [("09:00", "12:00"), ("13:00", "17:00")]; "" is closed."""
    spans = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        match = _SPAN.match(part)
        if not match:
            raise ValidationFailed(_("Write opening hours like 09:00-17:00, 18:00-20:00."))
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        spans.append((f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"))
    return spans


def _check(time_zone: str, weekly: dict, out_of_office: str, message: str) -> None:
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(_("Unknown time zone."), field="time_zone") from None
    if out_of_office not in OutOfOffice.values:
        raise ValidationFailed(
            _("Choose what happens outside business hours."), field="out_of_office"
        )
    if out_of_office == OutOfOffice.MESSAGE and not message.strip():
        raise ValidationFailed(_("Write the out-of-office message."), field="message")
    if len(message) > MAX_MESSAGE:
        raise ValidationFailed(_("The message can be at most 1000 characters."), field="message")
    for day, spans in weekly.items():
        for start, end in spans:
            if not (_valid(start) and _valid(end) and _time(start) < _time(end)):
                raise ValidationFailed(
                    _("Each opening span must start before it ends, within the day."),
                    field=f"day_{day}",
                )


def _valid(text: str) -> bool:
    hour, minute = (int(x) for x in text.split(":"))
    return (0 <= hour <= 23 and 0 <= minute <= 59) or (hour == 24 and minute == 0)


def _time(text: str) -> time:
    hour, minute = (int(x) for x in text.split(":"))
    return time.max if hour == 24 else time(hour, minute)


def _require_admin(actor: Actor, widget: Widget) -> None:
    if actor.account.pk != widget.account_id:
        raise NotFound(_("Not found."))
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can do this."))
