"""Translation writers: the account's provider settings, a conversation's toggle, the
languages an operator reads, and the translate-with-cache step every direction uses.

Provider calls happen outside any transaction (a slow provider must not hold the database's
write lock); what they return is written afterwards."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account, Operator
from messagecenter.contacts.models import Contact
from messagecenter.conversations.models import Conversation
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from messagecenter.translation import masking, providers
from messagecenter.translation.models import (
    DEFAULT_LANGUAGES,
    CachedTranslation,
    ConversationTranslation,
    Formality,
    Provider,
    ReadingLanguages,
    State,
    TranslationSettings,
    TranslationUsage,
)
from messagecenter.translation.providers import ProviderError

# --- the account's provider ----------------------------------------------------------------------


# "Not read yet" for callers that pass the settings they already hold (None: no provider).
UNREAD: Any = object()


def settings_of(account: Account | int) -> TranslationSettings | None:
    """The account's settings (by account or its pk), None when never set."""
    account_id = account if isinstance(account, int) else account.pk
    return TranslationSettings.objects.filter(account_id=account_id).first()


@dataclass(frozen=True)
class ProviderChoice:
    """What the admin set on Settings › Translation. ``api_key`` None keeps the stored one."""

    provider: str
    api_key: str | None = None
    libretranslate_url: str = ""
    formality: str = Formality.DEFAULT
    languages: tuple[str, ...] = ()
    allow_privacy_widgets: bool = False
    glossary_source: str = ""
    glossary_target: str = ""
    glossary_entries: str = ""


def save_settings(account: Account, choice: ProviderChoice, *, actor: Actor) -> TranslationSettings:
    """Store the provider; a changed DeepL glossary is uploaded again (its id kept)."""
    _require_admin(actor, account)
    _validate(choice)
    config = settings_of(account) or TranslationSettings(account=account, updated_at=clock.now())
    glossary_changed = (
        config.glossary_entries,
        config.glossary_source,
        config.glossary_target,
        config.provider,
    ) != (choice.glossary_entries, choice.glossary_source, choice.glossary_target, choice.provider)
    _apply(config, choice)
    if glossary_changed and config.provider == Provider.DEEPL:
        config.glossary_id = _sync_glossary(config)
    with transaction.atomic():
        config.save()
        audit.record(actor, "translation.settings_changed", "account", account.public_id)
    return config


def _validate(choice: ProviderChoice) -> None:
    if choice.provider not in Provider.values:
        raise ValidationFailed(_("Choose a translation service."), code="provider")
    if choice.provider == Provider.LIBRETRANSLATE and not choice.libretranslate_url:
        raise ValidationFailed(_("Enter the address of your LibreTranslate server."), code="url")
    if choice.formality not in Formality.values:
        raise ValidationFailed(_("Choose a formality."), code="formality")


def _apply(config: TranslationSettings, choice: ProviderChoice) -> None:
    config.provider = choice.provider
    if choice.api_key is not None:
        config.credentials = {"api_key": choice.api_key.strip()} if choice.api_key.strip() else {}
    config.libretranslate_url = choice.libretranslate_url
    config.formality = choice.formality
    config.languages = list(choice.languages) or DEFAULT_LANGUAGES
    config.allow_privacy_widgets = choice.allow_privacy_widgets
    config.glossary_source = choice.glossary_source
    config.glossary_target = choice.glossary_target
    config.glossary_entries = choice.glossary_entries
    config.updated_at = clock.now()


def _sync_glossary(config: TranslationSettings) -> str:
    try:
        provider = providers.for_settings(config)
        return provider.sync_glossary(config) if provider else ""
    except ProviderError as error:
        raise ValidationFailed(
            _("DeepL did not accept the glossary: %(reason)s") % {"reason": error},
            code="glossary",
        ) from error


@dataclass(frozen=True)
class CheckResult:
    """The Settings page's test: did the provider answer, what did it say."""

    ok: bool
    state: str = State.OK
    detail: str = ""
    sample: str = ""
    usage: providers.Usage | None = None
    languages: int = 0


def check_provider(account: Account, *, actor: Actor) -> CheckResult:
    """Translate a sample, read the usage and the languages: proves the key and the URL."""
    _require_admin(actor, account)
    provider = _provider_or_none(settings_of(account))
    if provider is None:
        return CheckResult(False, State.UNCONFIGURED)
    try:
        sample = provider.translate(["Hello, how can I help you?"], "de", source="en")[0]
        languages = provider.languages()
        usage = provider.usage()
    except ProviderError as error:
        return CheckResult(False, error.state, str(error))
    count_usage(account, sample.characters)
    return CheckResult(True, sample=sample.text, usage=usage, languages=len(languages))


def _provider_or_none(config):
    try:
        return providers.for_settings(config)
    except ProviderError:
        return None


# --- usage ---------------------------------------------------------------------------------------


def _month() -> date:
    return clock.now().date().replace(day=1)


def count_usage(account: Account | int, characters: int) -> None:
    """Add the characters sent to the provider this month (its own writer: an upsert)."""
    if characters <= 0:
        return
    account_id = account if isinstance(account, int) else account.pk
    month = _month()
    updated = TranslationUsage.objects.filter(account_id=account_id, month=month).update(
        characters=F("characters") + characters
    )
    if not updated:
        try:
            with transaction.atomic():
                TranslationUsage.objects.create(
                    account_id=account_id, month=month, characters=characters
                )
        except IntegrityError:  # created meanwhile
            TranslationUsage.objects.filter(account_id=account_id, month=month).update(
                characters=F("characters") + characters
            )


def characters_this_month(account: Account) -> int:
    row = TranslationUsage.objects.filter(account=account, month=_month()).first()
    return row.characters if row else 0


# --- a conversation's toggle ---------------------------------------------------------------------


def toggle_of(conversation: Conversation) -> ConversationTranslation:
    """The conversation's toggle (unsaved and off when never set)."""
    found = ConversationTranslation.objects.filter(conversation=conversation).first()
    return found or ConversationTranslation(
        conversation=conversation,
        account_id=conversation.account_id,
        target_language=conversation.locale,
        updated_at=clock.now(),
    )


def set_toggle(
    conversation: Conversation, *, enabled: bool, language: str, actor: Actor
) -> ConversationTranslation:
    """Switch translation on or off, and pin the contact's language (the operator's choice
    wins over detection from now on)."""
    _require_team(actor, conversation.account_id)
    config = settings_of(conversation.account)
    languages = config.account_languages() if config else DEFAULT_LANGUAGES
    if language and language not in languages:
        raise ValidationFailed(_("Choose one of the account's languages."), code="language")
    with transaction.atomic():
        # The conversation's row lock, as every message write takes it: a contact message
        # commits wholly before this switch (the backfill sees it) or after it (the outbox's
        # ``inbound.wants`` sees the toggle on), never between the two on PostgreSQL either.
        Conversation.objects.select_for_update().filter(pk=conversation.pk).values_list(
            "pk"
        ).first()
        toggle = toggle_of(conversation)
        switched_on = enabled and not toggle.enabled
        toggle.enabled = enabled
        if language:
            toggle.pinned = toggle.pinned or language != toggle.target_language
            toggle.target_language = language
        toggle.updated_at = clock.now()
        toggle.save()
        if switched_on:
            from messagecenter.translation import inbound  # it reads these settings

            inbound.backfill(conversation)
            # Now for this process, and again after commit: a writer may have cached "none"
            # from what it read before this switch committed.
            inbound.toggles_changed()
            transaction.on_commit(inbound.toggles_changed)
    return toggle


def record_state(conversation_id: int, state: str) -> None:
    """The provider's last answer for the conversation, shown on its toggle."""
    ConversationTranslation.objects.filter(conversation_id=conversation_id).update(
        state=state, state_at=clock.now()
    )


def blocked_reason(conversation: Conversation, config: TranslationSettings | None) -> str:
    """Why no text of this conversation may go to the provider ("" when it may)."""
    if _provider_or_none(config) is None:
        return State.UNCONFIGURED
    assert config is not None
    if conversation.widget.privacy_mode and not config.allow_privacy_widgets:
        return State.PRIVACY
    return ""


# --- languages an operator reads -----------------------------------------------------------------


def reading_languages(operator: Operator) -> list[str]:
    row = ReadingLanguages.objects.filter(operator=operator).first()
    return list(row.languages) if row else []


def set_reading_languages(operator: Operator, languages: list[str], *, actor: Actor) -> list[str]:
    """An operator's own list (nobody sets it for them)."""
    if actor.operator is None or actor.operator.pk != operator.pk:
        raise PermissionDenied(_("Only you can set the languages you read."))
    known = {code for code, _name in language_names()}
    chosen = sorted({code for code in languages if code in known})
    ReadingLanguages.objects.update_or_create(operator=operator, defaults={"languages": chosen})
    return chosen


def language_names() -> list[tuple[str, str]]:
    from django.utils.translation import get_language_info

    names = []
    for code in DEFAULT_LANGUAGES:
        try:
            names.append((code, get_language_info(code)["name_translated"]))
        except KeyError:
            names.append((code, code))
    return names


# --- translating, with the cache -----------------------------------------------------------------


@dataclass(frozen=True)
class Translated:
    text: str
    detected_language: str
    cached: bool


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def translate(
    config: TranslationSettings, contact: Contact, text: str, target: str, source: str = ""
) -> Translated:
    """``text`` in ``target``: from this contact's cache, else from the provider (masked, so
    commands, placeholders, URLs, addresses, numbers and code come back untouched).
    Raises ``ProviderError``. Call it outside a transaction: it may wait on the network."""
    key = text_hash(text)
    hit = CachedTranslation.objects.filter(
        contact=contact, text_hash=key, source_language=source, target_language=target
    ).first()
    if hit is not None:
        return Translated(hit.translated, hit.detected_language, True)
    provider = providers.for_settings(config)
    if provider is None:
        raise ProviderError(State.UNCONFIGURED)
    masked = masking.mask(text)
    result = provider.translate([masked.text], target, source=source)[0]
    translated = masked.unmask(result.text)
    _remember(contact, key, source, target, translated, result.detected_language)
    count_usage(config.account_id, result.characters or len(text))
    return Translated(translated, result.detected_language, False)


def _remember(contact, key, source, target, translated, detected) -> None:
    try:
        with transaction.atomic():
            CachedTranslation.objects.create(
                account_id=contact.account_id,
                contact=contact,
                text_hash=key,
                source_language=source,
                target_language=target,
                translated=translated,
                detected_language=detected,
                created_at=clock.now(),
            )
    except IntegrityError:
        pass  # another worker cached the same text meanwhile


# How long a cached translation is kept: long enough for a conversation's repeats, short
# enough that a contact's texts do not pile up in a second place.
CACHE_DAYS = 30


def prune_cache() -> int:
    """Forget cached translations older than ``CACHE_DAYS`` (daily job)."""
    from datetime import timedelta

    cutoff = clock.now() - timedelta(days=CACHE_DAYS)
    deleted, _by_model = CachedTranslation.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- checks --------------------------------------------------------------------------------------


def _require_admin(actor: Actor, account: Account) -> None:
    if actor.account.pk != account.pk or actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only administrators can change the translation settings."))


def _require_team(actor: Actor, account_id: int) -> None:
    if actor.account.pk != account_id or actor.operator is None:
        raise PermissionDenied(_("Only operators of the account can do this."))


def timeout() -> int:
    return django_settings.TRANSLATION_TIMEOUT_SECONDS
