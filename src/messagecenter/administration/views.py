"""Administration pages in Settings (audit log) and Help. Every change goes through a
service of this app; these views parse, call and render."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import render

from messagecenter.accounts.models import Operator
from messagecenter.administration import audit_log, streaming
from messagecenter.administration.forms import AuditFilterForm
from messagecenter.core.errors import ValidationFailed
from messagecenter.web.access import actor, admin_page, operator

_SETTINGS = {"section": "settings"}


def _audit_form(request) -> AuditFilterForm:
    operators = list(Operator.objects.filter(account=request.user.account).order_by("name"))
    return AuditFilterForm(
        request.GET or None, operators=operators, actions=audit_log.actions(actor(request))
    )


@admin_page
def audit(request):
    form = _audit_form(request)
    filters = form.to_filter(operator(request).time_zone)
    try:
        result = audit_log.page(actor(request), filters, request.GET.get("after", ""))
    except ValidationFailed:
        result = audit_log.page(actor(request), filters)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "page": result,
        "rows": [(e, result.actor_names.get(e.actor_id, "")) for e in result.entries],
        "query": query.urlencode(),
        "first_page": not request.GET.get("after"),
        "tab": "audit",
        **_SETTINGS,
    }
    return render(request, "administration/audit.html", context)


@admin_page
def audit_csv(request):
    filters = _audit_form(request).to_filter(operator(request).time_zone)
    rows = audit_log.csv_rows(actor(request), filters)
    answer = StreamingHttpResponse(
        streaming.body(request, rows), content_type="text/csv; charset=utf-8"
    )
    answer["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    answer["Cache-Control"] = "no-store"
    return answer
