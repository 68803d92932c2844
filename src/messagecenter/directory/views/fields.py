"""Settings › Contact fields (admin only): the account's custom contact fields."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.contacts import fields
from messagecenter.contacts.models import CustomField
from messagecenter.core.errors import DomainError, NotFound
from messagecenter.directory.forms import CustomFieldForm, show_error
from messagecenter.web.access import actor, admin_page


@admin_page
def field_list(request):
    """The defined fields; a POST defines a new one."""
    form = CustomFieldForm(request.POST or None, initial={"type": "text"})
    if request.method == "POST" and form.is_valid():
        try:
            field = _define(request, form)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(
                request, _("The field “%(label)s” has been added.") % {"label": field.label}
            )
            return redirect("contact_fields")
    context = {
        "section": "settings",
        "tab": "contact_fields",
        "form": form,
        "fields": CustomField.objects.for_account(request.user.account),
    }
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "directory/fields.html", context, status=status)


def _define(request, form: CustomFieldForm) -> CustomField:
    data = form.cleaned_data
    return fields.define_field(
        request.user.account,
        actor=actor(request),
        key=data["key"].strip(),
        label=data["label"],
        type=data["type"],
        options=form.option_list(),
    )


@admin_page
@require_POST
def field_delete(request, key: str):
    field = CustomField.objects.for_account(request.user.account).filter(key=key).first()
    if field is None:
        raise NotFound(_("Not found."))
    fields.delete_field(field, actor=actor(request))
    messages.success(request, _("The field “%(label)s” has been deleted.") % {"label": field.label})
    return redirect("contact_fields")
