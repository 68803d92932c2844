"""What the WhatsApp channel keeps beside the conversation domain:

- ``WhatsAppDelivery``: each webhook POST Meta made to a connection, committed as it came
  (the raw body's JSON) before the webhook answers 200. Meta's payloads carry no id of their
  own, so a redelivery of the same bytes is recognised by the body's SHA-256 (unique per
  connection). A job processes it (``inbound.process``) and records the outcome; the
  minute's sweep picks up one whose job was lost or that waits for a status's message.
- ``WhatsAppReaction``: the contact's reaction (an emoji) to one message of the conversation,
  theirs or ours; WhatsApp allows one per user and message, a new one replaces it and an empty
  one removes it. Shown on the message (``reactions.message_extras``).
- ``WhatsAppEvent``: one handled item that is not a message (a status, a preference, a
  system message), unique per (connection, ``key``): ``status:<wamid>:<status>`` and the
  like. Messages need none: ``conversations.inbound.receive`` is exactly-once on the wamid.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    PENDING = "pending"
    DONE = "done"  # every item handled (messages, statuses, preferences…)
    IGNORED = "ignored"  # nothing in it we take (an account update, a template change)
    FAILED = "failed"  # kept failing: given up after MAX_ATTEMPTS


class WhatsAppDelivery(models.Model):
    connection = models.ForeignKey(
        "widgets.ChannelConnection", on_delete=models.CASCADE, related_name="+"
    )
    digest = models.CharField(max_length=64)
    payload = models.JSONField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, default=Outcome.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # What was done with its items, counted ("2 messages, 1 status"), or why it failed.
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "digest"], name="whatsapp_delivery_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=models.Q(processed_at__isnull=True),
                name="whatsapp_delivery_pending",
            )
        ]

    def __str__(self) -> str:
        return f"whatsapp delivery {self.pk} ({self.outcome})"


class WhatsAppEvent(models.Model):
    connection = models.ForeignKey(
        "widgets.ChannelConnection", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=300)
    handled_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "key"], name="whatsapp_event_unique")
        ]

    def __str__(self) -> str:
        return self.key


class WhatsAppReaction(models.Model):
    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="whatsapp_reaction"
    )
    emoji = models.CharField(max_length=32)
    # The reaction's own wamid and time: an older reaction redelivered later changes nothing.
    wamid = models.CharField(max_length=200)
    reacted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.emoji} on {self.message_id}"


# --- message templates -------------------------------------------------------------------------


def new_template_id() -> str:
    from messagecenter.core.ids import new_public_id

    return new_public_id("wt")


class TemplateStatus(models.TextChoices):
    """Meta's review states of a template (``status`` of the Message Templates API)."""

    APPROVED = "APPROVED", _("Approved")
    PENDING = "PENDING", _("In review")
    REJECTED = "REJECTED", _("Rejected")
    PAUSED = "PAUSED", _("Paused")
    DISABLED = "DISABLED", _("Disabled")
    IN_APPEAL = "IN_APPEAL", _("In appeal")
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED", _("Limit exceeded")
    ARCHIVED = "ARCHIVED", _("Archived")
    PENDING_DELETION = "PENDING_DELETION", _("Being deleted")
    DELETED = "DELETED", _("Deleted")


class TemplateCategory(models.TextChoices):
    MARKETING = "MARKETING", _("Marketing")
    UTILITY = "UTILITY", _("Utility")
    AUTHENTICATION = "AUTHENTICATION", _("Authentication")


class WhatsAppTemplate(models.Model):
    """A message template of the connection's business account, as the last sync read it
    from Meta (``GET /<WABA id>/message_templates``). Meta is the source of truth: templates
    are created and reviewed in WhatsApp Manager; a sync replaces what changed and removes
    what Meta no longer lists. ``components`` are Meta's own objects (HEADER, BODY, FOOTER,
    BUTTONS) so nothing is lost; ``whatsapp.templates`` reads them."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(
        "widgets.ChannelConnection", on_delete=models.CASCADE, related_name="+"
    )
    public_id = models.CharField(max_length=24, unique=True, default=new_template_id)
    provider_id = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=16)
    category = models.CharField(max_length=32, choices=TemplateCategory.choices)
    status = models.CharField(max_length=32, choices=TemplateStatus.choices)
    # POSITIONAL ({{1}}, {{2}}…) or NAMED ({{first_name}}).
    parameter_format = models.CharField(max_length=16, default="POSITIONAL")
    components = models.JSONField(default=list)
    rejected_reason = models.CharField(max_length=300, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "name", "language"], name="whatsapp_template_unique"
            )
        ]
        ordering = ["name", "language"]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def approved(self) -> bool:
        return self.status == TemplateStatus.APPROVED


class WhatsAppChannelOptions(models.Model):
    """What a WhatsApp connection keeps beside its config: the last template sync (when,
    how many, Meta's reason when it failed) and the optional reminder template sent N
    minutes before the 24-hour window closes on a conversation that waits for the
    contact."""

    connection = models.OneToOneField(
        "widgets.ChannelConnection", on_delete=models.CASCADE, related_name="whatsapp_options"
    )
    templates_synced_at = models.DateTimeField(null=True, blank=True)
    templates_sync_error = models.CharField(max_length=500, blank=True)
    templates_count = models.PositiveIntegerField(default=0)
    reminder_template = models.ForeignKey(
        WhatsAppTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminder_minutes = models.PositiveIntegerField(default=60)

    def __str__(self) -> str:
        return f"whatsapp options of {self.connection_id}"


class WhatsAppTemplateMessage(models.Model):
    """A message of the timeline that goes out as a template (``type: template``): which
    one, in which language, and the parameters Meta fills in. Written in the message's
    transaction; the transport sends from it, the timeline marks the message as a template.
    The name, language and category are kept as they were when it was sent (a template may
    be deleted later)."""

    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="whatsapp_template"
    )
    template = models.ForeignKey(
        WhatsAppTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=16)
    category = models.CharField(max_length=32)
    # The Cloud API's ``template.components`` (header/body/button parameters).
    components = models.JSONField(default=list)
    # What sent it: "operator", "reminder", "campaign".
    purpose = models.CharField(max_length=16, default="operator")

    def __str__(self) -> str:
        return f"template {self.name} on {self.message_id}"
