"""All conversations (R-ARCH): the filtered, searchable list, its bulk jobs and CSV export.

Each view parses the request, calls one query or service, and renders. The list works as a
plain page (filters are a GET form, pages are links, bulk actions a POST form); archive.js
makes it live (search while typing, more rows in place, progress, row updates).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from messagecenter.archive import actions, export, jobs, presenters, queries, services
from messagecenter.archive.filters import ArchiveFilter, filter_from_querystring, link
from messagecenter.archive.models import BulkJob
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError, NotFound, ValidationFailed
from messagecenter.core.scoping import get_scoped


def _filters(request, data=None) -> ArchiveFilter:
    return ArchiveFilter(request.GET if data is None else data, account=request.user.account)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_GET
def archive(request):
    form = _filters(request)
    page = queries.page(form, request.GET.get("after", ""))
    rows = presenters.rows(page, presenters.Names.of(form))
    querystring = form.querystring()
    next_url = link(querystring, after=page.next_cursor) if page.next_cursor else ""
    if _wants_json(request):
        html = render_to_string("archive/_rows.html", {"rows": rows}, request=request)
        return JsonResponse({"html": html, "next": next_url, "plan": page.search.plan})
    offered = _offered(request.user)
    context = {
        "section": "archive",
        "form": form,
        "rows": rows,
        "next_url": next_url,
        "is_first_page": not request.GET.get("after"),
        "searching": page.search.active,
        "querystring": querystring,
        "config": presenters.page_config(form, is_admin=request.user.is_admin, offered=offered),
        "actions": offered,
    }
    return render(request, "archive/page.html", context)


@login_required
@require_GET
def archive_count(request):
    """How many conversations match: "select all matching" shows it before anything runs."""
    return JsonResponse({"count": queries.count(_filters(request))})


@login_required
@require_http_methods(["GET", "POST"])
def archive_export(request):
    """CSV of the selected conversations (POST ``ids``) or of all matching the filter (GET
    with the filter's query string, or POST ``filter``)."""
    if request.method == "GET":
        return _export(request, None, request.GET.urlencode())
    return _export(request, request.POST.getlist("ids"), request.POST.get("filter", ""))


def _export(request, ids: list[str] | None, filter_query: str):
    account = request.user.account
    if ids:
        selection = {"ids": ids[: services.MAX_SELECTED_IDS]}
        conversations = jobs.selected_conversations(account, selection)
    else:
        conversations, _found = queries.matching(filter_from_querystring(filter_query, account))
    response = StreamingHttpResponse(
        export.content(request, conversations), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export.filename(clock.now())}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def archive_jobs(request):
    """Start a bulk job on the selected rows or on all matching the filter."""
    action = request.POST.get("action", "")
    scope_all = request.POST.get("scope") == "matching"
    ids = None if scope_all else request.POST.getlist("ids")
    if action == "export":  # not a job: the file streams at once
        if ids is not None and not ids:
            return _refused(request, ValidationFailed(_("Select at least one conversation.")))
        return _export(request, ids, request.POST.get("filter", ""))
    fields = {"topic", "status", "operator", "group"} | actions.params()
    params = {key: request.POST.get(key, "") for key in fields}
    confirmed = request.POST.get("confirm", "")
    try:
        job = services.start_bulk_job(
            request.user.account,
            action,
            params,
            actor=Actor.for_operator(request.user),
            ids=ids,
            filter_query=request.POST.get("filter", "") if scope_all else None,
            confirmed_count=int(confirmed) if confirmed.isdigit() else None,
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return _refused(request, error)
    if _wants_json(request):
        return JsonResponse(_job_payload(job), status=202)
    return HttpResponseRedirect(reverse("archive_job", args=[job.public_id]))


@login_required
@require_GET
def archive_job(request, job_id: str):
    """A job's progress and result (JSON for archive.js; a self-refreshing page without JS)."""
    try:
        job = get_scoped(BulkJob, request.user.account, job_id, created_by=request.user)
    except NotFound:
        raise Http404 from None
    if _wants_json(request):
        return JsonResponse(_job_payload(job))
    return render(request, "archive/job.html", {"section": "archive", "job": _job_payload(job)})


def _refused(request, error: DomainError):
    if error.code == "confirm" and not _wants_json(request):
        # Without JavaScript, deleting asks on a page of its own, naming the count.
        context = {
            "section": "archive",
            "count": error.details.get("count", 0),
            "post": request.POST,
        }
        return render(request, "archive/confirm_delete.html", context, status=409)
    body = {"ok": False, "error": str(error.message), "code": error.code, **error.details}
    if _wants_json(request):
        return JsonResponse(body, status=error.http_status)
    return render(
        request,
        "archive/refused.html",
        {"section": "archive", "error": body},
        status=error.http_status,
    )


def _job_payload(job: BulkJob) -> dict:
    action = actions.ACTIONS.get(job.action)
    return {
        "id": job.public_id,
        "action": job.action,
        "label": str(action.label) if action else job.action,
        "state": job.state,
        "finished": job.finished,
        "total": job.total,
        "processed": job.processed,
        "done": job.done_count,
        "refused": job.refused_count,
        "reasons": [
            {"reason": r, "count": n} for r, n in sorted(job.reasons.items(), key=lambda i: -i[1])
        ],
        "error": job.error,
        "url": reverse("archive_job", args=[job.public_id]),
    }


def _offered(operator) -> list:
    """The actions this operator may start; an action with its own target comes with the
    account's choices (and is left out without any)."""
    offered: list = []
    for action in actions.ACTIONS.values():
        if action.admin_only and not operator.is_admin:
            continue
        if action.choices is None:
            offered.append(action)
        elif choices := action.choices(operator.account):
            target = {"key": action.key, "label": action.label, "param": action.param}
            offered.append(target | {"choices": choices})
    return offered
