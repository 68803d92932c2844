"""The conversation view (R-CONV-1..9): inbox list, timeline and composer, sidebar."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render

from messagecenter.conversations import channel, extras, outgoing_files
from messagecenter.conversations.models import Conversation
from messagecenter.core.scoping import get_scoped
from messagecenter.files import links
from messagecenter.web import csp, reads
from messagecenter.web.views.inbox import current_tab
from messagecenter.web.views.respond import not_found_as_404


def load(request, conversation_id: str):
    return not_found_as_404(lambda: reads.conversation_for(request.user, conversation_id))


@login_required
@csp.allow_style_attributes  # the composer's emoji picker
@csp.allow_remote_images  # a mail's images, when the operator asks for them
def conversation(request, conversation_id: str):
    item = load(request, conversation_id)
    tab = current_tab(request)
    entries, more = reads.timeline_before(item, None)
    context = {
        "section": "inbox",
        "tab": tab,
        "is_mine": item.assigned_operator_id == request.user.pk,
        "files_allowed": outgoing_files.files_allowed(item),
        "file_accept": outgoing_files.accept(item),
        "rows": reads.inbox_rows(request.user, tab),
        **sidebar_context(item),
        "page": {
            "conversation": reads.conversation_state(item),
            "contact": item.contact.public_id,
            "channel": item.connection.kind,
            # What the channel can do: the page offers only that (transports.base.Capabilities).
            "capabilities": channel.capabilities(item).as_data(),
            "can_delete": channel.capabilities(item).can_delete,
            "entries": entries,
            "more": more,
            "sessions": reads.sessions(item),
            "notes": reads.notes(item),
            "directory": reads.directory(request.user),
        },
    }
    return render(request, "web/conversation/page.html", context)


@login_required
def file(request, conversation_id: str, file_id: str):
    """A file one of the conversation's messages carries (``message.files[].url``)."""
    item = not_found_as_404(lambda: get_scoped(Conversation, request.user.account, conversation_id))
    stored = extras.conversation_file(item, file_id)
    if stored is None:
        raise Http404
    # Through a short-lived signed URL, like every download (files.links).
    variant = "thumb" if request.GET.get("thumb") and stored.thumbnail_key else "file"
    if request.GET.get("voice") and stored.voice:
        variant = "voice"  # what the voice player loads (files.voice.playable)
    return redirect(links.download_url(stored, variant=variant))


@login_required
def timeline(request, conversation_id: str):
    """Older entries for infinite scroll (``before``), or one entry again (``seq``)."""
    item = load(request, conversation_id)
    if "seq" in request.GET:
        entry = reads.timeline_entry(item, _number(request.GET["seq"]))
        return JsonResponse({"entries": [entry] if entry else [], "more": False})
    before = request.GET.get("before")
    entries, more = reads.timeline_before(item, _number(before) if before is not None else None)
    return JsonResponse({"entries": entries, "more": more})


@login_required
def details(request, conversation_id: str):
    """The sidebar's conversation details, re-fetched (htmx) when the conversation changes."""
    item = load(request, conversation_id)
    return render(request, "web/conversation/_details.html", sidebar_context(item))


@login_required
def contact_panel(request, conversation_id: str):
    """The sidebar's contact panel and the header's name, re-fetched (htmx) when the contact
    changed anywhere (``contact.changed``: another operator, the API, a command)."""
    item = load(request, conversation_id)
    context = sidebar_context(item) | {"values": reads.contact_values(item.contact), "oob": True}
    return render(request, "web/conversation/_contact_panel.html", context)


def sidebar_context(item) -> dict:
    contact = item.contact
    return {
        "conversation": item,
        "contact": contact,
        "contact_label": reads.contact_label(contact, contact.email),
        "contact_values": reads.contact_values(contact),
        "fields": reads.custom_fields(item.account_id),
        "visits": reads.visits(item.contact),
        "custom_data": item.contact.custom_data,
        "capabilities": channel.capabilities(item),
        "channel_limits": channel.limits(item),
    }


def _number(value: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if number < 0:
        raise Http404
    return number
