"""The Analytics page (R-ANALYTICS-1), its chart CSVs and the per-conversation export."""

from __future__ import annotations

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from messagecenter.accounts.permissions import analytics_scope
from messagecenter.analytics import export, presenters
from messagecenter.analytics.forms import AnalyticsFilter
from messagecenter.analytics.queries import Filters, reading
from messagecenter.web.access import operator, operator_page


@operator_page
def analytics(request):
    form, filters = _filters(request)
    previous = filters.previous()
    with reading(filters.account_id):
        context = {
            "section": "analytics",
            "form": form,
            "filters": filters,
            "previous": previous,
            "query": form.querystring(),
            "summary": presenters.summary(filters),
            "charts": presenters.charts(filters),
            "feedback": presenters.feedback(filters),
            "heat_levels": range(presenters.HEAT_LEVELS + 1),
        }
    return render(request, "analytics/page.html", context)


@operator_page
def chart_csv(request, key: str):
    _form, filters = _filters(request)
    with reading(filters.account_id):
        chart = presenters.chart(filters, key)
    if chart is None:
        raise Http404
    response = HttpResponse(
        export.table_csv(chart.columns, chart.rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_name(key, filters)}"'
    return response


@operator_page
def conversations_csv(request):
    _form, filters = _filters(request)
    response = StreamingHttpResponse(
        export.content(request, filters), content_type="text/csv; charset=utf-8"
    )
    name = _name(_("conversation-metrics"), filters)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _filters(request) -> tuple[AnalyticsFilter, Filters]:
    # Scoped by construction: the form offers and resolves only the caller's account's ids.
    # An operator sees only their own numbers (accounts.permissions.analytics_scope).
    me = operator(request)
    form = AnalyticsFilter(request.GET or None, account=me.account, only=analytics_scope(me))
    return form, form.filters()


def _name(key: str, filters: Filters) -> str:
    return f"{key}-{filters.day_from:%Y%m%d}-{filters.day_to:%Y%m%d}.csv"
