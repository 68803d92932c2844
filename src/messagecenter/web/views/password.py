"""Password reset by e-mail (also how invited operators set their first password) and
password change, on Django's views with our templates."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from messagecenter.accounts import sessions, throttle
from messagecenter.web.forms import OperatorPasswordResetForm, client_address

log = logging.getLogger(__name__)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OperatorPasswordResetForm
    template_name = "web/password_reset_form.html"
    subject_template_name = "web/email/password_reset_subject.txt"
    email_template_name = "web/email/password_reset.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if throttle.begin_password_reset(email, client_address(self.request)) is None:
            # The same answer as a sent mail: no hint which addresses exist or were limited.
            log.info("password reset throttled for a recipient or client address")
            return HttpResponseRedirect(self.get_success_url())
        # Links are built from the configured public URL, never from the request's Host
        # header, so a forged Host cannot send reset tokens to someone else's server.
        self.extra_email_context = {
            "public_url": settings.PUBLIC_URL,
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        # Whoever holds the mailbox is the owner: let them sign in at once after a lock-out.
        throttle.clear_email(form.user.email)
        response = super().form_valid(form)
        # A new password ends every other sign-in, and their open sockets with them.
        sessions.revoke_live_sessions(form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("security")
    extra_context = {"section": "security"}

    def form_valid(self, form):
        response = super().form_valid(form)
        # The other sessions end (their password hash is stale), and their sockets with them.
        # This browser stays signed in under the new key Django gave its session; its sockets
        # held the old key and reconnect with the page this form leads to.
        sessions.revoke_live_sessions(form.user)
        messages.success(self.request, _("Your password has been changed."))
        return response
