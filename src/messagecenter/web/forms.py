"""Forms of the sign-in and security pages."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from messagecenter.accounts import throttle, totp
from messagecenter.accounts.models import Operator
from messagecenter.core.errors import DomainError


def client_address(request) -> str | None:
    # REMOTE_ADDR is the client only if the ASGI server rewrites it from trusted proxy headers
    # (uvicorn --proxy-headers --forwarded-allow-ips); headers are never trusted here.
    return request.META.get("REMOTE_ADDR") if request is not None else None


def throttled(request, email: str, attempt: Callable[[], object]) -> None:
    """Run ``attempt`` unless the e-mail or client is locked out.

    Any exception from ``attempt`` (a ``ValidationError``: wrong password or code) leaves the
    attempt counted as a failure. A locked-out caller is refused before the check, so even the
    right password or code tells them nothing.
    """
    counted = throttle.begin_login(throttle.keys_for(email, client_address(request)))
    if counted is None:
        raise ValidationError(_throttled_message(), code="throttled")
    # Counted before the check, so parallel requests cannot all slip under the limit; a
    # failure simply keeps its count, a success takes it back.
    attempt()
    counted.forgive()


def _throttled_message() -> str:
    minutes = throttle.window_minutes()
    return ngettext(
        "Too many failed sign-in attempts. For your security, please wait %(minutes)d minute "
        "and try again.",
        "Too many failed sign-in attempts. For your security, please wait %(minutes)d minutes "
        "and try again.",
        minutes,
    ) % {"minutes": minutes}


class LoginForm(AuthenticationForm):
    """E-mail and password, throttled per e-mail and per client address."""

    username = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That e-mail and password do not match. Please try again."),
    }

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        throttled(self.request, email, super().clean)
        return self.cleaned_data


class CodeForm(forms.Form):
    """A six-digit code from an authenticator app."""

    code = forms.CharField(
        label=_("Authentication code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "spellcheck": "false",
                "class": "input-code",
            }
        ),
    )

    def clean_code(self) -> str:
        code = totp.normalise_code(self.cleaned_data["code"])
        if not totp.CODE_PATTERN.fullmatch(code):
            raise ValidationError(_("Enter the 6-digit code from your authenticator app."))
        return code


class OperatorCodeForm(CodeForm):
    """A code from the operator's enabled authenticator (or one of their recovery codes): the
    second login step, and the proof asked before switching 2FA off or making new recovery
    codes. Wrong codes count toward the same lock-out as passwords, so neither a
    half-signed-in visitor nor a stolen session can guess their way through.

    ``action`` is the service call the code unlocks (it checks the code itself, once: a code
    is good for one use); its result is kept as ``result``. Without one, the form checks a
    sign-in code.
    """

    def __init__(
        self,
        *args,
        operator: Operator,
        request,
        action: Callable[[str], object] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.operator = operator
        self.request = request
        self.action = action or self._sign_in
        self.result: object = None

    def clean_code(self) -> str:
        # A recovery code stands in for the app (a lost phone); the service tells them apart.
        code = self.cleaned_data["code"]
        if totp.RECOVERY_CODE_PATTERN.fullmatch(totp.normalise_recovery(code)):
            return code
        return super().clean_code()

    def clean(self):
        if "code" in self.cleaned_data:
            throttled(self.request, self.operator.email, self._check)
        return self.cleaned_data

    def _check(self) -> None:
        try:
            self.result = self.action(self.cleaned_data["code"])
        except DomainError as error:
            raise ValidationError(str(error.message)) from None

    def _sign_in(self, code: str) -> None:
        if not totp.check_login_code(self.operator, code):
            raise ValidationError(_("That code is not valid. Check your app and try again."))


class OperatorPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def get_users(self, email):
        # Unlike Django's form, operators without a usable password get a link too: invited
        # operators have none yet, and this link is how they set one.
        matches = Operator.objects.filter(email__iexact=email, is_active=True)
        return [operator for operator in matches if _same_email(operator.email, email)]

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # Write in the recipient's language, not the language of whoever filled in the form.
        with translation.override(context["user"].language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


def _same_email(stored: str, given: str) -> bool:
    # As Django's own form: the database's case-insensitive match can pair look-alike
    # Unicode addresses; only an exact case-folded match gets a link.
    def fold(value: str) -> str:
        return unicodedata.normalize("NFKC", value).casefold()

    return fold(stored) == fold(given)
