"""Internal notes (R-CONV-7): any operator adds; the author or an admin edits and deletes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST

from messagecenter.conversations import notes
from messagecenter.web.views.actions import act, entry


@login_required
@require_POST
def add(request, conversation_id: str):
    body = request.POST.get("body", "")
    return act(
        request, conversation_id, lambda c, a: notes.add_note(c, body, actor=a), payload=entry
    )


@login_required
@require_POST
def edit(request, conversation_id: str, seq: int):
    body = request.POST.get("body", "")
    return act(
        request,
        conversation_id,
        lambda c, a: notes.edit_note(c, seq, body, actor=a),
        payload=entry,
    )


@login_required
@require_POST
def delete(request, conversation_id: str, seq: int):
    return act(
        request, conversation_id, lambda c, a: notes.delete_note(c, seq, actor=a), payload=entry
    )
