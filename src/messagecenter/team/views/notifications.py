"""The Notifications page (R-OP-5): my notifications, newest first, live and paginated."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.notifications.services import mark_read, unread_count
from messagecenter.team import queries
from messagecenter.team.presenters import present
from messagecenter.web.access import operator_page


@operator_page
def notifications(request):
    """The list; with ``?before=<id>`` from htmx, just the next page of rows."""
    page = queries.notification_page(request.user, request.GET.get("before"))
    context: dict[str, object] = {
        "rows": [present(row, page.actor_names) for row in page.rows],
        "next_cursor": page.next_cursor,
        "section": "notifications",
    }
    if request.htmx and request.GET.get("before"):
        return render(request, "team/includes/notification_rows.html", context)
    context["unread"] = unread_count(request.user)
    return render(request, "team/notifications.html", context)


@operator_page
def notification_row(request, public_id: str):
    """One row, for the live list: the page fetches it when ``notification.created`` arrives."""
    row = _mine(request, public_id)
    names = queries.operator_names(request.user.account, [row])
    context = {"row": present(row, names)}
    return render(request, "team/includes/notification_row.html", context)


@operator_page
def notification_open(request, public_id: str):
    """Opening a notification marks it read and goes where it points.

    A GET with a side effect on purpose: the row is a plain link (open in a new tab works),
    and marking one's own notification read is harmless if a third party triggers it.
    """
    row = _mine(request, public_id)
    mark_read(request.user, [row.public_id])
    return redirect(present(row, {}).target_url)


@operator_page
@require_POST
def notifications_read_all(request):
    count = mark_read(request.user)
    if request.htmx:
        return HttpResponse(status=204)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications")


def _mine(request, public_id: str):
    row = queries.notification_for(request.user, public_id)
    if row is None:
        raise Http404
    return row
