"""Who may open a contacts page, and how domain refusals become HTTP answers.

Every page needs a signed-in operator of the account. Contacts belong to the whole team, so
teammates and administrators see the same pages; only the custom field settings are for
administrators. An id from another account is simply not found (404), as everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from messagecenter.accounts.models import Operator
from messagecenter.contacts.models import Contact
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied
from messagecenter.core.scoping import get_scoped

View = Callable[..., HttpResponse]


def operator_page(view: View) -> View:
    """Signed in; ``NotFound`` answers 404 and a ``PermissionDenied`` the 403 page."""

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
            return forbidden(request, _("Only an administrator can do this."))
        return view(request, *args, **kwargs)

    return operator_page(wrapper)


def forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    context = {"section": "contacts", "reason": reason}
    return render(request, "directory/forbidden.html", context, status=403)


def operator(request: HttpRequest) -> Operator:
    """The signed-in operator (every view here runs behind ``operator_page``)."""
    user = request.user
    assert isinstance(user, Operator)
    return user


def actor(request: HttpRequest) -> Actor:
    return Actor.for_operator(operator(request))


def contact_for(request: HttpRequest, public_id: str, queryset=None) -> Contact:
    """The caller's account's contact, or ``NotFound`` (another account's id included)."""
    source = queryset if queryset is not None else Contact.objects.all()
    return get_scoped(source, operator(request).account, public_id)
