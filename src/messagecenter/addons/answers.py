"""What an add-on answers, and the actions it may ask for.

An answer is one of:

- ``text/html``: content, shown in the conversation's sidebar in a sandboxed frame;
- ``application/json``: an object with ``html`` (content) and/or ``actions`` (a list);
- nothing (``204`` or an empty body): the add-on did its work elsewhere.

Actions are applied one by one through the domain services, as the operator who ran the add-on
(so every rule of the services holds: a refusal is that operator's refusal). Each action is
checked first; an unknown or malformed one is refused with its reason and the others still
apply. Actions:

- ``{"type": "set_topic", "topic": "tp_…" | "Billing" | null}``: by id or by name; null clears;
- ``{"type": "add_note", "text": "…"}``: an internal note (Markdown), signed with the add-on's
  name;
- ``{"type": "set_custom_data", "data": {…}}``: merged into the contact's custom data by
  top-level key (null removes a key).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from messagecenter.contacts.services import update_custom_data
from messagecenter.conversations import notes, services
from messagecenter.conversations.models import Conversation, Topic
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError, ValidationFailed

log = logging.getLogger(__name__)

MAX_ACTIONS = 20
MAX_CONTENT_CHARS = 512 * 1024


class InvalidAnswer(Exception):
    """The add-on answered 2xx, but with something we cannot use (the run fails with it)."""


@dataclass
class Answer:
    content: str = ""
    actions: list[Any] = field(default_factory=list)


def parse(content_type: str, body: bytes) -> Answer:
    media = content_type.split(";", 1)[0].strip().lower()
    if not body.strip():
        return Answer()
    text = body.decode("utf-8", errors="replace")
    if media == "text/html":
        return Answer(content=_content(text))
    if media != "application/json" and not media.endswith("+json"):
        raise InvalidAnswer(
            _("The add-on answered %(type)s; expected text/html or application/json.")
            % {"type": media or _("no content type")}
        )
    try:
        data = json.loads(text)
    except ValueError as error:
        message = _("The add-on's answer is not valid JSON: %(error)s") % {"error": error}
        raise InvalidAnswer(message) from None
    if not isinstance(data, dict):
        raise InvalidAnswer(_("The add-on's JSON answer must be an object."))
    content, actions = data.get("html", ""), data.get("actions", [])
    if not isinstance(content, str):
        raise InvalidAnswer(_("“html” in the add-on's answer must be a text."))
    if not isinstance(actions, list):
        raise InvalidAnswer(_("“actions” in the add-on's answer must be a list."))
    if not content and not actions and not ({"html", "actions"} & set(data)):
        raise InvalidAnswer(_("The add-on's JSON answer has neither “html” nor “actions”."))
    return Answer(content=_content(content), actions=actions)


def _content(text: str) -> str:
    if len(text) > MAX_CONTENT_CHARS:
        raise InvalidAnswer(_("The add-on's content is too long."))
    return text


# --- actions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    conversation: Conversation
    actor: Actor
    addon_name: str


# An action's handler checks it, applies it and says what it did (for the run log).
Handler = Callable[[dict, Context], str]


def apply(actions: list[Any], context: Context) -> tuple[list[dict], list[dict]]:
    """Apply what can be applied; (applied, refused), each with what happened or why not."""
    applied: list[dict] = []
    refused: list[dict] = []
    for index, action in enumerate(actions):
        kind = action.get("type") if isinstance(action, dict) else None
        label = kind if isinstance(kind, str) else "?"
        try:
            if index >= MAX_ACTIONS:
                raise ValidationFailed(
                    _("At most %(max)d actions per answer.") % {"max": MAX_ACTIONS}
                )
            handler = HANDLERS.get(label)
            if handler is None:
                raise ValidationFailed(_("Unknown action “%(type)s”.") % {"type": label[:50]})
            applied.append({"type": label, "detail": handler(action, context)})
        except DomainError as error:
            reason = str(error.message)
            log.info(
                "add-on action %s refused on %s: %s", label, context.conversation.public_id, reason
            )
            refused.append({"type": label[:50], "reason": reason})
    return applied, refused


def _set_topic(action: dict, context: Context) -> str:
    wanted = action.get("topic")
    if wanted is None or wanted == "":
        services.set_topic(context.conversation, None, actor=context.actor)
        return _("Topic cleared")
    if not isinstance(wanted, str):
        raise ValidationFailed(_("“topic” must be a topic's id or name."))
    topic = _topic(context.conversation.account_id, wanted.strip())
    services.set_topic(context.conversation, topic, actor=context.actor)
    return topic.name


def _topic(account_id: int, wanted: str) -> Topic:
    topics = Topic.objects.filter(account_id=account_id)
    found = topics.filter(public_id=wanted).first() or topics.filter(name__iexact=wanted).first()
    if found is None:
        raise ValidationFailed(_("There is no topic “%(topic)s”.") % {"topic": wanted[:100]})
    return found


def _add_note(action: dict, context: Context) -> str:
    text = action.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValidationFailed(_("“text” of a note must be a non-empty text."))
    # Signed, so the team sees where the note came from (its author is who ran the add-on).
    body = f"{text.strip()}\n\n— {context.addon_name}"
    entry = notes.add_note(context.conversation, body, actor=context.actor)
    return _("Note #%(seq)d") % {"seq": entry.seq}


def _set_custom_data(action: dict, context: Context) -> str:
    data = action.get("data")
    if not isinstance(data, dict):
        raise ValidationFailed(_("“data” must be a JSON object."))
    update_custom_data(context.conversation.contact, data, actor=context.actor)
    return ", ".join(sorted(data))[:200]


HANDLERS: dict[str, Handler] = {
    "set_topic": _set_topic,
    "add_note": _add_note,
    "set_custom_data": _set_custom_data,
}
