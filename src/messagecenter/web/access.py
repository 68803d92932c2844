"""Who may open which page of the operator app, and how domain refusals become HTTP answers.

The one access module of the UI apps (web, team, directory, archive). Every page needs a
signed-in operator. Account settings are for administrators: a teammate gets a 403 page that
says so. A refusal by a domain service (``PermissionDenied``) shows the same page with the
service's reason. An id from another account is simply not found (404), as everywhere in the
Message Center.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from messagecenter.accounts.models import Operator
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied

View = Callable[..., HttpResponse]

# The navigation entry a 403 page keeps current, by the first part of the refused path.
_SECTIONS = {"conversations": "archive", "me": "settings"}


def operator_page(view: View) -> View:
    """A page of the operator app: signed in; ``NotFound`` answers 404, a refusal 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except PermissionDenied as error:
            return forbidden(request, str(error))

    return wrapper


def admin_page(view: View) -> View:
    """An account settings page: administrators only."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not operator(request).is_admin:
            return forbidden(request)
        return view(request, *args, **kwargs)

    return operator_page(wrapper)


def forbidden(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The 403 page: without a reason it says the page is for administrators."""
    first = request.path.strip("/").split("/")[0]
    context = {"section": _SECTIONS.get(first, first), "reason": reason}
    return render(request, "web/forbidden.html", context, status=403)


def operator(request: HttpRequest) -> Operator:
    """The signed-in operator (every view here runs behind ``operator_page``)."""
    user = request.user
    assert isinstance(user, Operator)
    return user


def actor(request: HttpRequest) -> Actor:
    return Actor.for_operator(operator(request))
