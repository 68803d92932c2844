"""The contact profile (R-CONTACT-4): view and edit, block, export, erase, start a chat."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from messagecenter.contacts import gdpr
from messagecenter.contacts import services as contacts
from messagecenter.conversations import services as conversations
from messagecenter.core.errors import DomainError
from messagecenter.core.scoping import get_scoped
from messagecenter.directory import presenters
from messagecenter.directory.forms import (
    NoteForm,
    ProfileForm,
    StartConversationForm,
    show_error,
)
from messagecenter.directory.queries import contact_for
from messagecenter.directory.views import write_email
from messagecenter.web.access import actor, operator, operator_page
from messagecenter.widgets.models import Widget

# Typing the contact's name, or this word, confirms an erasure.
ERASE_WORD = gettext_noop("ERASE")


@operator_page
def contact_profile(request, public_id: str):
    """The profile; a POST saves the edited fields through ``update_contact``."""
    contact = contact_for(operator(request).account, public_id)
    defined = presenters.definitions(contact)
    if request.method != "POST":
        return _render(request, contact, ProfileForm(contact=contact, definitions=defined))
    form = ProfileForm(request.POST, contact=contact, definitions=defined)
    if form.is_valid():
        try:
            contacts.update_contact(contact, actor=actor(request), **form.changes())
        except DomainError as error:
            show_error(form, error, prefix=ProfileForm.CUSTOM)
        else:
            messages.success(request, _("The contact has been saved."))
            return redirect("contact_profile", contact.public_id)
    contact.refresh_from_db()
    return _render(request, contact, form, status=422)


def _render(
    request, contact, form, *, status=200, start_form=None, note_form=None, email_form=None
):
    email = contact.email
    options = presenters.webchat_options(contact, email)
    channels = write_email.email_channels(contact.account_id)
    context = {
        "section": "contacts",
        "contact": contact,
        "form": form,
        "identities": presenters.identities(contact),
        "other_values": presenters.other_custom_values(contact, form.definitions),
        "conversations": presenters.conversations(contact),
        "notes": presenters.notes(contact, request.user),
        "note_form": note_form or NoteForm(),
        "webchat_options": options,
        "start_form": start_form or StartConversationForm(widgets=[o.widget for o in options]),
        "start_open": start_form is not None,
        "erase_word": _(ERASE_WORD),
        # Write e-mail (R-CONTACT-5): with a connected e-mail channel and the contact's address.
        "email_channels": channels,
        "can_write_email": write_email.can_write_email(contact, channels),
        "email_form": email_form or write_email.WriteEmailForm(channels=channels),
        "email_open": email_form is not None,
    }
    return render(request, "directory/profile.html", context, status=status)


def render_profile(request, contact, *, status=422, **forms):
    """The profile again with a form of one of its dialogs or panels showing its errors."""
    defined = presenters.definitions(contact)
    form = ProfileForm(contact=contact, definitions=defined)
    return _render(request, contact, form, status=status, **forms)


@operator_page
@require_POST
def contact_block(request, public_id: str):
    contact = contact_for(operator(request).account, public_id)
    blocked = request.POST.get("blocked") == "yes"
    contacts.set_blocked(contact, blocked, actor=actor(request))
    if blocked:
        text = _("%(name)s is blocked: their messages reach nobody until you unblock them.")
    else:
        text = _("%(name)s is unblocked.")
    messages.success(request, text % {"name": contact})
    return redirect("contact_profile", contact.public_id)


@operator_page
@require_POST
def contact_export(request, public_id: str):
    """Right of access: a ZIP with the contact's data as JSON and their files. A POST, as
    it writes an audit entry."""
    contact = contact_for(operator(request).account, public_id)
    archive = gdpr.export_contact(contact, actor=actor(request))
    response = HttpResponse(archive, content_type="application/zip")
    filename = f"contact-{contact.public_id}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@operator_page
@require_POST
def contact_erase(request, public_id: str):
    """GDPR erasure from the profile, confirmed by typing the contact's name or ERASE."""
    contact = contact_for(operator(request).account, public_id)
    if not _erasure_confirmed(contact, request.POST.get("confirm", "")):
        messages.error(
            request,
            _("Nothing was erased: type the contact's name or %(word)s to confirm.")
            % {"word": _(ERASE_WORD)},
        )
        return redirect("contact_profile", contact.public_id)
    gdpr.request_erasure(contact, actor=actor(request))
    messages.success(
        request,
        _("%(name)s is being erased with all their conversations, messages, notes and files.")
        % {"name": contact},
    )
    return redirect("contact_list")


def _erasure_confirmed(contact, typed: str) -> bool:
    typed = " ".join(typed.split()).casefold()
    words = {ERASE_WORD.casefold(), _(ERASE_WORD).casefold()}
    return bool(typed) and (typed in words or typed == " ".join(contact.name.split()).casefold())


@operator_page
@require_POST
def contact_start(request, public_id: str):
    """Start a webchat from the profile (R-CONTACT-5); the conversation opens afterwards."""
    contact = contact_for(operator(request).account, public_id)
    widgets = list(Widget.objects.filter(account=request.user.account))
    form = StartConversationForm(request.POST, widgets=widgets)
    if form.is_valid():
        try:
            conversation = _start(request, contact, form)
        except DomainError as error:
            show_error(form, error)
        else:
            return redirect("conversation", conversation.public_id)
    return render_profile(request, contact, start_form=form)


def _start(request, contact, form: StartConversationForm):
    account = request.user.account
    widget = get_scoped(Widget, account, form.cleaned_data["widget"])
    return conversations.start_conversation_by_operator(
        contact,
        widget,
        form.cleaned_data["body"],
        actor=actor(request),
        subject=form.cleaned_data["subject"].strip(),
    )
