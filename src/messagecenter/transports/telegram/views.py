"""HTTP doors of the Telegram channel.

- ``POST /channels/telegram/<connection public id>/webhook``: Telegram's updates
  (``inbound.accept``: secret token checked, update committed, 200 at once). The URL holds our
  public id, never the bot token.
- Settings › Channels › Telegram (administrators): connect a bot by its token (with a Test
  that asks Telegram who the bot is), change the token, disconnect. The token is write-only:
  the form never renders it.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messagecenter.core.errors import DomainError, ValidationFailed
from messagecenter.team.forms import apply_error
from messagecenter.transports.pages import active_connection
from messagecenter.transports.telegram import config, inbound, setup
from messagecenter.web.access import actor, admin_page
from messagecenter.widgets.models import ChannelConnection, TransportKind, Widget

_PAGE = {"tab": "channels", "section": "settings"}


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, connection_id: str) -> HttpResponse:
    if int(request.headers.get("Content-Length") or 0) > inbound.MAX_BODY_BYTES:
        return JsonResponse({"error": "too_large"}, status=413)
    try:
        inbound.accept(connection_id, request.headers, request.body)
    except DomainError as error:
        return JsonResponse({"error": error.code}, status=error.http_status)
    return JsonResponse({"ok": True})


# --- settings --------------------------------------------------------------------------------


class TelegramForm(forms.Form):
    widget = forms.ChoiceField(label=gettext_lazy("Widget"))
    token = forms.CharField(
        label=gettext_lazy("Bot token"),
        max_length=200,
        strip=True,
        # render_value=False: a token typed or stored never comes back to the page.
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=gettext_lazy(
            "From @BotFather in Telegram: /newbot, or /token for an existing bot."
        ),
    )

    def __init__(self, *args, account, widget_fixed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        widgets = Widget.objects.for_account(account).order_by("name")
        cast(forms.ChoiceField, self.fields["widget"]).choices = [
            (w.public_id, w.name) for w in widgets
        ]
        self._widgets = {w.public_id: w for w in widgets}
        if widget_fixed:
            del self.fields["widget"]

    def chosen_widget(self) -> Widget:
        return self._widgets[self.cleaned_data["widget"]]


@admin_page
def connect(request):
    account = request.user.account
    form = TelegramForm(
        request.POST or None, account=account, initial={"widget": request.GET.get("widget", "")}
    )
    tested = None
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        try:
            if request.POST.get("action") == "test":
                tested = setup.check_token(token)
            else:
                setup.connect(form.chosen_widget(), token, actor=actor(request))
                messages.success(request, _("The Telegram channel is connected."))
                return redirect("settings_channels")
        except ValidationFailed as error:
            apply_error(form, error)
    context = {"form": form, "tested": tested, **_PAGE}
    return render(request, "telegram/settings.html", context, status=400 if form.errors else 200)


@admin_page
def edit(request, public_id: str):
    connection = _connection(request, public_id)
    form = TelegramForm(request.POST or None, account=request.user.account, widget_fixed=True)
    tested = None
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        try:
            if request.POST.get("action") == "test":
                tested = setup.check_token(token)
            else:
                setup.change_token(connection, token, actor=actor(request))
                messages.success(request, _("The bot token has been changed."))
                return redirect("settings_telegram", public_id=connection.public_id)
        except ValidationFailed as error:
            apply_error(form, error)
    context = {
        "form": form,
        "tested": tested,
        "connection": connection,
        "username": config.username(connection),
        "bot_link": config.bot_link(connection),
        "webhook_url": config.webhook_url(connection),
        **_PAGE,
    }
    return render(request, "telegram/settings.html", context, status=400 if form.errors else 200)


@admin_page
@require_POST
def disconnect(request, public_id: str):
    connection = _connection(request, public_id)
    problem = setup.disconnect(connection, actor=actor(request))
    if problem:
        messages.warning(
            request,
            _("The channel is disconnected here, but Telegram could not be told: %(reason)s")
            % {"reason": problem},
        )
    else:
        messages.success(request, _("The channel has been disconnected."))
    return redirect("settings_channels")


def _connection(request, public_id: str) -> ChannelConnection:
    return active_connection(request, public_id, TransportKind.TELEGRAM)
