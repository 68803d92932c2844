"""Conversations and their timeline.

Each conversation owns one gapless sequence (``last_seq``). Everything that happens in it —
a message, a note, a note edit, a deletion, a status change, an assignment, a routing
decision, a call event — is a ``TimelineEntry`` with the next number, its actor and its time.
A client that has seen N asks for everything after N and misses nothing.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from messagecenter.core.ids import new_public_id
from messagecenter.core.scoping import AccountScopedManager


def new_conversation_id() -> str:
    return new_public_id("cv")


def new_topic_id() -> str:
    return new_public_id("tp")


class Topic(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="topics")
    public_id = models.CharField(max_length=24, unique=True, default=new_topic_id)
    name = models.CharField(_("name"), max_length=100)

    objects = AccountScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="topic_name_unique")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting")
    ENDED = "ended", _("Ended")


# Not ENDED, spelled as the values: ``status IN (…)`` lets both databases search the inbox
# indexes (account, operator, status); ``status <> 'ended'`` made them scan every
# conversation of the account (160 ms for the shell's counts at 1M conversations).
ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)


class Conversation(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="conversations"
    )
    public_id = models.CharField(max_length=24, unique=True, default=new_conversation_id)
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="conversations"
    )
    widget = models.ForeignKey("widgets.Widget", on_delete=models.PROTECT, related_name="+")
    connection = models.ForeignKey(
        "widgets.ChannelConnection", on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NEW)
    # LIVE: holds a chat slot of the assigned operator (R-RULES Chat slots).
    is_live = models.BooleanField(default=False)
    assigned_operator = models.ForeignKey(
        "accounts.Operator",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    assigned_group = models.ForeignKey(
        "accounts.OperatorGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The operator who last served the contact here, for returning-contact routing.
    last_operator = models.ForeignKey(
        "accounts.Operator", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    locale = models.CharField(_("language"), max_length=8, blank=True)
    last_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()
    last_contact_activity_at = models.DateTimeField(null=True, blank=True)
    last_operator_message_at = models.DateTimeField(null=True, blank=True)
    first_operator_response_at = models.DateTimeField(null=True, blank=True)
    # When the contact last wrote while the team owed a reply: the inbox's "waiting since".
    waiting_since = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # When the status last changed: WAITING since then means no contact reply since then.
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Whether a bot or integration took part (R-ARCH-1 "chats with bots").
    had_bot = models.BooleanField(default=False)
    contact_message_count = models.PositiveIntegerField(default=0)
    # Rating and feedback given by the contact after a $rating request.
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    feedback = models.TextField(blank=True)
    rating_requested_at = models.DateTimeField(null=True, blank=True)
    # Transcript requests, carried out when the conversation ends ($send, $dispatch).
    transcript_to_contact = models.BooleanField(default=False)
    transcript_recipients = models.JSONField(default=list, blank=True)
    # The last timeline entry the contact's messenger reported as read, and the last operator
    # message the contact was e-mailed about (unread-message e-mails, R-CONTACT-2).
    contact_read_seq = models.PositiveIntegerField(default=0)
    contact_notified_seq = models.PositiveIntegerField(default=0)
    # The current session (R-RULES Sessions), kept on the conversation row so that a message
    # decides "same session or a new one" without reading the session table: its number, when
    # it last saw activity, and whether it is labelled LIVE. ``ConversationSession`` rows hold
    # the history (start, first seq, LIVE label).
    session_number = models.PositiveIntegerField(default=0)
    session_activity_at = models.DateTimeField(null=True, blank=True)
    session_live = models.BooleanField(default=False)

    objects = AccountScopedManager()

    class Meta:
        indexes = [
            models.Index(
                fields=["account", "-last_activity_at", "-id"], name="conv_account_recent"
            ),
            models.Index(fields=["account", "assigned_operator", "status"], name="conv_inbox"),
            models.Index(fields=["account", "status", "created_at"], name="conv_status_age"),
            models.Index(fields=["assigned_operator", "is_live"], name="conv_live_slots"),
        ]

    def __str__(self) -> str:
        return self.subject or self.public_id

    @property
    def is_active(self) -> bool:
        return self.status != Status.ENDED


class ConversationSession(models.Model):
    """A stretch of a conversation between silences longer than the widget timeout."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="sessions"
    )
    number = models.PositiveIntegerField()
    first_seq = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    # The last activity of a finished session; the current session's lives on the
    # conversation (``session_activity_at``) and is copied here when the next one starts.
    last_activity_at = models.DateTimeField()
    # LIVE label (R-CONV-9): the assigned operator and the contact were online together.
    was_live = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "number"], name="session_number_unique")
        ]
        ordering = ["number"]


class EntryKind(models.TextChoices):
    MESSAGE = "message"
    NOTE = "note"
    NOTE_EDITED = "note_edited"
    NOTE_DELETED = "note_deleted"
    MESSAGE_DELETED = "message_deleted"
    STATUS_CHANGED = "status_changed"
    ASSIGNED = "assigned"
    ROUTING_DECISION = "routing_decision"
    LIVE_CHANGED = "live_changed"
    UPDATED = "updated"
    CALL = "call"
    COMMAND = "command"
    RATING = "rating"
    VERIFICATION = "verification"
    TRANSCRIPT = "transcript"
    PUSH = "push"
    # The contact was blocked or unblocked from this conversation ($block, $unblock).
    BLOCKED = "blocked"


class TimelineEntry(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="timeline"
    )
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    actor_kind = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=24, blank=True)
    actor_name = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()
    session_number = models.PositiveIntegerField(default=1)
    # Small, id-only facts about non-message entries (old/new status, routing candidates…).
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="timeline_seq_unique")
        ]
        ordering = ["seq"]


class AuthorKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    OPERATOR = "operator", _("Operator")
    BOT = "bot", _("Bot")
    SYSTEM = "system", _("System")


class DeliveryState(models.TextChoices):
    NONE = "none", _("Not applicable")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    entry = models.OneToOneField(
        TimelineEntry, on_delete=models.CASCADE, primary_key=True, related_name="message"
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author_kind = models.CharField(max_length=16, choices=AuthorKind.choices)
    author_operator = models.ForeignKey(
        "accounts.Operator", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(blank=True)
    # Sanitised HTML rendered once on the server; every client shows the same thing.
    html = models.TextField(blank=True)
    format = models.CharField(max_length=16, default="markdown")
    connection = models.ForeignKey(
        "widgets.ChannelConnection", on_delete=models.PROTECT, related_name="+"
    )
    # Browser / OS / device class of the contact's messenger (R-CONV-8).
    client_info = models.JSONField(default=dict, blank=True)
    delivery_state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.NONE
    )
    # Why the delivery failed (the transport's reason), shown with the message's Retry action.
    delivery_error = models.CharField(max_length=500, blank=True)
    # A client's own id for a send, so a retried send creates exactly one message.
    client_msg_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (NULL is outside the unique key)
    # A provider's message id, so a redelivered inbound webhook creates exactly one message.
    provider_message_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    # The provider's thread this message belongs to (an e-mail thread, a chat id): the next
    # inbound message of the thread continues this conversation (``conversations.inbound``).
    thread_key = models.CharField(max_length=200, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by_id = models.CharField(max_length=24, blank=True)
    # The contact edited it on their channel (Telegram): the earlier versions are its
    # ``revisions``; ``body``/``html`` are the current one.
    edited_at = models.DateTimeField(null=True, blank=True)
    # Deleting it at the provider (Telegram's deleteMessage) failed: why, shown on the message.
    provider_delete_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_msg_id"],
                condition=models.Q(client_msg_id__isnull=False),
                name="message_client_id_unique",
            ),
            models.UniqueConstraint(
                fields=["account", "connection", "provider_message_id"],
                condition=models.Q(provider_message_id__isnull=False),
                name="message_provider_id_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["connection", "thread_key"],
                condition=~models.Q(thread_key=""),
                name="message_thread",
            )
        ]


class MessageRevision(models.Model):
    """An earlier version of a contact's message they edited on their channel: what it said
    until ``replaced_at`` (``services.record_contact_edit``)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    # When this version was first shown: the message's time, or the previous edit's.
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField()

    class Meta:
        ordering = ["replaced_at", "pk"]


class MessageAttachment(models.Model):
    """A file a contact's message carried (WhatsApp, Telegram, SMS, custom channels), in the
    order sent. A part that could not be kept (over a limit) has no file, only its name, size
    and the reason, so the operator sees what is missing. (A mail's parts have their own
    table beside their mail details: ``transports.email``.)"""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey(
        "files.StoredFile", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveSmallIntegerField()
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    not_kept_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "position"], name="message_attachment_position_unique"
            )
        ]


class Note(models.Model):
    """An internal note: never shown to the contact."""

    entry = models.OneToOneField(
        TimelineEntry, on_delete=models.CASCADE, primary_key=True, related_name="note"
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        "accounts.Operator", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    html = models.TextField()
    mentions = models.JSONField(default=list, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)


class OutboundState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class OutboundDelivery(models.Model):
    """One message on its way out through a transport that delivers by request (e-mail,
    custom, WhatsApp…): a row before it is a request (``conversations.delivery``).

    Written in the message's transaction (``queued``); the delivery job claims it with a
    compare-and-set (``queued`` → ``sending``, ``attempts`` + 1, a lease), calls the transport
    and records the attempt. ``idempotency_key`` never changes, so a re-send after a crash
    carries the same key (the provider's idempotency header, our Message-ID) and the duplicate
    can be dropped. The message's ``delivery_state`` follows this row's state.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="delivery")
    connection = models.ForeignKey(
        "widgets.ChannelConnection", on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(
        max_length=16, choices=OutboundState.choices, default=OutboundState.QUEUED
    )
    # Every claim, ever (the attempt log's numbers); ``retried_at_attempt`` is where the
    # operator's last Retry started a fresh budget of ``MC_DELIVERY_MAX_ATTEMPTS``.
    attempts = models.PositiveSmallIntegerField(default=0)
    retried_at_attempt = models.PositiveSmallIntegerField(default=0)
    # Sends cut short by a crash (claimed, never recorded); re-sent at most once.
    interruptions = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # While ``sending``: after this the claim is stale (the worker died) and the sweep acts.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.state})"


class AttemptOutcome(models.TextChoices):
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRY = "retry", _("Failed, will retry")
    FAILED = "failed", _("Failed")
    INTERRUPTED = "interrupted", _("Interrupted")


class DeliveryAttempt(models.Model):
    """The log of a delivery: one row per call of the transport (written at the claim, so an
    attempt a crash cut short is visible as ``interrupted``)."""

    delivery = models.ForeignKey(
        OutboundDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=12, choices=AttemptOutcome.choices, default=AttemptOutcome.SENDING
    )
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_unique")
        ]
        ordering = ["number"]
