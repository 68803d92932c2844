"""Internal notes (R-CONV-7): any operator of the account may add one, also on conversations
not assigned to them; the author (or an admin) edits and deletes. ``@name`` mentions notify
the mentioned operators (R-RULES Mentions)."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts.models import Operator
from messagecenter.conversations import timeline
from messagecenter.conversations.events import announce_entry, announce_mentions
from messagecenter.conversations.models import Conversation, EntryKind, Note, TimelineEntry
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from messagecenter.core.rendering import render_markdown
from messagecenter.search import indexing as search_index

MAX_NOTE = 20_000
# "@alice" (e-mail local part or first name) or "@[Alice Admin]" (full name).
_MENTION = re.compile(r"(?<![\w@])@(?:\[([^\]]{1,150})\]|([\w.\-]{2,64}))", re.UNICODE)


def add_note(conversation: Conversation, body: str, *, actor: Actor) -> TimelineEntry:
    author = _require_operator(actor, conversation)
    body = _clean(body)
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        mentioned = find_mentions(conversation.account_id, body, exclude=author)
        entry = timeline.append(conversation, EntryKind.NOTE, actor)
        note = Note.objects.create(
            entry=entry,
            account_id=conversation.account_id,
            conversation=conversation,
            author=author,
            body=body,
            html=render_markdown(body),
            mentions=[op.public_id for op in mentioned],
        )
        search_index.index_note(note)
        timeline.flush(conversation)
        announce_entry(conversation, entry)
        announce_mentions(conversation, entry, [op.public_id for op in mentioned])
    return entry


def edit_note(conversation: Conversation, seq: int, body: str, *, actor: Actor) -> TimelineEntry:
    """Edit a note. A new ``note_edited`` entry records who changed it and when; newly
    mentioned operators are notified."""
    author = _require_operator(actor, conversation)
    body = _clean(body)
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        note = _editable_note(conversation, seq, author)
        before = set(note.mentions)
        mentioned = find_mentions(conversation.account_id, body, exclude=author)
        note.body, note.html = body, render_markdown(body)
        note.mentions = [op.public_id for op in mentioned]
        note.edited_at = clock.now()
        note.save()
        search_index.index_note(note)
        entry = timeline.stage(conversation, EntryKind.NOTE_EDITED, actor, data={"note_seq": seq})
        timeline.stage_audit(actor, conversation, "note.edited", seq=seq)
        timeline.flush(conversation)
        announce_entry(conversation, entry)
        new = [pid for pid in note.mentions if pid not in before]
        announce_mentions(conversation, entry, new)
    return entry


def delete_note(conversation: Conversation, seq: int, *, actor: Actor) -> TimelineEntry:
    """Delete a note: its text is removed for good; the timeline keeps that it existed."""
    author = _require_operator(actor, conversation)
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        note = _editable_note(conversation, seq, author)
        note.body, note.html, note.mentions = "", "", []
        note.deleted_at = clock.now()
        note.save()
        search_index.forget_entry(note.entry_id)
        entry = timeline.stage(conversation, EntryKind.NOTE_DELETED, actor, data={"note_seq": seq})
        timeline.stage_audit(actor, conversation, "note.deleted", seq=seq)
        timeline.flush(conversation)
        announce_entry(conversation, entry)
    return entry


def find_mentions(account_id: int, body: str, *, exclude: Operator | None = None) -> list[Operator]:
    """Operators of the account named by ``@`` tokens. A token matches an e-mail local part
    or a first name; an ambiguous first name (two Annas) mentions nobody rather than both."""
    tokens = [(full or short).strip().lower() for full, short in _MENTION.findall(body)]
    if not tokens:
        return []
    operators = list(Operator.objects.filter(account_id=account_id, is_active=True))
    found: dict[int, Operator] = {}
    for token in tokens:
        for operator in _match(token, operators):
            found[operator.pk] = operator
    if exclude is not None:
        found.pop(exclude.pk, None)
    return sorted(found.values(), key=lambda op: op.pk)


def mention_handle(operator: Operator, operators: list[Operator]) -> str:
    """The token (without ``@``) that ``find_mentions`` resolves to exactly ``operator`` among
    the account's ``operators``: the e-mail local part when it is unique, else the full name
    in brackets. The composer's mention picker inserts it, so a pick always notifies the one
    colleague picked (two Annas, or an "anna@" of another domain, stay apart)."""
    local = operator.email.split("@")[0]
    full = f"[{operator.name}]"
    for token in (local, full):
        if _MENTION.fullmatch(f"@{token}") and _match(_token(token), operators) == [operator]:
            return token
    return full


def _token(handle: str) -> str:
    return handle.strip("[]").strip().lower()


def _match(token: str, operators: list[Operator]) -> list[Operator]:
    by_full = [op for op in operators if op.name.lower() == token]
    if by_full:
        return by_full
    by_local = [op for op in operators if op.email.split("@")[0].lower() == token]
    if by_local:
        return by_local
    by_first = [op for op in operators if op.name.split(" ")[0].lower() == token]
    return by_first if len(by_first) == 1 else []


def _editable_note(conversation: Conversation, seq: int, author: Operator) -> Note:
    note = Note.objects.filter(conversation=conversation, entry__seq=seq).first()
    if note is None:
        raise NotFound(_("There is no note with this number."))
    if note.deleted_at is not None:
        raise InvalidTransition(_("This note has been deleted."))
    if note.author_id != author.pk and not author.is_admin:
        raise PermissionDenied(_("Only the author or an administrator can change this note."))
    return note


def _require_operator(actor: Actor, conversation: Conversation) -> Operator:
    if actor.operator is None:
        raise PermissionDenied(_("Only operators can write notes."))
    if actor.operator.account_id != conversation.account_id:
        raise NotFound(_("Not found."))
    return actor.operator


def _clean(body: str) -> str:
    # PostgreSQL text cannot hold NUL; no person types one.
    body = (body or "").replace("\x00", "").strip()
    if not body:
        raise ValidationFailed(_("A note cannot be empty."), field="body")
    if len(body) > MAX_NOTE:
        raise ValidationFailed(
            _("A note can have at most %(max)d characters.") % {"max": MAX_NOTE}, field="body"
        )
    return body
