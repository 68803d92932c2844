"""Profile notes: add, edit and delete through ``directory.notes``."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.core.errors import ValidationFailed
from messagecenter.directory import notes
from messagecenter.directory.forms import NoteForm, show_error
from messagecenter.directory.queries import contact_for
from messagecenter.directory.views.profile import render_profile
from messagecenter.web.access import actor, operator, operator_page


@operator_page
@require_POST
def note_add(request, public_id: str):
    contact = contact_for(operator(request).account, public_id)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        notes.add_note(contact, form.cleaned_data["body"], actor=actor(request))
    except ValidationFailed as error:
        show_error(form, error)
        return render_profile(request, contact, note_form=form)
    messages.success(request, _("The note has been added."))
    return _back(contact)


@operator_page
@require_POST
def note_edit(request, public_id: str, note_id: int):
    contact = contact_for(operator(request).account, public_id)
    note = notes.note_of(contact, note_id)
    try:
        notes.edit_note(note, request.POST.get("body", ""), actor=actor(request))
    except ValidationFailed as error:
        messages.error(request, str(error.message))
        return _back(contact)
    messages.success(request, _("The note has been saved."))
    return _back(contact)


@operator_page
@require_POST
def note_delete(request, public_id: str, note_id: int):
    contact = contact_for(operator(request).account, public_id)
    notes.delete_note(notes.note_of(contact, note_id), actor=actor(request))
    messages.success(request, _("The note has been deleted."))
    return _back(contact)


def _back(contact):
    return redirect(reverse("contact_profile", args=[contact.public_id]) + "#notes")
