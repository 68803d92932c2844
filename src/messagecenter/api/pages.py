"""API tokens in the app: personal tokens in My settings (each operator their own),
integration tokens in Settings (administrators, who also see and may revoke every token of
the account). The token service (``accounts.tokens``) decides; these pages only ask it.

A new token's secret is shown once, in the answer to the POST that made it (no redirect, no
session carrying it, not cached), exactly as the custom channels' secrets.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.accounts import tokens
from messagecenter.accounts.models import ApiToken, TokenKind
from messagecenter.api.forms import TokenForm
from messagecenter.core.errors import NotFound, ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.team.forms import apply_error
from messagecenter.web.access import actor, admin_page, operator, operator_page

_PERSONAL = {"section": "personal_settings"}
_INTEGRATION = {"section": "settings", "tab": "api_tokens"}


@operator_page
def personal_tokens(request):
    """My personal tokens: they act as me."""
    me = operator(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = tokens.create_personal_token(
                me, form.cleaned_data["name"], form.cleaned_data["scopes"], actor=actor(request)
            )
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            return _created_page(request, created, "api/personal_tokens.html", _PERSONAL)
    listed = ApiToken.objects.for_account(me.account).filter(operator=me)
    context = {"form": form, "tokens": _rows(listed), **_PERSONAL}
    status = 400 if form.errors else 200
    return render(request, "api/personal_tokens.html", context, status=status)


@admin_page
def integration_tokens(request):
    """The account's tokens: integration tokens made here, and every operator's personal
    token (an administrator may revoke any, e.g. when someone leaves)."""
    account = operator(request).account
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = tokens.create_integration_token(
                account,
                form.cleaned_data["name"],
                form.cleaned_data["scopes"],
                actor=actor(request),
            )
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            return _created_page(request, created, "api/integration_tokens.html", _INTEGRATION)
    listed = ApiToken.objects.for_account(account).select_related("operator")
    context = {
        "form": form,
        "integration": _rows(listed.filter(kind=TokenKind.INTEGRATION)),
        "personal": _rows(listed.filter(kind=TokenKind.PERSONAL)),
        **_INTEGRATION,
    }
    status = 400 if form.errors else 200
    return render(request, "api/integration_tokens.html", context, status=status)


@operator_page
@require_POST
def revoke_token(request, public_id: str):
    """Revoke one token for good; back to the page it was listed on."""
    me = actor(request)
    token = get_scoped(ApiToken, me.account, public_id)
    if not tokens.can_manage(me, token):
        raise NotFound(_("Not found."))  # someone else's token: as if it did not exist
    tokens.revoke(token, actor=me)
    messages.success(
        request, _("“%(name)s” is revoked: requests with it are refused.") % {"name": token.name}
    )
    back_to_settings = request.POST.get("from") == "settings" and operator(request).is_admin
    return redirect("settings_api_tokens" if back_to_settings else "personal_api_tokens")


def _rows(queryset):
    # Live tokens first, newest first; revoked ones stay listed (when, who) but below.
    return list(queryset.order_by("revoked_at", "-created_at", "-id"))


def _created_page(request, created: tokens.NewToken, template: str, page: dict):
    context = {"form": TokenForm(), "created": created, **page}
    if template == "api/integration_tokens.html":
        listed = ApiToken.objects.for_account(created.token.account).select_related("operator")
        context["integration"] = _rows(listed.filter(kind=TokenKind.INTEGRATION))
        context["personal"] = _rows(listed.filter(kind=TokenKind.PERSONAL))
    else:
        context["tokens"] = _rows(ApiToken.objects.filter(operator=created.token.operator))
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response
