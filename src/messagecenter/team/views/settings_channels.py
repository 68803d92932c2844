"""Settings › Channels: each widget's channels (its website messenger, e-mail…), connecting an
e-mail channel, testing its servers, editing and disconnecting it.

The page parses and renders; ``transports.email.setup`` writes. Passwords and the webhook
secret are write-only: the form never renders them, an empty password keeps the stored one,
and a new webhook secret is shown in the one response that made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messagecenter.core.errors import DomainError, ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.team.forms import apply_error
from messagecenter.transports.email import setup
from messagecenter.web.access import actor, admin_page
from messagecenter.widgets.models import ChannelConnection, TransportKind, Widget


@dataclass(frozen=True)
class ChannelKind:
    """One entry of "Add a channel": its kind, label, icon and the page that connects it."""

    kind: str
    label: Any  # a lazy translation
    url_name: str
    icon: str = "team/icons/message.svg"


# "Add a channel" offers these, in this order; a new channel kind adds one line.
ADD_KINDS: list[ChannelKind] = [
    ChannelKind(
        "email", gettext_lazy("E-mail"), "settings_channel_email_new", "team/icons/mail.svg"
    ),
    ChannelKind(
        "custom",
        gettext_lazy("Custom channel"),
        "settings_custom_channel_new",
        "team/icons/code.svg",
    ),
    ChannelKind("telegram", gettext_lazy("Telegram"), "settings_telegram_new", "telegram/icon.svg"),
    ChannelKind("sms", gettext_lazy("SMS"), "settings_sms_new", "sms/icon.svg"),
    ChannelKind("whatsapp", gettext_lazy("WhatsApp"), "settings_whatsapp_new", "whatsapp/icon.svg"),
]

SECURITY_CHOICES = [
    ("ssl", gettext_lazy("SSL/TLS")),
    ("starttls", gettext_lazy("STARTTLS")),
    ("none", gettext_lazy("None (unencrypted)")),
]
INBOUND_CHOICES = [
    ("imap", gettext_lazy("We fetch it from an IMAP mailbox")),
    ("webhook", gettext_lazy("Your mail provider posts it to us (inbound webhook)")),
]


def _password(label):
    # render_value=False: a stored password never reaches the page, not even masked.
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Leave empty to keep the saved password."),
    )


def _port():
    attrs = {"min": 1, "max": 65535, "inputmode": "numeric"}
    return forms.IntegerField(
        label=gettext_lazy("Port"),
        required=False,
        widget=forms.NumberInput(attrs=attrs),
        help_text=gettext_lazy("Empty: the usual port of the security."),
    )


class EmailChannelForm(forms.Form):
    widget = forms.ChoiceField(label=gettext_lazy("Widget"))
    address = forms.EmailField(label=gettext_lazy("E-mail address"))
    name = forms.CharField(
        label=gettext_lazy("Sender name"),
        required=False,
        max_length=100,
        help_text=gettext_lazy('Replies come from "<operator> via <sender name>".'),
    )
    inbound = forms.ChoiceField(
        label=gettext_lazy("Incoming mail"), choices=INBOUND_CHOICES, widget=forms.RadioSelect
    )
    imap_host = forms.CharField(label=gettext_lazy("IMAP server"), required=False)
    imap_security = forms.ChoiceField(label=gettext_lazy("Security"), choices=SECURITY_CHOICES)
    imap_port = _port()
    imap_username = forms.CharField(label=gettext_lazy("User name"), required=False)
    imap_password = _password(gettext_lazy("Password"))
    imap_folder = forms.CharField(label=gettext_lazy("Folder"), required=False)
    smtp_host = forms.CharField(label=gettext_lazy("SMTP server"))
    smtp_security = forms.ChoiceField(label=gettext_lazy("Security"), choices=SECURITY_CHOICES)
    smtp_port = _port()
    smtp_username = forms.CharField(label=gettext_lazy("User name"), required=False)
    smtp_password = _password(gettext_lazy("Password"))

    ERROR_FIELDS = {"from": "address"}

    def __init__(self, *args, account, widget_fixed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        widgets = Widget.objects.for_account(account).order_by("name")
        cast(forms.ChoiceField, self.fields["widget"]).choices = [
            (w.public_id, w.name) for w in widgets
        ]
        self._widgets = {w.public_id: w for w in widgets}
        if widget_fixed:
            del self.fields["widget"]
        # The IMAP fields group per server: prefixed ids keep the labels unique for a reader.
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-field", name)

    def chosen_widget(self) -> Widget:
        return self._widgets[self.cleaned_data["widget"]]

    def to_settings(self) -> setup.EmailSettings:
        data = self.cleaned_data
        return setup.EmailSettings(
            address=data["address"],
            name=data["name"],
            inbound=data["inbound"],
            imap_host=data["imap_host"],
            imap_port=data["imap_port"],
            imap_security=data["imap_security"],
            imap_username=data["imap_username"],
            imap_password=data["imap_password"],
            imap_folder=data["imap_folder"] or "INBOX",
            smtp_host=data["smtp_host"],
            smtp_port=data["smtp_port"],
            smtp_security=data["smtp_security"],
            smtp_username=data["smtp_username"],
            smtp_password=data["smtp_password"],
        )


# --- pages ---------------------------------------------------------------------------------------


@admin_page
def channel_list(request):
    account = request.user.account
    widgets = list(Widget.objects.for_account(account).order_by("name"))
    # With each e-mail channel's mailbox (its reading state and last error), in one query.
    connections = (
        ChannelConnection.objects.for_account(account)
        .select_related("mailbox")
        .order_by("-is_active", "kind", "created_at")
    )
    by_widget: dict[int, list[ChannelConnection]] = {w.pk: [] for w in widgets}
    for connection in connections:
        by_widget.setdefault(connection.widget_id, []).append(connection)
    context = {
        "widgets": [(w, by_widget[w.pk]) for w in widgets],
        "add_kinds": ADD_KINDS,
        "tab": "channels",
        "section": "settings",
    }
    return render(request, "team/settings/channels.html", context)


@admin_page
def email_new(request):
    account = request.user.account
    initial = setup.EmailSettings(address="").as_initial() | {
        "widget": request.GET.get("widget", "")
    }
    form = EmailChannelForm(request.POST or None, account=account, initial=initial)
    tests: dict | None = None
    if request.method == "POST" and form.is_valid():
        data = form.to_settings()
        tests = _test(form, data)
        if request.POST.get("action") != "test" and tests is not None and not _failed(tests):
            connected = _write(
                form, lambda: setup.connect_email(form.chosen_widget(), data, actor=actor(request))
            )
            if connected is not None:
                return _after_save(request, connected, _("The e-mail channel is connected."))
    context = {"form": form, "tests": tests, "tab": "channels", "section": "settings"}
    status = 400 if form.errors else 200
    return render(request, "team/settings/channel_email.html", context, status=status)


@admin_page
def email_edit(request, public_id: str):
    account = request.user.account
    connection = _email_connection(account, public_id)
    initial = setup.EmailSettings.of(connection).as_initial()
    form = EmailChannelForm(
        request.POST or None, account=account, initial=initial, widget_fixed=True
    )
    tests: dict | None = None
    if request.method == "POST" and form.is_valid():
        data = form.to_settings()
        tests = _test(form, data, connection)
        if request.POST.get("action") != "test" and tests is not None and not _failed(tests):
            connected = _write(
                form, lambda: setup.update_email(connection, data, actor=actor(request))
            )
            if connected is not None:
                return _after_save(request, connected, _("The e-mail channel has been saved."))
    context = {
        "form": form,
        "tests": tests,
        "connection": connection,
        "inbound_url": inbound_url(connection),
        "tab": "channels",
        "section": "settings",
    }
    status = 400 if form.errors else 200
    return render(request, "team/settings/channel_email.html", context, status=status)


@admin_page
def email_secret(request, public_id: str):
    """A new inbound webhook secret, shown in this one response."""
    connection = _email_connection(request.user.account, public_id)
    if request.method != "POST":
        return redirect("settings_channel", public_id=public_id)
    secret = setup.new_webhook_secret(connection, actor=actor(request))
    return _secret_page(request, connection, secret, _("A new secret has been made."))


@admin_page
def channel_disconnect(request, public_id: str):
    connection = get_scoped(
        ChannelConnection.objects.select_related("widget"), request.user.account, public_id
    )
    if request.method == "POST":
        try:
            setup.disconnect(connection, actor=actor(request))
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The channel has been disconnected."))
    return redirect("settings_channels")


def inbound_url(connection: ChannelConnection) -> str:
    """Where the mail provider posts raw mail (the e-mail webhook, ``transports/email/urls.py``)."""
    return f"{settings.PUBLIC_URL}/channels/email/{connection.public_id}/inbound"


# --- helpers -------------------------------------------------------------------------------------


def _email_connection(account, public_id: str) -> ChannelConnection:
    connection = get_scoped(ChannelConnection.objects.select_related("widget"), account, public_id)
    if connection.kind != TransportKind.EMAIL or not connection.is_active:
        raise Http404
    return connection


def _test(form, data, connection=None) -> dict | None:
    """The servers' answers, or None (with the reason on the form) when the settings are
    incomplete."""
    try:
        return setup.test_connection(data, connection)
    except ValidationFailed as error:
        apply_error(form, error, EmailChannelForm.ERROR_FIELDS)
        return None


def _failed(tests: dict) -> bool:
    return any(reason is not None for reason in tests.values())


def _write(form, write):
    try:
        return write()
    except ValidationFailed as error:
        apply_error(form, error, EmailChannelForm.ERROR_FIELDS)
        return None


def _after_save(request, connected: setup.Connected, message: str):
    if connected.new_webhook_secret:
        return _secret_page(request, connected.connection, connected.new_webhook_secret, message)
    messages.success(request, message)
    return redirect(reverse("settings_channels"))


def _secret_page(request, connection, secret: str, message: str):
    context = {
        "connection": connection,
        "secret": secret,
        "message": message,
        "inbound_url": inbound_url(connection),
        "tab": "channels",
        "section": "settings",
    }
    response = render(request, "team/settings/channel_secret.html", context)
    response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response
