"""Operator messages in the contact's language: a preview first (the operator reads, may
edit, then sends), then the send, which keeps the original beside the message.

On e-mail the original is quoted below the translation; on WhatsApp, Telegram and SMS the
translation goes alone (the original stays in our record); the messenger shows the
translation marked "machine-translated", with the original on demand."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.conversations import services as conversations
from messagecenter.conversations.events import announce_message_updated
from messagecenter.conversations.models import Conversation, TimelineEntry
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError, ValidationFailed
from messagecenter.translation import services
from messagecenter.translation.models import Direction, MessageTranslation, RowState, State
from messagecenter.translation.providers import ProviderError
from messagecenter.transports.webchat.events import announce_to_contact


class TranslationUnavailable(DomainError):
    """The provider cannot translate now; ``state`` says why (the toggle shows it)."""

    def __init__(self, state: str) -> None:
        super().__init__(State(state).label, code=state)
        self.state = state


@dataclass(frozen=True)
class Preview:
    text: str
    source: str
    target: str
    cached: bool


def preview(conversation: Conversation, text: str, *, actor: Actor) -> Preview:
    """``text`` in the conversation's target language, for the operator to check."""
    services._require_team(actor, conversation.account_id)
    text = text.strip()
    if not text:
        raise ValidationFailed(_("Write something to translate."), code="empty")
    toggle = services.toggle_of(conversation)
    if not toggle.target_language:
        raise ValidationFailed(_("Choose the contact's language first."), code="language")
    config = services.settings_of(conversation.account)
    reason = services.blocked_reason(conversation, config)
    if reason:
        raise TranslationUnavailable(reason)
    assert config is not None
    source = _source(config, actor)
    try:
        found = services.translate(
            config, conversation.contact, text, toggle.target_language, source
        )
    except ProviderError as error:
        services.record_state(conversation.pk, error.state)
        raise TranslationUnavailable(error.state) from error
    services.record_state(conversation.pk, State.OK)
    return Preview(
        found.text, source or found.detected_language, toggle.target_language, found.cached
    )


def _source(config, actor: Actor) -> str:
    """The operator's profile language when the glossary starts from it (DeepL applies a
    glossary only with a given source); otherwise the provider detects."""
    language = actor.operator.language if actor.operator else ""
    return language if config.glossary_id and config.glossary_source == language else ""


def send_translated(
    conversation: Conversation,
    original: str,
    translated: str,
    *,
    actor: Actor,
    source: str = "",
    client_msg_id: str | None = None,
) -> TimelineEntry:
    """Send the (reviewed) translation as the operator's message and keep the original."""
    original, translated = original.strip(), translated.strip()
    if not original or not translated:
        raise ValidationFailed(_("Nothing to send."), code="empty")
    toggle = services.toggle_of(conversation)
    body = _body_for_channel(conversation, original, translated)
    with transaction.atomic():
        entry = conversations.post_operator_message(
            conversation, body, actor=actor, client_msg_id=client_msg_id
        )
        message = entry.message
        MessageTranslation.objects.get_or_create(
            message=message,
            target_language=toggle.target_language or "",
            defaults={
                "account_id": conversation.account_id,
                "direction": Direction.OUTBOUND,
                "source_language": source[:8],
                "original": original,
                "translated": translated,
                "state": RowState.DONE,
                "created_at": clock.now(),
                "done_at": clock.now(),
            },
        )
        # The write's own pushes went out without the original: send the entry again.
        message._mc_translated = True  # type: ignore[attr-defined]
        announce_message_updated(conversation, entry)
        announce_to_contact(conversation, entry)
    return entry


def _body_for_channel(conversation: Conversation, original: str, translated: str) -> str:
    if conversation.connection.kind != "email":
        return translated
    quoted = "\n".join(f"> {line}" if line else ">" for line in original.splitlines())
    label = _("Original message:")
    return f"{translated}\n\n---\n{label}\n\n{quoted}"
