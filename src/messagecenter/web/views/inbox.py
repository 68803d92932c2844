"""The inbox (R-INBOX-1): Mine and Unassigned in attention order, kept live by inbox.js."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render

from messagecenter.web import reads


def current_tab(request) -> str:
    tab = request.GET.get("tab", "mine")
    return tab if tab in reads.TABS else "mine"


@login_required
def inbox(request):
    tab = current_tab(request)
    context = {"section": "inbox", "tab": tab, "rows": reads.inbox_rows(request.user, tab)}
    return render(request, "web/inbox/page.html", context)


@login_required
def inbox_rows(request):
    """The tab's rows as JSON, with the shell's counts: the scripts re-read them when a
    conversation joins the list and after a reconnect (events may have been missed)."""
    tab = current_tab(request)
    rows = reads.inbox_rows(request.user, tab)
    shell = reads.shell_state(request.user).as_json()
    return JsonResponse({"tab": tab, "rows": rows, "shell": shell})
