"""Contact details edited during a conversation (R-CONV-6), through ``update_contact``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from messagecenter.contacts import services as contacts
from messagecenter.core.errors import DomainError, NotFound
from messagecenter.web import reads
from messagecenter.web.access import actor
from messagecenter.web.views.actions import back_to
from messagecenter.web.views.conversation import load


@login_required
@require_POST
def update_contact(request, conversation_id: str):
    item = load(request, conversation_id)
    values = posted_values(request.POST)
    try:
        contacts.update_contact(item.contact, actor=actor(request), **changes(values))
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return _answer(request, item, values, error=str(error.message), status=422)
    item.contact.refresh_from_db()
    return _answer(request, item, reads.contact_values(item.contact), saved=True)


def _answer(request, item, values, *, error="", saved=False, status=200):
    if not request.htmx:
        if error:
            messages.error(request, error)
        return HttpResponseRedirect(back_to(item))
    context = {
        "conversation": item,
        "values": values,
        "fields": reads.custom_fields(item.account_id),
        "error": error,
        "saved": saved,
    }
    return render(request, "web/conversation/_contact_form.html", context, status=status)


def posted_values(post) -> dict:
    return {
        "name": post.get("name", "").strip(),
        "email": post.get("email", "").strip(),
        "phone": post.get("phone", "").strip(),
        "custom": {key[3:]: value.strip() for key, value in post.items() if key.startswith("cf:")},
    }


def changes(values: dict) -> dict:
    """An emptied custom field is removed (the service's rule); the others are validated by
    their account-defined type."""
    return {
        "name": values["name"],
        "email": values["email"],
        "phone": values["phone"],
        "custom_fields": values["custom"],
    }
