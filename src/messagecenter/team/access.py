"""Who may open which team page, and how domain refusals become HTTP answers.

Every page needs a signed-in operator. Account settings are for administrators: a teammate
gets a 403 page that says so; an id from another account is simply not found (404), as
everywhere in the Message Center.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from messagecenter.accounts.models import Operator
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied

View = Callable[..., HttpResponse]


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
        if not signed_in(request).is_admin:
            return forbidden(request)
        return view(request, *args, **kwargs)

    return operator_page(wrapper)


def forbidden(request: HttpRequest, reason: str = "") -> HttpResponse:
    context = {"section": "settings", "reason": reason}
    return render(request, "team/forbidden.html", context, status=403)


def signed_in(request: HttpRequest) -> Operator:
    """The operator of a request that passed ``operator_page`` (so never anonymous)."""
    return cast(Operator, request.user)


def actor(request: HttpRequest) -> Actor:
    return Actor.for_operator(signed_in(request))
