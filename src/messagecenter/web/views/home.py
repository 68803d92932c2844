"""Home: my open work at a glance, refreshed live (htmx re-fetches the stats partial)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from messagecenter.analytics.presenters import my_day
from messagecenter.web import reads

NEEDS_REPLY_SHOWN = 5


@login_required
def home(request):
    return render(request, "web/home.html", {"section": "home", **_stats(request.user)})


@login_required
def home_stats(request):
    return render(request, "web/home/_stats.html", _stats(request.user))


def _stats(operator) -> dict:
    rows = reads.inbox_rows(operator, "mine", limit=NEEDS_REPLY_SHOWN * 2)
    return {
        "stats": reads.home_stats(operator),
        "needs_reply": [r for r in rows if r["status"] in reads.NEEDS_REPLY][:NEEDS_REPLY_SHOWN],
        # My day, from the analytics rows and definitions (docs/metrics.md "Home").
        "my_day": my_day(operator),
    }
