"""How a translated message looks: to operators (every language it was translated into, its
state, the original) and to the contact (the messenger marks a machine-translated reply and
shows its original on demand)."""

from __future__ import annotations

from typing import Any

from messagecenter.conversations.models import AuthorKind, Message
from messagecenter.core.rendering import render_markdown, render_plain
from messagecenter.translation.models import Direction, MessageTranslation, State


def operator_extras(messages: list[Message]) -> dict[int, dict[str, Any]]:
    """``translation`` per message, one query for the page."""
    rows = MessageTranslation.objects.filter(message__in=[m.pk for m in messages]).order_by("pk")
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        found.setdefault(row.message_id, {"translation": _start(row)})
        _add(found[row.message_id]["translation"], row)
    return found


def _start(row: MessageTranslation) -> dict[str, Any]:
    if row.direction == Direction.OUTBOUND:
        return {
            "direction": "out",
            "source": row.source_language,
            "target": row.target_language,
            "original": row.original,
            "original_html": render_markdown(row.original),
        }
    return {"direction": "in", "source": row.source_language, "items": {}}


def _add(translation: dict[str, Any], row: MessageTranslation) -> None:
    if row.direction != Direction.INBOUND:
        return
    translation["source"] = translation["source"] or row.source_language
    translation["items"][row.target_language] = {
        "state": row.state,
        "html": render_plain(row.translated) if row.translated else "",
        "note": _note(row.error) if row.error else "",
    }


def _note(error: str) -> str:
    try:
        return str(State(error).label)
    except ValueError:
        return str(State.FAILED.label)


def contact_extras(message: Message) -> dict[str, Any]:
    """For the messenger: an operator's translated reply is marked, with its original.
    Reads the page's prefetch, or a row only when the sender marked the message (no query
    on the plain write path)."""
    if message.author_kind == AuthorKind.CONTACT:
        return {}
    cache = getattr(message, "_prefetched_objects_cache", {})
    if "translations" in cache:
        rows = list(cache["translations"])
    elif getattr(message, "_mc_translated", False):
        rows = list(message.translations.all())
    else:
        return {}
    outbound = [row for row in rows if row.direction == Direction.OUTBOUND]
    if not outbound:
        return {}
    return {
        "machine_translated": True,
        "original_html": render_markdown(outbound[0].original),
    }
