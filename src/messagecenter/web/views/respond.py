"""How an action view answers: JSON for the app's scripts, a redirect for a plain form.

Every action view parses its input, calls one domain service through ``perform`` and lets it
answer. A refusal (a ``DomainError``) carries the service's translated message, which the
page shows as it is; a ``NotFound`` (another account's object) is a plain 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse

from messagecenter.core.errors import DomainError, NotFound


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def perform(
    request,
    call: Callable[[], Any],
    *,
    back: str,
    payload: Callable[[Any], dict] | None = None,
    done: str = "",
):
    """Run the service call and answer; ``payload`` turns its result into the JSON body."""
    try:
        result = call()
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return refused(request, error, back=back)
    if wants_json(request):
        return JsonResponse({"ok": True, **(payload(result) if payload else {})})
    if done:
        messages.success(request, done)
    return HttpResponseRedirect(back)


def refused(request, error: DomainError, *, back: str):
    if wants_json(request):
        body = {"ok": False, "error": str(error.message), "code": error.code}
        return JsonResponse(body, status=error.http_status)
    messages.error(request, str(error.message))
    return HttpResponseRedirect(back)


def not_found_as_404(call: Callable[[], Any]) -> Any:
    """Fetch through a scoped helper; another account's id answers 404."""
    try:
        return call()
    except NotFound:
        raise Http404 from None
