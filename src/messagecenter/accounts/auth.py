"""Authentication backend: operators log in with their e-mail (case-insensitive)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from messagecenter.accounts.models import Operator


class OperatorBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username or kwargs.get("email")
        if not email or not password:
            return None
        try:
            operator = Operator.objects.select_related("account").get(email__iexact=email)
        except Operator.DoesNotExist:
            Operator().set_password(password)  # same work either way: no timing oracle
            return None
        if operator.check_password(password) and self.user_can_authenticate(operator):
            return operator
        return None

    def get_user(self, user_id):
        try:
            # The account's profile (administration app) rides along: every page reads it
            # (logo, two-factor rule), and a join here costs no extra query.
            operator = Operator.objects.select_related(*_WITH_ACCOUNT).get(pk=user_id)
        except Operator.DoesNotExist:
            return None
        return operator if self.user_can_authenticate(operator) else None


_WITH_ACCOUNT = ("account", "account__profile", "account__profile__logo")
