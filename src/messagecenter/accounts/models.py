"""Accounts, operators, groups, API tokens, presence connections and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from messagecenter.core.ids import new_public_id
from messagecenter.core.scoping import AccountScopedManager, AccountScopedQuerySet


def new_account_id() -> str:
    return new_public_id("acc")


def new_operator_id() -> str:
    return new_public_id("op")


def new_group_id() -> str:
    return new_public_id("grp")


def new_token_id() -> str:
    return new_public_id("tok")


class Account(models.Model):
    """One company. Every other row belongs to exactly one account."""

    public_id = models.CharField(max_length=24, unique=True, default=new_account_id)
    name = models.CharField(max_length=200)
    # Whether operators may change their own maximum of chat slots (R-OP-2).
    operators_set_own_slots = models.BooleanField(default=False)
    # IANA name; times in e-mails to contacts whose own time zone is unknown (transcripts).
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    OPERATOR = "operator", _("Operator")


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")


class OperatorManager(BaseUserManager.from_queryset(AccountScopedQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class Operator(AbstractBaseUser):
    """A support agent; the login user of the Message Center."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="operators")
    public_id = models.CharField(max_length=24, unique=True, default=new_operator_id)
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail"), unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OPERATOR)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    max_slots = models.PositiveSmallIntegerField(_("chat slots"), default=3)
    # A brand-new operator starts Away (R-OP-1): nobody gets live chats routed by surprise.
    presence = models.CharField(max_length=8, choices=Presence.choices, default=Presence.AWAY)
    # Set when the last app tab closed; available until it plus the grace period.
    disconnected_at = models.DateTimeField(null=True, blank=True)
    # Routing fairness: among equals, the one who waited longest since an assignment wins.
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    groups = models.ManyToManyField("OperatorGroup", related_name="members", blank=True)
    is_active = models.BooleanField(default=True)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_enabled = models.BooleanField(default=False)
    # The last accepted 30-second step: a code (or an older step) never signs in twice.
    totp_last_step = models.BigIntegerField(null=True, blank=True)
    mute_all = models.BooleanField(default=False)
    preferences = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    objects = OperatorManager()

    class Meta:
        indexes = [models.Index(fields=["account", "presence"])]
        constraints = [
            # Logins are case-insensitive, so e-mails must be unique regardless of case.
            models.UniqueConstraint(Lower("email"), name="operator_email_ci_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff(self) -> bool:  # Django's admin and some views ask for it.
        return False


class OperatorGroup(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="groups")
    public_id = models.CharField(max_length=24, unique=True, default=new_group_id)
    name = models.CharField(max_length=100)

    objects = AccountScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="group_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class OperatorConnection(models.Model):
    """One open app tab of an operator (a WebSocket). Available = Online and ≥1 connection."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    operator = models.ForeignKey(Operator, on_delete=models.CASCADE, related_name="connections")
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app, stored as a SHA-256 hash.

    Ten are made when two-factor sign-in is turned on (or regenerated) and shown once.
    """

    operator = models.ForeignKey(Operator, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["operator", "code_hash"], name="recovery_code_unique")
        ]


class TokenKind(models.TextChoices):
    PERSONAL = "personal", _("Personal (acts as its operator)")
    INTEGRATION = "integration", _("Integration (acts as a bot)")


class ApiToken(models.Model):
    """A REST API token, shown once and stored as a SHA-256 hash."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_tokens")
    public_id = models.CharField(max_length=24, unique=True, default=new_token_id)
    kind = models.CharField(max_length=16, choices=TokenKind.choices)
    operator = models.ForeignKey(
        Operator, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    # The first characters of the token, shown in lists so people can tell tokens apart.
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccountScopedManager()

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditEntry(models.Model):
    """Who did what, written in the same transaction as the change.

    Rows hold ids and counts, never copies of personal data, so a GDPR erasure does not have
    to rewrite history and the trail survives it.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="audit_entries")
    at = models.DateTimeField(db_index=True)
    actor_kind = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=24, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32)
    target_id = models.CharField(max_length=24)
    data = models.JSONField(default=dict, blank=True)

    objects = AccountScopedManager()

    class Meta:
        indexes = [models.Index(fields=["account", "target_type", "target_id"])]
        ordering = ["at", "id"]


class LoginAttempt(models.Model):
    """Failed logins per e-mail and per client address, for throttling."""

    key = models.CharField(max_length=200, db_index=True)
    at = models.DateTimeField(db_index=True)


class IdempotencyRecord(models.Model):
    """A POST's stored result under its ``Idempotency-Key`` (unique per caller and key)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    caller = models.CharField(max_length=24)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "caller", "key"], name="idempotency_key_unique"
            )
        ]
