"""Live translation (R-TRANS-1): the account's provider, each conversation's toggle, the
languages each operator reads, every translation made (with its original) and the cache.

Everything of a contact hangs off their messages or the contact row, so erasing the contact
(``contacts.gdpr``) cascades to their translations and cached texts.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.secrets import EncryptedJSONField

# The languages the detector and the pickers offer unless the admin narrows them.
DEFAULT_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "pt", "tr", "ru"]


class Provider(models.TextChoices):
    NONE = "", _("No translation")
    DEEPL = "deepl", _("DeepL")
    LIBRETRANSLATE = "libretranslate", _("LibreTranslate (self-hosted)")


class Formality(models.TextChoices):
    DEFAULT = "default", _("Provider default")
    MORE = "prefer_more", _("Formal (Sie)")
    LESS = "prefer_less", _("Informal (du)")


class TranslationSettings(models.Model):
    """An account's translation provider and its rules; no row means no provider."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="translation_settings"
    )
    provider = models.CharField(max_length=16, choices=Provider.choices, blank=True)
    # ``{"api_key": …}``: encrypted at rest, never shown again.
    credentials = EncryptedJSONField(default=dict, blank=True)
    libretranslate_url = models.URLField(max_length=500, blank=True)
    formality = models.CharField(max_length=16, choices=Formality.choices, default="default")
    languages = models.JSONField(default=list, blank=True)
    # Widgets in privacy mode send no text to an external provider unless this is on.
    allow_privacy_widgets = models.BooleanField(default=False)
    # One glossary (DeepL): "term = translation" lines for one language pair.
    glossary_source = models.CharField(max_length=8, blank=True)
    glossary_target = models.CharField(max_length=8, blank=True)
    glossary_entries = models.TextField(blank=True)
    glossary_id = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField()

    def account_languages(self) -> list[str]:
        return list(self.languages or DEFAULT_LANGUAGES)


class TranslationUsage(models.Model):
    """Characters sent to the provider per account and calendar month (cache hits are free)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    characters = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="translation_usage_month")
        ]


class State(models.TextChoices):
    """How the provider answered last, shown on the conversation's toggle."""

    OK = "ok", _("Translation works")
    DOWN = "down", _("The translation service cannot be reached")
    RATE_LIMITED = "rate_limited", _("The translation service is busy (rate limit)")
    QUOTA = "quota", _("The translation quota is used up")
    FAILED = "failed", _("The translation service refused the text")
    PRIVACY = "privacy", _("Privacy mode: no text goes to an external translation service")
    UNCONFIGURED = "unconfigured", _("No translation service is set up")


class ConversationTranslation(models.Model):
    """A conversation's toggle and target language (the contact's, detected once and then
    pinned; the operator may change it), and the provider's last state for it."""

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="translation"
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(default=False)
    target_language = models.CharField(max_length=8, blank=True)
    # True once detected or chosen: later messages never move it again.
    pinned = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OK)
    state_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()


class ReadingLanguages(models.Model):
    """The languages an operator reads: a contact's message in one of them is not translated
    for them."""

    operator = models.OneToOneField(
        "accounts.Operator", on_delete=models.CASCADE, related_name="reading_languages"
    )
    languages = models.JSONField(default=list, blank=True)


class Direction(models.TextChoices):
    OUTBOUND = "out", _("operator to contact")
    INBOUND = "in", _("contact to operator")


class RowState(models.TextChoices):
    PENDING = "pending", _("translating")
    DONE = "done", _("translated")
    FAILED = "failed", _("not translated")


class MessageTranslation(models.Model):
    """One message in one other language, with its original. Outbound: the message's body is
    the translation and ``original`` what the operator wrote. Inbound: the body is the
    contact's original and ``translated`` is for operators whose language is ``target``."""

    message = models.ForeignKey(
        "conversations.Message", on_delete=models.CASCADE, related_name="translations"
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    source_language = models.CharField(max_length=8, blank=True)
    target_language = models.CharField(max_length=8)
    original = models.TextField()
    translated = models.TextField(blank=True)
    state = models.CharField(max_length=8, choices=RowState.choices, default=RowState.PENDING)
    # The provider's answer when it failed (a State value), for the note under the message.
    error = models.CharField(max_length=16, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "target_language"], name="translation_message_target"
            )
        ]


class CachedTranslation(models.Model):
    """A text already translated for this contact, by (text hash, language pair): the same
    text again (a repeated question, a preview then its send) costs no provider call."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="cached_translations"
    )
    text_hash = models.CharField(max_length=64)
    source_language = models.CharField(max_length=8, blank=True)
    target_language = models.CharField(max_length=8)
    translated = models.TextField()
    detected_language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "text_hash", "source_language", "target_language"],
                name="translation_cache_key",
            )
        ]
