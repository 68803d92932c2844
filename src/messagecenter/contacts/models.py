"""Contacts (customers) and the identifiers they reach us by."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.ids import new_public_id
from messagecenter.core.scoping import AccountScopedManager


def new_contact_id() -> str:
    return new_public_id("ct")


class Contact(models.Model):
    """A customer. Reachable through one or more ``ContactIdentity`` rows."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="contacts"
    )
    public_id = models.CharField(max_length=24, unique=True, default=new_contact_id)
    name = models.CharField(_("name"), max_length=200, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    customer_id = models.CharField(_("customer ID"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    locale = models.CharField(_("language"), max_length=8, blank=True)
    # Values of the account-defined custom fields, keyed by field key.
    custom_fields = models.JSONField(default=dict, blank=True)
    # Arbitrary JSON pushed by API (cart contents…), shown as a tree (R-CONV-6).
    custom_data = models.JSONField(default=dict, blank=True)
    blocked = models.BooleanField(default=False)
    # Last known location (R-CONV-6): {"country", "city", "source": "ip"|"browser"}.
    last_location = models.JSONField(default=dict, blank=True)
    # Browser, OS and device class of the latest messenger tab (R-CONV-8).
    last_client = models.JSONField(default=dict, blank=True)
    # The browser's IANA time zone, reported by the messenger (not in privacy mode): times in
    # transcripts are written in it; empty: the account's time zone.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    objects = AccountScopedManager()

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at"])]

    def __str__(self) -> str:
        return self.name or self.public_id

    def identity_value(self, kind: str) -> str:
        """The first identifier of ``kind`` (uses prefetched identities when present)."""
        for identity in self.identities.all():
            if identity.kind == kind:
                return identity.value
        return ""

    @property
    def email(self) -> str:
        return self.identity_value(IdentityKind.EMAIL)

    @property
    def email_verified(self) -> bool:
        """R-CONTACT-2: the e-mail address was proven (by the link in our e-mail or a code)."""
        return any(i.kind == IdentityKind.EMAIL and i.verified_at for i in self.identities.all())

    @property
    def phone(self) -> str:
        return self.identity_value(IdentityKind.PHONE)


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    COOKIE = "cookie", _("Messenger token")
    EXTERNAL = "external", _("External ID")


class ContactIdentity(models.Model):
    """One identifier of a contact, normalised (e-mail lower-cased, phones in E.164).

    Unique per account, so an inbound message on any channel finds its one contact, and two
    contacts sharing an identifier is a merge, not a duplicate.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    value = models.CharField(max_length=320)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_via = models.CharField(max_length=32, blank=True)
    # What the provider told us beside the identifier, e.g. a WhatsApp user id's phone number,
    # username and parent user id: shown and searched, never used to match.
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "value"], name="identity_unique_per_account"
            )
        ]
        ordering = ["created_at", "id"]


class ContactConnection(models.Model):
    """One connected messenger tab of a contact: the contact is online while one exists."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="connections")
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()


class ConsentChannel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


class ConsentPurpose(models.TextChoices):
    # Service: we may write to the contact at all (an opening WhatsApp template, any SMS).
    SERVICE = "service", _("Messages")
    # Marketing: campaigns and offers (WhatsApp's "stop promotions" withdraws only this).
    MARKETING = "marketing", _("Marketing")


class ContactConsent(models.Model):
    """One recorded consent decision of a contact: granted or withdrawn, with where it came
    from and when. Kept as a log (never updated), so the profile can show the history and
    an audit can prove the opt-in; the latest row per (channel, purpose) is what holds."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=16, choices=ConsentChannel.choices)
    purpose = models.CharField(max_length=16, choices=ConsentPurpose.choices)
    granted = models.BooleanField()
    # e.g. "operator", "import", "sms_keyword", "whatsapp_preferences", "api"
    source = models.CharField(max_length=32)
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        "accounts.Operator", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["contact", "channel", "purpose", "-at"])]


def new_visitor_id() -> str:
    return new_public_id("vs")


class Visitor(models.Model):
    """A browser the messenger saw on a page of a widget that has not written yet.

    A mere page visit is not a contact (no "Unnamed contact" rows for every visit): the visitor
    gets a token and keeps its page views; its first real interaction (a message, a shared
    location, a signed identity) creates the contact and hands the page views over
    (``contacts.services.become_contact``). Visitors that never became a contact are pruned
    after ``MC_VISITOR_RETENTION_DAYS`` without a visit; erasing a contact erases its visitors.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    widget = models.ForeignKey("widgets.Widget", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=24, unique=True, default=new_visitor_id)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="visitors"
    )
    locale = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["contact", "last_seen_at"])]


class PageView(models.Model):
    """A page the contact (or a visitor who has not written yet) viewed with the messenger
    loaded (not recorded in privacy mode).

    ``visit`` numbers the visits: a new one starts after 30 minutes without a view. The same
    address again within a minute is one row whose ``count`` grows (reloads, floods).
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="page_views"
    )
    visitor = models.ForeignKey(
        Visitor, null=True, blank=True, on_delete=models.CASCADE, related_name="page_views"
    )
    widget = models.ForeignKey("widgets.Widget", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()
    visit = models.PositiveIntegerField(default=1)
    count = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["contact", "at"]),
            models.Index(fields=["visitor", "at"]),
        ]
        ordering = ["at", "id"]


class VerificationCode(models.Model):
    """A one-time code e-mailed to verify a contact's address (R-CONV-10).

    Only its hash is stored; it expires after 15 minutes and dies after 5 wrong attempts.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="verification_codes"
    )
    email = models.CharField(max_length=320)
    code_hash = models.CharField(max_length=128)
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    invalidated_at = models.DateTimeField(null=True, blank=True)


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    SELECT = "select", _("Choice")


class CustomField(models.Model):
    """An account-defined contact field (e.g. delivery address), validated by its type."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(max_length=50)
    label = models.CharField(max_length=100)
    type = models.CharField(max_length=8, choices=FieldType.choices, default=FieldType.TEXT)
    options = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = AccountScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="custom_field_key_unique")
        ]
        ordering = ["position", "key"]


class ContactNote(models.Model):
    """A note on a contact's profile (R-CONTACT-4), never shown to the contact."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        "accounts.Operator", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


def new_import_id() -> str:
    return new_public_id("imp")


class ImportState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


class ContactImport(models.Model):
    """One CSV import: its mapping, progress, report and what it changed (for undo)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    public_id = models.CharField(max_length=24, unique=True, default=new_import_id)
    created_by = models.ForeignKey(
        "accounts.Operator", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.ForeignKey(
        "files.StoredFile", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    mapping = models.JSONField(default=dict)
    on_duplicate = models.CharField(max_length=8, default="skip")  # skip | update
    state = models.CharField(max_length=8, choices=ImportState.choices, default=ImportState.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    refused_count = models.PositiveIntegerField(default=0)
    # Refused rows: [{"row": n, "field": "...", "message": "..."}] (no personal data copied).
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = AccountScopedManager()


class ImportChange(models.Model):
    """What an import did to one contact: created it, or the values it replaced."""

    contact_import = models.ForeignKey(
        ContactImport, on_delete=models.CASCADE, related_name="changes"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    created = models.BooleanField()
    previous = models.JSONField(default=dict, blank=True)


class BlockedMessage(models.Model):
    """What a blocked contact still sent: kept for audit (MC_KEEP_BLOCKED_MESSAGES), never
    routed, never shown in an inbox, erased with the contact."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="blocked_messages")
    connection = models.ForeignKey(
        "widgets.ChannelConnection", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    at = models.DateTimeField()
