"""HTTP doors of the WhatsApp channel.

- ``GET /channels/whatsapp/<connection public id>/webhook``: Meta's verification handshake
  (``inbound.verify``); ``POST``: Meta's webhooks (``inbound.accept``: signature checked,
  body committed, 200 at once). The URL holds our public id, never a secret.
- Settings › Channels › WhatsApp (administrators): connect a number (phone number ID, WABA
  ID, access token, app secret; with a Test that asks the Graph API for the number), change
  the token or secret, disconnect. Token and secret are write-only: the form never renders
  them. The verify token is ours and shown, for Meta's webhook set-up.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from messagecenter.core.errors import DomainError, ValidationFailed
from messagecenter.team.forms import apply_error
from messagecenter.transports.pages import active_connection
from messagecenter.transports.whatsapp import (
    config,
    inbound,
    reminders,
    sending,
    setup,
    templates,
)
from messagecenter.transports.whatsapp.models import WhatsAppTemplate
from messagecenter.web.access import actor, admin_page
from messagecenter.web.views.actions import back_to, entry
from messagecenter.web.views.conversation import load
from messagecenter.web.views.respond import perform
from messagecenter.widgets.models import ChannelConnection, TransportKind, Widget

_PAGE = {"tab": "channels", "section": "settings"}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, connection_id: str) -> HttpResponse:
    try:
        if request.method == "GET":
            challenge = inbound.verify(connection_id, request.GET)
            return HttpResponse(challenge, content_type="text/plain")
        if int(request.headers.get("Content-Length") or 0) > inbound.MAX_BODY_BYTES:
            return JsonResponse({"error": "too_large"}, status=413)
        inbound.accept(connection_id, request.headers, request.body)
    except DomainError as error:
        return JsonResponse({"error": error.code}, status=error.http_status)
    return JsonResponse({"ok": True})


# --- settings --------------------------------------------------------------------------------


def _secret(label, help_text, *, required: bool = True):
    # render_value=False: a value typed or stored never comes back to the page.
    return forms.CharField(
        label=label,
        required=required,
        max_length=600,
        strip=True,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=help_text,
    )


class WhatsAppForm(forms.Form):
    widget = forms.ChoiceField(label=gettext_lazy("Widget"))
    phone_number_id = forms.CharField(
        label=gettext_lazy("Phone number ID"),
        max_length=30,
        help_text=gettext_lazy("Meta app › WhatsApp › API Setup: the ID of the sending number."),
    )
    waba_id = forms.CharField(
        label=gettext_lazy("WhatsApp Business Account ID"),
        max_length=30,
        help_text=gettext_lazy("Shown beside the phone number ID."),
    )
    access_token = _secret(
        gettext_lazy("Access token"),
        gettext_lazy("A permanent token of a system user with whatsapp_business_messaging."),
    )
    app_secret = _secret(
        gettext_lazy("App secret"),
        gettext_lazy("Meta app › App settings › Basic. It signs every webhook."),
    )

    def __init__(self, *args, account, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        widgets = Widget.objects.for_account(account).order_by("name")
        cast(forms.ChoiceField, self.fields["widget"]).choices = [
            (w.public_id, w.name) for w in widgets
        ]
        self._widgets = {w.public_id: w for w in widgets}
        if editing:  # the number stays; an empty secret keeps the stored one
            for name in ("widget", "phone_number_id", "waba_id"):
                del self.fields[name]
            for name in ("access_token", "app_secret"):
                self.fields[name].required = False
                self.fields[name].help_text = _("Leave empty to keep the saved one.")

    def chosen_widget(self) -> Widget:
        return self._widgets[self.cleaned_data["widget"]]


@admin_page
def connect(request):
    account = request.user.account
    form = WhatsAppForm(
        request.POST or None, account=account, initial={"widget": request.GET.get("widget", "")}
    )
    tested = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "test":
                tested = setup.check(data["phone_number_id"], data["access_token"])
            else:
                connection = setup.connect(
                    form.chosen_widget(),
                    phone_number_id=data["phone_number_id"],
                    waba_id=data["waba_id"],
                    access_token=data["access_token"],
                    app_secret=data["app_secret"],
                    actor=actor(request),
                )
                messages.success(
                    request,
                    _("The WhatsApp channel is connected. Now enter the webhook address and "
                      "verify token below in your Meta app."),
                )  # fmt: skip
                return redirect("settings_whatsapp", public_id=connection.public_id)
        except ValidationFailed as error:
            apply_error(form, error)
    return _render(request, form, tested)


@admin_page
def edit(request, public_id: str):
    connection = _connection(request, public_id)
    form = WhatsAppForm(request.POST or None, account=request.user.account, editing=True)
    tested = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "test":
                token = data["access_token"] or config.token(connection)
                tested = setup.check(config.phone_number_id(connection), token)
            else:
                setup.change_credentials(
                    connection,
                    access_token=data["access_token"],
                    app_secret=data["app_secret"],
                    actor=actor(request),
                )
                messages.success(request, _("The WhatsApp credentials have been changed."))
                return redirect("settings_whatsapp", public_id=connection.public_id)
        except ValidationFailed as error:
            apply_error(form, error)
    return _render(request, form, tested, connection)


def _render(request, form, tested, connection: ChannelConnection | None = None,
            reminder_form=None):  # fmt: skip
    context = {"form": form, "tested": tested, "connection": connection, **_PAGE}
    if connection is not None:
        context |= {
            "number": config.display_number(connection),
            "phone_number_id": config.phone_number_id(connection),
            "waba_id": config.waba_id(connection),
            "webhook_url": config.webhook_url(connection),
            "verify_token": config.verify_token(connection),
            **_templates_context(connection, reminder_form),
        }
    status = 400 if form.errors or (reminder_form is not None and reminder_form.errors) else 200
    return render(request, "whatsapp/settings.html", context, status=status)


@admin_page
@require_POST
def disconnect(request, public_id: str):
    connection = _connection(request, public_id)
    problem = setup.disconnect(connection, actor=actor(request))
    if problem:
        messages.warning(
            request,
            _("The channel is disconnected here, but WhatsApp could not be told: %(reason)s")
            % {"reason": problem},
        )
    else:
        messages.success(request, _("The channel has been disconnected."))
    return redirect("settings_channels")


def _connection(request, public_id: str) -> ChannelConnection:
    return active_connection(request, public_id, TransportKind.WHATSAPP)


# --- message templates and the reminder ----------------------------------------------------------


class ReminderForm(forms.Form):
    template = forms.ChoiceField(label=gettext_lazy("Reminder template"), required=False)
    minutes = forms.IntegerField(
        label=gettext_lazy("Minutes before the window closes"),
        min_value=1,
        max_value=reminders.MAX_MINUTES,
        initial=60,
        help_text=gettext_lazy(
            "Sent once to a conversation that waits for the contact, this long before the "
            "24-hour window closes."
        ),
    )

    def __init__(self, *args, connection, **kwargs):
        super().__init__(*args, **kwargs)
        approved = [t for t in _templates_of(connection) if templates.sendable(t)]
        self._approved = {t.public_id: t for t in approved}
        cast(forms.ChoiceField, self.fields["template"]).choices = [
            ("", _("No reminder")),
            *[(t.public_id, f"{t.name} ({t.language})") for t in approved],
        ]

    def chosen(self):
        return self._approved.get(self.cleaned_data.get("template") or "")


def _templates_of(connection):
    return list(WhatsAppTemplate.objects.filter(connection=connection).order_by("name", "language"))


def _templates_context(connection, reminder_form=None) -> dict:
    options = templates.options(connection)
    found = _templates_of(connection)
    if reminder_form is None:
        chosen = options.reminder_template
        reminder_form = ReminderForm(
            connection=connection,
            initial={"template": chosen.public_id if chosen else "",
                     "minutes": options.reminder_minutes},
        )  # fmt: skip
    return {
        "options": options,
        "templates": [
            {"template": t, "text": templates.render(t, {}),
             "unsendable": templates.unsendable_reason(t) if t.approved else ""}
            for t in found
        ],
        "reminder_form": reminder_form,
    }  # fmt: skip


@admin_page
@require_POST
def sync_templates(request, public_id: str):
    connection = _connection(request, public_id)
    templates.request_sync(connection)
    messages.success(
        request, _("The templates are being read from WhatsApp. Reload the page in a moment.")
    )
    return redirect("settings_whatsapp", public_id=connection.public_id)


@admin_page
@require_POST
def reminder(request, public_id: str):
    connection = _connection(request, public_id)
    form = ReminderForm(request.POST, connection=connection)
    if form.is_valid():
        try:
            reminders.configure(
                connection, form.chosen(), form.cleaned_data["minutes"], actor=actor(request)
            )
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The reminder has been saved."))
            return redirect("settings_whatsapp", public_id=connection.public_id)
    editing = WhatsAppForm(account=request.user.account, editing=True)
    return _render(request, editing, None, connection, reminder_form=form)


# --- the composer: templates in the `!` picker ---------------------------------------------------


@login_required
@require_GET
def conversation_templates(request, conversation_id: str):
    """The approved templates of the conversation's WhatsApp number, each with its variables
    pre-filled from the contact, the contact's fields to fill from, and what it costs."""
    item = load(request, conversation_id)
    if item.connection.kind != TransportKind.WHATSAPP:
        raise Http404
    open_now = sending.window_open(item)
    prefetch_related_objects([item.contact], "identities")
    found = [
        templates.as_data(t, contact=item.contact, window_open=open_now)
        for t in _templates_of(item.connection)
        if templates.sendable(t)
    ]
    return JsonResponse({"window_open": open_now, "templates": found})


@login_required
@require_POST
def send_template(request, conversation_id: str, template_id: str):
    """Send one template (the picker's form): the variables as ``var.<key>`` fields."""
    item = load(request, conversation_id)
    template = _template(item.account, template_id)
    values = {key[4:]: value for key, value in request.POST.items() if key.startswith("var.")}
    return perform(
        request,
        lambda: sending.send_template(item, template, values, actor=actor(request)),
        back=back_to(item),
        payload=entry,
    )


def _template(account, public_id: str) -> WhatsAppTemplate:
    found = WhatsAppTemplate.objects.filter(account=account, public_id=public_id).first()
    if found is None:
        raise Http404
    return found
