"""Sign-in in one or two steps, and sign-out.

With two-factor authentication on, a correct password does not log the operator in: the
session only remembers who is half-way (``PENDING_KEY``) for a few minutes, and the code
step calls Django's ``login`` once the code is right.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.views.generic import FormView

from messagecenter.accounts import sessions, throttle
from messagecenter.accounts.models import Operator
from messagecenter.core import clock
from messagecenter.web.forms import LoginForm, OperatorCodeForm

PENDING_KEY = "mc_pending_login"
# Long enough to unlock a phone and type a code, short enough that a walked-away-from
# browser does not stay half-signed-in.
PENDING_SECONDS = 300


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        operator = form.get_user()
        if operator.totp_enabled:
            _begin_two_step(self.request, operator, self.get_redirect_url())
            return redirect("login_code")
        _complete_login(self.request, operator)
        return HttpResponseRedirect(self.get_success_url())


class LoginCodeView(FormView):
    template_name = "web/login_code.html"
    form_class = OperatorCodeForm

    operator: Operator

    def dispatch(self, request, *args, **kwargs):
        operator = _pending_operator(request)
        if operator is None:
            messages.info(request, _("Your sign-in has expired. Please start again."))
            return redirect("login")
        self.operator = operator
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "operator": self.operator, "request": self.request}

    def form_valid(self, form):
        pending = self.request.session[PENDING_KEY]
        _complete_login(self.request, self.operator, backend=pending["backend"])
        return HttpResponseRedirect(pending["next"] or resolve_url(settings.LOGIN_REDIRECT_URL))


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        operator = request.user
        response = super().post(request, *args, **kwargs)
        if operator.is_authenticated:
            # The sockets of this browser's session close; the operator's others stay.
            sessions.revoke_live_sessions(operator)
        # Added after logout flushed the session; the message cookie carries it.
        messages.success(request, _("You have been signed out."))
        return response


def _complete_login(request, operator: Operator, backend: str | None = None) -> None:
    throttle.clear_email(operator.email)
    # Also drops an abandoned two-step sign-in of another operator in this browser.
    request.session.pop(PENDING_KEY, None)
    auth_login(request, operator, backend=backend)


def _begin_two_step(request, operator: Operator, next_url: str) -> None:
    # A fresh session key, so a session id planted before the password step is worthless.
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "operator": operator.pk,
        # The backend that checked the password; ``login`` records it in the session.
        "backend": operator.backend,
        "next": next_url,
        "since": clock.now().timestamp(),
    }


def _pending_operator(request) -> Operator | None:
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    if clock.now().timestamp() - pending["since"] > PENDING_SECONDS:
        del request.session[PENDING_KEY]
        return None
    return Operator.objects.filter(pk=pending["operator"], is_active=True).first()
