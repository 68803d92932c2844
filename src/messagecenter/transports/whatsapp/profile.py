"""Starting a WhatsApp conversation from the contact profile (R-CONTACT-5).

The profile's "WhatsApp" button opens a dialog that says first whether the team may write
first: WhatsApp needs the contact's WhatsApp number (or id) and their recorded opt-in
(``contacts.consent``, channel ``whatsapp``, with where and when it was given). Without a
consent the dialog explains why and records one (an operator's record: source, time, note;
audited). With it, the operator picks an approved template of a connected number, fills its
variables (pre-filled from the contact, previewed live, the cost named) and sends: the new
conversation starts with that template (``sending.send_template`` with the contact) and
opens.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from messagecenter.contacts import consent
from messagecenter.contacts.models import ConsentChannel
from messagecenter.core import clock
from messagecenter.core.errors import DomainError
from messagecenter.directory.queries import contact_for
from messagecenter.transports.whatsapp import config, sending, templates
from messagecenter.transports.whatsapp.models import WhatsAppTemplate
from messagecenter.web.access import actor, operator, operator_page
from messagecenter.widgets.models import ChannelConnection, TransportKind

SOURCES = [
    ("website_form", gettext_lazy("Website form or checkbox")),
    ("in_person", gettext_lazy("In person or on paper")),
    ("phone_call", gettext_lazy("Phone call")),
    ("email", gettext_lazy("E-mail")),
    ("whatsapp", gettext_lazy("A WhatsApp message of the contact")),
    ("other", gettext_lazy("Other (say where in the note)")),
]
OPEN_PARAM = "whatsapp"


class ConsentForm(forms.Form):
    source = forms.ChoiceField(label=gettext_lazy("Where the contact agreed"), choices=SOURCES)
    at = forms.DateTimeField(
        label=gettext_lazy("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(label=gettext_lazy("Note (optional)"), required=False, max_length=300)

    prefix = "wa"

    def clean_at(self) -> datetime:
        value = self.cleaned_data["at"]
        if value > clock.now():
            raise forms.ValidationError(_("A consent cannot be given in the future."))
        return value

    def clean(self):
        data = super().clean() or {}
        if data.get("source") == "other" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say where the contact agreed."))
        return data


def channels(contact) -> list[ChannelConnection]:
    """The account's connected WhatsApp numbers: read once per page (the button, the dialog
    and the start dialog's reason all ask), kept on the contact instance."""
    cached = contact.__dict__.get("_whatsapp_channels")
    if cached is None:
        cached = list(
            ChannelConnection.objects.filter(
                account_id=contact.account_id, kind=TransportKind.WHATSAPP, is_active=True
            )
            .select_related("widget")
            .order_by("pk")
        )
        contact.__dict__["_whatsapp_channels"] = cached
    return cached


def dialog_context(request, contact, consent_form: ConsentForm | None = None) -> dict:
    connected = channels(contact)
    if not connected:  # no dialog: nothing more to read
        return {"channels": []}
    allowed, reason = sending.may_start(contact)
    decision = consent.current(contact, ConsentChannel.WHATSAPP)
    choices = []
    if allowed:
        for connection in connected:
            for template in WhatsAppTemplate.objects.filter(connection=connection):
                if templates.sendable(template):
                    data = templates.as_data(template, contact=contact, window_open=False)
                    data["channel"] = config.display_number(connection)
                    choices.append(data)
    now = timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M")
    return {
        "contact": contact,
        "channels": connected,
        "allowed": allowed,
        "reason": reason,
        "needs_consent": bool(sending.whatsapp_address(contact)) and not allowed,
        "decision": decision,
        "decision_source": dict(SOURCES).get(decision.source, decision.source) if decision else "",
        "consent_form": consent_form or ConsentForm(initial={"at": now, "source": "website_form"}),
        "choices": choices,
        "open": consent_form is not None or request.GET.get(OPEN_PARAM) == "1",
        "start_url": reverse("whatsapp_channel:contact_start", args=[contact.public_id]),
        "consent_url": reverse("whatsapp_channel:contact_consent", args=[contact.public_id]),
    }


def _back(contact) -> str:
    return reverse("contact_profile", args=[contact.public_id]) + f"?{OPEN_PARAM}=1"


@operator_page
@require_POST
def record_consent(request, public_id: str):
    """The operator records the contact's WhatsApp opt-in (source and time)."""
    contact = contact_for(operator(request).account, public_id)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            said = " ".join(str(e) for e in errors)
            messages.error(request, f"{label}: {said}" if label else said)
        return redirect(_back(contact))
    data = form.cleaned_data
    consent.record(contact, ConsentChannel.WHATSAPP, granted=True, source=data["source"],
                   note=data["note"], at=data["at"], actor=actor(request))  # fmt: skip
    messages.success(request, _("The WhatsApp consent has been recorded."))
    return redirect(_back(contact))


@operator_page
@require_POST
def start(request, public_id: str):
    """Start the conversation with the chosen template; it opens afterwards."""
    contact = contact_for(operator(request).account, public_id)
    template = WhatsAppTemplate.objects.filter(
        account=request.user.account, public_id=request.POST.get("template", "")
    ).first()
    if template is None:
        messages.error(request, _("Choose a template."))
        return redirect(_back(contact))
    values = {key[4:]: value for key, value in request.POST.items() if key.startswith("var.")}
    try:
        entry = sending.send_template(contact, template, values, actor=actor(request))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(_back(contact))
    return redirect("conversation", entry.conversation.public_id)
