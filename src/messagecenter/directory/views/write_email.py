"""Start a conversation by e-mail from the contact profile (R-CONTACT-5): the operator writes a
subject and a message; the conversation starts on the chosen e-mail channel and its first
message goes out as a mail through the delivery rows (``transports/email/transport.py``)."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from messagecenter.conversations import services as conversations
from messagecenter.core.errors import DomainError
from messagecenter.directory.forms import choice_field, show_error
from messagecenter.directory.queries import contact_for
from messagecenter.web.access import actor, operator, operator_page
from messagecenter.widgets.models import ChannelConnection, TransportKind


class WriteEmailForm(forms.Form):
    connection = forms.ChoiceField(label=_("From"))
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, channels, **kwargs):
        # Prefixed: the profile's other dialog has its own subject and message fields.
        super().__init__(*args, prefix="email", **kwargs)
        choice_field(self, "connection").choices = [
            (c.public_id, f"{c.config.get('name') or c.name} <{c.config.get('address', '')}>")
            for c in channels
        ]


def email_channels(account) -> list[ChannelConnection]:
    """The account's connected e-mail channels, the ones a conversation can start on."""
    return list(
        ChannelConnection.objects.filter(account=account, kind=TransportKind.EMAIL, is_active=True)
        .select_related("widget")
        .order_by("name", "pk")
    )


def can_write_email(contact, channels) -> bool:
    return bool(channels) and bool(contact.email)


@operator_page
@require_POST
def contact_write_email(request, public_id: str):
    from messagecenter.directory.views.profile import render_profile

    contact = contact_for(operator(request).account, public_id)
    channels = email_channels(request.user.account)
    form = WriteEmailForm(request.POST, channels=channels)
    if form.is_valid():
        connection = next(c for c in channels if c.public_id == form.cleaned_data["connection"])
        try:
            conversation = conversations.start_conversation_by_operator(
                contact,
                connection.widget,
                form.cleaned_data["body"],
                actor=actor(request),
                connection=connection,
                subject=form.cleaned_data["subject"].strip(),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            return redirect("conversation", conversation.public_id)
    return render_profile(request, contact, email_form=form)
