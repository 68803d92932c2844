"""Contact messages, translated as they arrive into the languages of the operators who read
them (their profile language, unless they read the contact's language).

The outbox handler (``record``) runs inside the event's transaction: it only writes one
pending row per target language and queues ``translate_message`` after commit. The job calls
the provider, writes the result and pushes ``message.updated``; the entry itself was shown at
once, untranslated, so the timeline keeps its order and nothing waits on the provider. A
transient failure (down, timeout, 429) is retried with a doubling backoff; a final one (456
quota, refused, retries used up) leaves the original with a note, never a lost message."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from messagecenter.accounts.models import Operator
from messagecenter.conversations.events import announce_message_updated
from messagecenter.conversations.models import AuthorKind, Message, TimelineEntry
from messagecenter.core import clock
from messagecenter.jobs.names import enqueue, enqueue_on_commit
from messagecenter.translation import detection, services
from messagecenter.translation.models import (
    ConversationTranslation,
    Direction,
    MessageTranslation,
    ReadingLanguages,
    RowState,
    State,
)
from messagecenter.translation.providers import ProviderError

log = logging.getLogger(__name__)

JOB = "translation.record"
TRANSLATE_JOB = "translation.translate_message"


def wants(event: dict[str, Any]) -> bool:
    """Only contact messages of a conversation with translation on are translated as they
    arrive (notes never are). Asked in the writer's transaction: a lookup there spares every
    other contact message an outbox row, its drain and the handler's queries — and where no
    conversation translates at all, the cached "none" spares the lookup too.
    A toggle switched on meanwhile commits before this write (this lookup sees it) or after
    it (its backfill sees the message): both hold the conversation's row lock."""
    if event.get("kind") != "message" or event.get("actor_kind") != "contact":
        return False
    if not any_conversation_translates():
        return False
    return ConversationTranslation.objects.filter(
        conversation__public_id=event.get("conversation"), enabled=True
    ).exists()


# Whether any conversation anywhere translates. A "no" is re-checked often (a process without
# the shared cache may have missed the switch); a "yes" stays longer. ``set_toggle`` resets it.
_ANY_KEY = "mc:translation:any-on"
_NO_SECONDS = 10
_YES_SECONDS = 300


def any_conversation_translates() -> bool:
    found = cache.get(_ANY_KEY)
    if found is None:
        found = ConversationTranslation.objects.filter(enabled=True).exists()
        cache.set(_ANY_KEY, found, _YES_SECONDS if found else _NO_SECONDS)
    return bool(found)


def toggles_changed() -> None:
    cache.delete(_ANY_KEY)


def record(event: dict[str, Any]) -> int:
    """The outbox handler: pending rows for a contact message of a conversation with the
    toggle on, and the job that fills them. Quick, and no network."""
    entry = (
        TimelineEntry.objects.select_related("message")
        .filter(conversation__public_id=event["conversation"], seq=event["seq"])
        .first()
    )
    if entry is None or not hasattr(entry, "message"):
        return 0  # erased meanwhile
    message = entry.message
    toggle = ConversationTranslation.objects.filter(
        conversation_id=message.conversation_id, enabled=True
    ).first()
    if toggle is None or message.author_kind != AuthorKind.CONTACT or not message.body.strip():
        return 0
    source = toggle.target_language if toggle.pinned else ""
    return _record_rows(message, source, targets_for(message.account_id, source))


# Switching the toggle on translates this many of the contact's latest messages too.
BACKFILL = 10


def backfill(conversation) -> int:
    """The toggle was switched on: the contact's latest messages get their rows and jobs as
    if they had just arrived (in the caller's transaction; the jobs run after commit)."""
    toggle = ConversationTranslation.objects.filter(conversation=conversation).first()
    if toggle is None or not toggle.enabled:
        return 0
    messages = list(
        Message.objects.filter(
            conversation=conversation,
            author_kind=AuthorKind.CONTACT,
            deleted_at__isnull=True,
            translations__isnull=True,
        ).order_by("-pk")[:BACKFILL]
    )
    source = toggle.target_language if toggle.pinned else ""
    targets = targets_for(conversation.account_id, source)
    for message in reversed(messages):
        _record_rows(message, source, targets)
    return len(messages)


def _record_rows(message: Message, source: str, targets: list[str]) -> int:
    rows = [
        MessageTranslation(
            message=message,
            account_id=message.account_id,
            direction=Direction.INBOUND,
            source_language=source,
            target_language=target,
            original=message.body,
            created_at=clock.now(),
        )
        for target in targets
    ]
    MessageTranslation.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        enqueue_on_commit(TRANSLATE_JOB, message.pk)
    return len(rows)


def targets_for(account_id: int, source: str) -> list[str]:
    """The profile languages of the account's active operators, leaving out the contact's
    own language and the languages whose every operator reads it."""
    operators = list(
        Operator.objects.filter(account_id=account_id, is_active=True).values_list("pk", "language")
    )
    reads = dict(
        ReadingLanguages.objects.filter(operator_id__in=[pk for pk, _ in operators]).values_list(
            "operator_id", "languages"
        )
    )
    needed = {
        language
        for pk, language in operators
        if language and language != source and source not in reads.get(pk, [])
    }
    return sorted(needed)


# --- the job -------------------------------------------------------------------------------------


def translate_message(message_pk: int) -> None:
    """Fill the message's pending rows from the provider (outside any transaction)."""
    message = (
        Message.objects.select_related(
            "entry", "conversation__widget", "conversation__contact", "conversation__account"
        )
        .filter(pk=message_pk)
        .first()
    )
    if message is None:
        return
    conversation = message.conversation
    config = services.settings_of(conversation.account)
    reason = services.blocked_reason(conversation, config)
    if reason:
        _finish(message, _pending(message), failed=reason)
        return
    assert config is not None  # not blocked: a provider is set up
    source = _contact_language(message)
    state: str = State.OK
    for row in _still_needed(message, source):
        try:
            result = services.translate(
                config, conversation.contact, row.original, row.target_language, source
            )
        except ProviderError as error:
            if _retry(message, row, error):
                return
            _mark_failed([row], error.state)
            state = error.state
            continue
        _done(row, result.text, source or result.detected_language)
    services.record_state(conversation.pk, state)
    _announce(message)


def _pending(message: Message) -> list[MessageTranslation]:
    return list(message.translations.filter(direction=Direction.INBOUND, state=RowState.PENDING))


def _contact_language(message: Message) -> str:
    """The conversation's pinned language, or detected now from enough of the contact's text
    (and then pinned: detected once)."""
    toggle = ConversationTranslation.objects.filter(conversation_id=message.conversation_id).first()
    if toggle is None:
        return ""
    if toggle.pinned:
        return toggle.target_language
    found = detect_contact_language(message.conversation)
    if found:
        ConversationTranslation.objects.filter(pk=toggle.pk, pinned=False).update(
            target_language=found, pinned=True, updated_at=clock.now()
        )
    return found


def detect_contact_language(conversation, config=services.UNREAD) -> str:
    if config is services.UNREAD:
        config = services.settings_of(conversation.account)
    languages = config.account_languages() if config else list(detection_languages())
    texts = (
        Message.objects.filter(
            conversation=conversation, author_kind=AuthorKind.CONTACT, deleted_at__isnull=True
        )
        .order_by("-pk")
        .values_list("body", flat=True)[:20]
    )
    return detection.detect("\n".join(reversed(list(texts))), languages)


def detection_languages() -> list[str]:
    from messagecenter.translation.models import DEFAULT_LANGUAGES

    return DEFAULT_LANGUAGES


def _still_needed(message: Message, source: str) -> list[MessageTranslation]:
    """Now that the contact's language is known, a row for a language its readers read (or
    the contact's own) is dropped: that message is shown as it is."""
    rows = _pending(message)
    if not source:
        return rows
    needed = set(targets_for(message.account_id, source))
    dropped = [row.pk for row in rows if row.target_language not in needed]
    if dropped:
        MessageTranslation.objects.filter(pk__in=dropped).delete()
    kept = [row for row in rows if row.pk not in dropped]
    MessageTranslation.objects.filter(pk__in=[r.pk for r in kept]).update(source_language=source)
    return kept


def _retry(message: Message, row: MessageTranslation, error: ProviderError) -> bool:
    """Transient: try again after a doubling backoff, while attempts are left."""
    attempts = row.attempts + 1
    MessageTranslation.objects.filter(pk=row.pk).update(attempts=attempts)
    services.record_state(message.conversation_id, error.state)
    if not error.transient or attempts >= settings.TRANSLATION_MAX_ATTEMPTS:
        return False
    delay = settings.TRANSLATION_BACKOFF_SECONDS * 2 ** (attempts - 1)
    log.info("translation of message %s: %s, retry in %ss", message.pk, error.state, delay)
    _announce(message)  # the toggle shows the state meanwhile
    enqueue(TRANSLATE_JOB, message.pk, delay=delay)
    return True


def _done(row: MessageTranslation, text: str, source: str) -> None:
    if source and source == row.target_language:
        row.delete()  # it was in the operator's language after all
        return
    MessageTranslation.objects.filter(pk=row.pk).update(
        translated=text, state=RowState.DONE, source_language=source, done_at=clock.now(), error=""
    )


def _finish(message: Message, rows: list[MessageTranslation], *, failed: str) -> None:
    _mark_failed(rows, failed)
    services.record_state(message.conversation_id, failed)
    _announce(message)


def _mark_failed(rows: list[MessageTranslation], failed: str) -> None:
    MessageTranslation.objects.filter(pk__in=[r.pk for r in rows]).update(
        state=RowState.FAILED, error=failed, done_at=clock.now()
    )


def _announce(message: Message) -> None:
    with transaction.atomic():
        announce_message_updated(message.conversation, message.entry)
