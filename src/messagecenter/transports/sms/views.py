"""HTTP doors of the SMS channel.

- ``POST /channels/sms/<connection public id>/inbound``: Twilio's incoming messages, and
  ``…/status``: the status callbacks of what we sent (``inbound.accept``: signature checked,
  request committed, an empty TwiML ``<Response/>`` at once, so Twilio sends no reply of its
  own). The URL holds our public id, never a secret.
- Settings › Channels › SMS (administrators): connect a Twilio account and a sender (with a
  Test that asks Twilio), change the settings, disconnect. Secrets are write-only: the form
  never renders them.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messagecenter.core.errors import DomainError, ValidationFailed
from messagecenter.team.forms import apply_error
from messagecenter.transports.pages import active_connection
from messagecenter.transports.sms import config, inbound, setup
from messagecenter.transports.sms.models import EventKind
from messagecenter.web.access import actor, admin_page
from messagecenter.widgets.models import ChannelConnection, TransportKind, Widget

_PAGE = {"tab": "channels", "section": "settings"}
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@csrf_exempt
@require_POST
def inbound_webhook(request: HttpRequest, connection_id: str) -> HttpResponse:
    return _webhook(request, connection_id, EventKind.MESSAGE)


@csrf_exempt
@require_POST
def status_webhook(request: HttpRequest, connection_id: str) -> HttpResponse:
    return _webhook(request, connection_id, EventKind.STATUS)


def _webhook(request: HttpRequest, connection_id: str, kind: str) -> HttpResponse:
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > inbound.MAX_BODY_BYTES:
        return HttpResponse("too large", status=413, content_type="text/plain")
    try:
        inbound.accept(connection_id, kind, request)
    except DomainError as error:
        return HttpResponse(error.code, status=error.http_status, content_type="text/plain")
    return HttpResponse(TWIML_EMPTY, content_type="text/xml")


# --- settings --------------------------------------------------------------------------------


def _secret(label, help_text, *, required: bool = True):
    return forms.CharField(
        label=label,
        required=required,
        max_length=100,
        strip=True,
        # render_value=False: a secret typed or stored never comes back to the page.
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=help_text,
    )


def _text(label, help_text="", *, required: bool = False, placeholder: str = ""):
    attrs = {"autocomplete": "off", "spellcheck": "false"}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.CharField(label=label, required=required, max_length=64, strip=True,
                           help_text=help_text, widget=forms.TextInput(attrs=attrs))  # fmt: skip


class SmsForm(forms.Form):
    widget = forms.ChoiceField(label=gettext_lazy("Widget"))
    account_sid = _text(gettext_lazy("Account SID"), gettext_lazy("Twilio Console › Account Info."),
                        required=True, placeholder="AC…")  # fmt: skip
    auth_token = _secret(
        gettext_lazy("Auth token"),
        gettext_lazy(
            "Always needed, also with an API key: Twilio signs its webhook requests with the "
            "account's auth token."
        ),
    )
    api_key_sid = _text(
        gettext_lazy("API key SID (optional)"),
        gettext_lazy("For the REST calls instead of the auth token (recommended by Twilio)."),
        placeholder="SK…",
    )
    api_key_secret = _secret(gettext_lazy("API key secret"), "", required=False)
    phone_number = _text(
        gettext_lazy("Phone number"),
        gettext_lazy("Your Twilio number in international form (E.164), e.g. +4930123456."),
        placeholder="+49…",
    )
    messaging_service_sid = _text(
        gettext_lazy("or Messaging Service SID"),
        gettext_lazy("Instead of a number: send through a Messaging Service (its number pool)."),
        placeholder="MG…",
    )
    log_only = forms.BooleanField(
        label=gettext_lazy("Log-only mode (roll-out)"),
        required=False,
        help_text=gettext_lazy(
            "Requests with a missing or wrong signature are logged and still accepted. Only "
            "for the switch-over; anyone who knows the URL could then post messages."
        ),
    )

    def __init__(self, *args, account, connection: ChannelConnection | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        widgets = Widget.objects.for_account(account).order_by("name")
        cast(forms.ChoiceField, self.fields["widget"]).choices = [
            (w.public_id, w.name) for w in widgets
        ]
        self._widgets = {w.public_id: w for w in widgets}
        if connection is not None:
            del self.fields["widget"]
            # Empty: keep the saved secret.
            self.fields["auth_token"].required = False
            self.fields["auth_token"].help_text = _("Leave empty to keep the saved auth token.")
            self.fields["api_key_secret"].help_text = _("Leave empty to keep the saved secret.")

    def chosen_widget(self) -> Widget:
        return self._widgets[self.cleaned_data["widget"]]

    def entered(self) -> setup.SmsSettings:
        data = self.cleaned_data
        return setup.SmsSettings(
            account_sid=data["account_sid"], auth_token=data["auth_token"],
            phone_number=data["phone_number"], messaging_service_sid=data["messaging_service_sid"],
            api_key_sid=data["api_key_sid"], api_key_secret=data["api_key_secret"],
            log_only=bool(data["log_only"]),
        )  # fmt: skip


def _initial(connection: ChannelConnection) -> dict:
    return {
        "account_sid": config.account_sid(connection),
        "api_key_sid": config.api_key_sid(connection),
        "phone_number": config.phone_number(connection),
        "messaging_service_sid": config.messaging_service_sid(connection),
        "log_only": config.log_only(connection),
    }


@admin_page
def connect(request):
    account = request.user.account
    form = SmsForm(
        request.POST or None, account=account, initial={"widget": request.GET.get("widget", "")}
    )
    tested = None
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("action") == "test":
                tested = setup.check(form.entered())
            else:
                setup.connect(form.chosen_widget(), form.entered(), actor=actor(request))
                messages.success(request, _("The SMS channel is connected."))
                return redirect("settings_channels")
        except ValidationFailed as error:
            apply_error(form, error)
    context = {"form": form, "tested": tested, **_PAGE}
    return render(request, "sms/settings.html", context, status=400 if form.errors else 200)


@admin_page
def edit(request, public_id: str):
    connection = _connection(request, public_id)
    form = SmsForm(request.POST or None, account=request.user.account, connection=connection,
                   initial=_initial(connection))  # fmt: skip
    tested = None
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("action") == "test":
                tested = setup.check(setup.stored(connection, form.entered()))
            else:
                setup.change(connection, form.entered(), actor=actor(request))
                messages.success(request, _("The SMS channel has been changed."))
                return redirect("settings_sms", public_id=connection.public_id)
        except ValidationFailed as error:
            apply_error(form, error)
    context = {
        "form": form,
        "tested": tested,
        "connection": connection,
        "sender": config.sender(connection),
        "number_sid": config.number_sid(connection),
        "log_only": config.log_only(connection),
        "inbound_url": config.inbound_url(connection),
        "status_url": config.status_url(connection),
        **_PAGE,
    }
    return render(request, "sms/settings.html", context, status=400 if form.errors else 200)


@admin_page
@require_POST
def disconnect(request, public_id: str):
    connection = _connection(request, public_id)
    problem = setup.disconnect(connection, actor=actor(request))
    if problem:
        messages.warning(
            request,
            _("The channel is disconnected here, but Twilio could not be told: %(reason)s")
            % {"reason": problem},
        )
    elif config.number_sid(connection):
        messages.success(request, _("The channel has been disconnected."))
    else:
        messages.success(
            request,
            _(
                "The channel has been disconnected. Remove our URL from the Messaging Service "
                "in the Twilio Console, too."
            ),
        )
    return redirect("settings_channels")


def _connection(request, public_id: str) -> ChannelConnection:
    return active_connection(request, public_id, TransportKind.SMS)
