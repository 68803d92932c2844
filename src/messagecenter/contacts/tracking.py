"""What the messenger records about a visitor: page views, visits, client and location.

Nothing here runs for a widget in privacy mode (R-RULES Privacy mode): the callers check
``widget.privacy_mode`` first, and these functions check it again, because a leak here is
not recoverable.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models import F
from ua_parser import parse as parse_ua

from messagecenter.contacts.models import Contact, PageView, Visitor
from messagecenter.core import clock

log = logging.getLogger(__name__)
VISIT_GAP = timedelta(minutes=30)
COALESCE_WITHIN = timedelta(minutes=1)


def client_info(user_agent: str) -> dict:
    """Browser, OS and device class (mobile/tablet/desktop) from a User-Agent header."""
    result = parse_ua(user_agent or "")
    browser = result.user_agent.family if result.user_agent else "Other"
    system = result.os.family if result.os else "Other"
    device = result.device.family if result.device else "Other"
    lowered = (user_agent or "").lower()
    if "ipad" in lowered or "tablet" in lowered:
        device_class = "tablet"
    elif "mobi" in lowered or "android" in lowered or "iphone" in lowered:
        device_class = "mobile"
    else:
        device_class = "desktop"
    return {"browser": browser, "os": system, "device": device, "device_class": device_class}


def record_client(contact: Contact, widget, info: dict, ip: str | None) -> None:
    if widget.privacy_mode:
        return
    contact.last_client = info
    fields = ["last_client"]
    location = locate_ip(ip) if ip else None
    if location:
        contact.last_location = location
        fields.append("last_location")
    Contact.objects.filter(pk=contact.pk).update(**{f: getattr(contact, f) for f in fields})


def record_time_zone(contact: Contact, widget, name: str) -> None:
    """The browser's time zone (``Intl``), for the times in the contact's e-mails. A rough
    location too, so not in privacy mode; unknown names are ignored."""
    if widget.privacy_mode or not is_time_zone(name) or contact.time_zone == name:
        return
    contact.time_zone = name
    Contact.objects.filter(pk=contact.pk).update(time_zone=name)


def is_time_zone(name: str) -> bool:
    if not isinstance(name, str) or not 0 < len(name) <= 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def record_browser_location(contact: Contact, widget, latitude: float, longitude: float) -> None:
    """Browser geolocation, sent only after the contact agreed in the messenger."""
    if widget.privacy_mode:
        return
    location = {
        "latitude": round(latitude, 4),
        "longitude": round(longitude, 4),
        "source": "browser",
    }
    Contact.objects.filter(pk=contact.pk).update(last_location=location)


def record_page_view(
    contact: Contact | None, widget, url: str, title: str = "", *, visitor: Visitor | None = None
) -> PageView | None:
    """A page view of the contact, or of a visitor who has not written yet. The same address
    as the last view within ``COALESCE_WITHIN`` only counts up (reloads, a client flooding
    ``page.view``): one row, not one per frame."""
    if widget.privacy_mode or not _is_web_url(url):
        return None
    owner = {"contact": contact} if contact is not None else {"visitor": visitor}
    now = clock.now()
    with transaction.atomic():
        last = PageView.objects.filter(**owner).order_by("-at", "-id").first()
        if last is not None and last.url == url[:2000] and now - last.at <= COALESCE_WITHIN:
            PageView.objects.filter(pk=last.pk).update(count=F("count") + 1)
            return last
        visit = 1 if last is None else last.visit + (1 if now - last.at > VISIT_GAP else 0)
        return PageView.objects.create(
            account_id=widget.account_id,
            widget=widget,
            url=url[:2000],
            title=(title or "")[:300],
            at=now,
            visit=visit,
            **owner,
        )


def locate_ip(ip: str) -> dict | None:
    reader = _geoip_reader()
    if reader is None:
        return None
    try:
        city = reader.city(ip)
    except Exception:  # unknown or private address: no location, never an error
        return None
    return {
        "country": city.country.iso_code or "",
        "city": city.city.name or "",
        "source": "ip",
    }


@lru_cache(maxsize=1)
def _geoip_reader():
    path = getattr(settings, "GEOIP_DATABASE", "")
    if not path:
        return None
    try:
        import geoip2.database

        return geoip2.database.Reader(path)
    except Exception:
        log.warning("GeoIP database %s could not be opened; locations are off", path)
        return None


def _is_web_url(url: str) -> bool:
    parsed = urlparse(url or "")
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)
