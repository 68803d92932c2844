"""The operator's security settings: password and two-factor authentication."""

from __future__ import annotations

from collections.abc import Callable

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.accounts import totp
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError
from messagecenter.web.forms import CodeForm, OperatorCodeForm

# The secret being set up lives in the session until a code confirms it (see accounts.totp).
SETUP_SECRET_KEY = "mc_totp_setup_secret"


@login_required
def security(request):
    return _render_security(request)


@login_required
@require_POST
def totp_disable(request):
    operator = request.user
    actor = Actor.for_operator(operator)
    form = OperatorCodeForm(
        request.POST,
        operator=operator,
        request=request,
        action=lambda code: totp.disable(operator, code=code, actor=actor),
    )
    if not form.is_valid():
        return _render_security(request, disable_form=form, status=400)
    messages.success(request, _("Two-factor authentication is now off."))
    return redirect("security")


@login_required
@require_POST
def recovery_codes(request):
    """New recovery codes for a current code; shown once, on the page this answers with."""
    operator = request.user
    actor = Actor.for_operator(operator)
    form = OperatorCodeForm(
        request.POST,
        operator=operator,
        request=request,
        auto_id="id_regenerate_%s",
        action=lambda code: totp.regenerate_recovery_codes(operator, code=code, actor=actor),
    )
    if not operator.totp_enabled:
        return redirect("security")
    if not form.is_valid():
        return _render_security(request, regenerate_form=form, status=400)
    return _render_recovery_codes(request, form.result)


@login_required
def totp_setup(request):
    operator = request.user
    if operator.totp_enabled:
        return redirect("security")
    secret = request.session.setdefault(SETUP_SECRET_KEY, totp.new_secret())
    form = CodeForm(request.POST or None)
    actor = Actor.for_operator(operator)
    codes: list[str] = []
    if form.is_valid() and _apply(
        form,
        lambda code: codes.extend(totp.enable(operator, secret=secret, code=code, actor=actor)),
    ):
        del request.session[SETUP_SECRET_KEY]
        messages.success(request, _("Two-factor authentication is now on."))
        return _render_recovery_codes(request, codes)
    context = {
        "form": form,
        "qr_svg": _qr_svg(operator, secret),
        "secret": _grouped(secret),
        "section": "security",
    }
    return render(request, "web/totp_setup.html", context, status=400 if form.errors else 200)


def _apply(form: CodeForm, service_call: Callable[[str], object]) -> bool:
    """Call the service with the form's code; show a refusal as the code field's error."""
    try:
        service_call(form.cleaned_data["code"])
    except DomainError as error:
        form.add_error("code", str(error))
        return False
    return True


def _render_security(request, *, disable_form=None, regenerate_form=None, status=200):
    operator = request.user
    if operator.totp_enabled:
        disable_form = disable_form or _unfocused(
            OperatorCodeForm(operator=operator, request=request)
        )
        regenerate_form = regenerate_form or _unfocused(
            OperatorCodeForm(operator=operator, request=request, auto_id="id_regenerate_%s")
        )
    context = {
        "disable_form": disable_form,
        "regenerate_form": regenerate_form,
        "recovery_codes_left": totp.recovery_codes_left(operator),
        "section": "security",
    }
    return render(request, "web/security.html", context, status=status)


def _render_recovery_codes(request, codes: list[str]):
    # Never cached: the codes exist in clear only in this one answer.
    response = render(request, "web/recovery_codes.html", {"codes": codes, "section": "security"})
    add_never_cache_headers(response)
    return response


def _unfocused(form):
    # A settings page must not pull focus into a field; only a re-shown error does.
    form.fields["code"].widget.attrs.pop("autofocus", None)
    return form


def _qr_svg(operator, secret: str) -> str:
    qr = segno.make(totp.provisioning_uri(operator, secret), error="m")
    # A white quiet zone whatever the page colour: scanners need the contrast. omitsize
    # writes a viewBox instead of a fixed size, so CSS can scale the code without cropping.
    svg = qr.svg_inline(
        omitsize=True,
        border=3,
        dark="#1a2230",
        light="#ffffff",
        title=_("QR code for your authenticator app"),
    )
    # segno escapes the title and the rest is its own markup: safe to inline.
    return mark_safe(svg)  # noqa: S308


def _grouped(secret: str) -> str:
    # Groups of four are easier to type into an app by hand.
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
