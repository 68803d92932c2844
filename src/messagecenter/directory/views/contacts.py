"""The contact list (R-CONTACT-1): search, filters, keyset pages, add one, erase many."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from messagecenter.contacts import gdpr
from messagecenter.contacts import services as contacts
from messagecenter.core.errors import DomainError
from messagecenter.directory import queries
from messagecenter.directory.forms import AddContactForm, ContactFilterForm, show_error
from messagecenter.web.access import actor, operator_page


@operator_page
def contact_list(request):
    """The list page; an htmx request for the next page gets just its rows."""
    if request.htmx and request.GET.get("after"):
        return _rows(request)
    return _page(request, AddContactForm())


def _rows(request):
    filters = ContactFilterForm(request.GET)
    page = queries.contact_page(request.user.account, filters.filters(), request.GET["after"])
    context = {"page": page, "more_url": _more_url(request, page)}
    return render(request, "directory/_next_page.html", context)


def _page(request, add_form: AddContactForm, *, status: int = 200):
    filters = ContactFilterForm(request.GET)
    cursor = request.GET.get("after", "")
    page = queries.contact_page(request.user.account, filters.filters(), cursor)
    context = {
        "section": "contacts",
        "filters": filters,
        "page": page,
        "more_url": _more_url(request, page),
        "add_form": add_form,
        "searching": bool(filters.filters().get("q")) or filters.refined() > 0,
        "first_url": _first_url(request) if cursor else "",
    }
    return render(request, "directory/list.html", context, status=status)


def _first_url(request) -> str:
    query = request.GET.copy()
    query.pop("after", None)
    return f"{reverse('contact_list')}?{query.urlencode()}"


def _more_url(request, page: queries.ContactPage) -> str:
    if not page.next_cursor:
        return ""
    query = request.GET.copy()
    query["after"] = page.next_cursor
    return f"{reverse('contact_list')}?{query.urlencode()}"


@operator_page
@require_POST
def contact_add(request):
    """Add one contact. Refusals (e-mail syntax, phone, an identifier in use) are shown on
    their field in the dialog; htmx swaps just the form."""
    form = AddContactForm(request.POST)
    if form.is_valid():
        try:
            contact = contacts.create_contact(
                request.user.account, actor=actor(request), **_stripped(form)
            )
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": contact})
            target = reverse("contact_profile", args=[contact.public_id])
            return _go(request, target)
    if request.htmx:
        return render(request, "directory/_add_form.html", {"add_form": form}, status=422)
    return _page(request, form, status=422)


def _stripped(form: AddContactForm) -> dict:
    return {name: value.strip() for name, value in form.cleaned_data.items() if value.strip()}


def _go(request, url: str):
    if request.htmx:
        response = render(request, "directory/_empty.html")
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@operator_page
@require_POST
def contact_erase_many(request):
    """GDPR erasure of the ticked contacts (R-CONTACT-6). Without the confirmation (a browser
    without scripts), the answer is a page that names the count and asks again."""
    chosen = queries.selected(request.user.account, request.POST.getlist("contact"))
    if not chosen:
        messages.error(request, _("Select the contacts to erase first."))
        return redirect("contact_list")
    if request.POST.get("confirmed") != "yes":
        context = {"section": "contacts", "chosen": chosen}
        return render(request, "directory/erase_many.html", context)
    me = actor(request)
    for contact in chosen:
        gdpr.request_erasure(contact, actor=me)
    messages.success(
        request,
        ngettext(
            "%(n)d contact is being erased with all their data.",
            "%(n)d contacts are being erased with all their data.",
            len(chosen),
        )
        % {"n": len(chosen)},
    )
    return redirect("contact_list")
