"""The API's wire format: ninja schemas (they make the OpenAPI document) and the functions that
fill them from domain objects.

Timeline entries reuse ``conversations.events.entry_payload`` and conversation summaries
``conversations.events.summary``, so the REST API and the realtime events describe the same
thing with the same fields. The fill functions return plain JSON-ready dicts because an
idempotent POST stores its response body and replays it later.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import model_validator

from messagecenter.accounts.models import ApiToken
from messagecenter.conversations.events import summary
from messagecenter.conversations.models import Conversation

# --- errors -------------------------------------------------------------------------------


class Problem(Schema):
    """RFC 9457 problem details; ``code`` is the stable reason."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, Any]] | None = Field(
        None, description="Validation problems only: one item per invalid field."
    )


# --- shared rules -------------------------------------------------------------------------

# Text the services strip and then refuse when empty: it must hold one character that is not
# whitespace (as Python's ``str.strip`` sees it: \x1c-\x1f too) and not NUL (removed first).
NON_BLANK = r"[^\s\x00\x1c-\x1f]"
# The languages the product speaks (settings.LANGUAGES).
Language = Literal["de", "en"]
# A position in a list: "<microseconds since 1970>.<row id>" for lists newest first by a time,
# "<row id>" for lists by id. Every value of the pattern is a valid position (a row that does
# not exist still has a place in the order), so a well-formed cursor is never refused.
TIMED_CURSOR = r"^[0-9]{1,16}\.[0-9]{1,18}$"
ID_CURSOR = r"^[0-9]{1,18}$"


# --- pages --------------------------------------------------------------------------------


class PageQuery(Schema):
    """Every list pages by cursor: pass a page's ``next_cursor`` as ``cursor``."""

    cursor: str | None = Field(None, pattern=ID_CURSOR, description="A page's `next_cursor`.")
    limit: int = Field(25, ge=1, le=100)


class TimedPageQuery(Schema):
    cursor: str | None = Field(None, pattern=TIMED_CURSOR, description="A page's `next_cursor`.")
    limit: int = Field(25, ge=1, le=100)


# --- conversations ------------------------------------------------------------------------


class Topic(Schema):
    id: str
    name: str


class ConversationOut(Schema):
    id: str
    status: Literal["new", "open", "waiting", "ended"]
    is_live: bool
    subject: str
    assigned_operator: str | None
    assigned_group: str | None
    contact: str
    contact_name: str
    widget: str
    last_activity_at: datetime
    waiting_since: datetime | None
    last_seq: int = Field(description="Sequence number of the newest timeline entry.")


class ConversationDetail(ConversationOut):
    channel: str
    locale: str
    topic: Topic | None
    created_at: datetime
    ended_at: datetime | None


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class ListFilters(TimedPageQuery):
    status: Literal["new", "open", "waiting", "ended"] | None = None
    assigned: str | None = Field(
        None, description="`me`, `unassigned`, or an operator id.", max_length=24
    )
    contact: str | None = Field(
        None, description="A contact id: their conversations.", max_length=24
    )


# --- timeline -----------------------------------------------------------------------------


class EntryActor(Schema):
    kind: str
    id: str
    name: str


class FileOut(Schema):
    id: str
    name: str
    size: int = Field(description="Bytes.")
    content_type: str = Field(description="Sniffed from the content, not the sender's claim.")
    media_kind: str
    inline: bool = Field(False, description="Shown inside the HTML body (a mail's cid: image).")
    url: str = Field(description="Where the operator app downloads it (a signed-in session).")
    voice: bool = Field(False, description="A voice message (recorded, or a voice note).")
    duration_ms: int | None = Field(None, description="A voice message's length.")


class SkippedPartOut(Schema):
    filename: str
    size: int
    reason: str


class MailOut(Schema):
    quoted_text: str = Field(description="The quoted history and signature cut from the body.")
    remote_images_blocked: bool = Field(
        description="The HTML had remote images; they are kept as `data-mc-remote-src`."
    )
    skipped_attachments: list[SkippedPartOut] = Field(
        description="Parts not kept (over the upload limit)."
    )


class RevisionOut(Schema):
    body: str
    html: str
    written_at: datetime = Field(description="When this version was first shown.")
    replaced_at: datetime = Field(description="When the contact's edit replaced it.")


class MessageOut(Schema):
    author_kind: Literal["contact", "operator", "bot", "system"]
    body: str
    html: str
    channel: str
    client_info: dict[str, Any]
    delivery_state: str
    client_msg_id: str | None
    deleted: bool
    files: list[FileOut] = Field(default_factory=list)
    not_kept: list[SkippedPartOut] = Field(
        default_factory=list,
        description="Files the contact sent that could not be kept (over a limit, not "
        "fetched from the provider), with the reason.",
    )
    mail: MailOut | None = Field(None, description="Only for messages that came as e-mail.")
    edited_at: datetime | None = Field(
        None, description="The contact edited the message on their channel (Telegram)."
    )
    revisions: list[RevisionOut] = Field(
        default_factory=list, description="The earlier versions of an edited message, oldest first."
    )
    delete_error: str = Field(
        "", description="Deleting the message at the channel (Telegram) failed: why."
    )


class NoteOut(Schema):
    body: str
    html: str
    edited: bool
    deleted: bool
    mentions: list[str]


class EntryOut(Schema):
    seq: int
    kind: str
    at: datetime
    session: int
    actor: EntryActor
    data: dict[str, Any]
    message: MessageOut | None = None
    note: NoteOut | None = None


class TimelinePage(Schema):
    items: list[EntryOut]
    next_after: int = Field(description="Pass as `after` to continue.")
    has_more: bool


class TimelineQuery(Schema):
    after: int = Field(0, ge=0, description="Return entries with a sequence number above this.")
    limit: int = Field(100, ge=1, le=500)


# --- writes -------------------------------------------------------------------------------


class MessageIn(Schema):
    """A text, files, or both."""

    model_config = {
        "json_schema_extra": {
            "anyOf": [
                {"required": ["body"], "properties": {"body": {"pattern": NON_BLANK}}},
                {"required": ["files"], "properties": {"files": {"minItems": 1}}},
            ]
        }
    }

    body: str = Field("", max_length=20_000, description="May be empty when `files` are sent.")
    author: Literal["operator", "bot"] | None = Field(
        None,
        description="Who writes. Defaults to `operator` for personal tokens and `bot` for "
        "integration tokens; an integration can never write as an operator.",
    )
    files: list[Annotated[str, Field(max_length=24)]] = Field(
        default_factory=list,
        max_length=10,
        description="Ids of finished uploads (`POST /conversations/{id}/uploads`) that the "
        "message carries, in order; operators only.",
    )


class ConversationChanges(Schema):
    """Only the fields sent change; ``topic: null`` clears the topic."""

    subject: str = Field(None, max_length=200)  # type: ignore[assignment]
    topic: str | None = Field(None, max_length=24, description="A topic id, or null for none.")
    locale: Language = Field(None, description="The conversation's language.")  # type: ignore[assignment]


class TranscriptIn(Schema):
    to_contact: bool = Field(False, description="Send it to the contact's e-mail address.")
    recipients: list[Annotated[str, Field(max_length=320)]] = Field(
        default_factory=list, max_length=10, description="Further e-mail addresses."
    )


class ConversationStartIn(Schema):
    contact: str = Field(max_length=24)
    widget: str = Field(max_length=24, description="The widget whose messenger carries it.")
    body: str = Field(max_length=20_000, description="The first message, from you.")
    subject: str = Field("", max_length=200)


class UploadQuery(Schema):
    name: str = Field(min_length=1, max_length=255, description="The file's name.")


class UploadOut(Schema):
    id: str = Field(description="Name it in `files` of the message that sends it.")
    file: FileOut


class NoteIn(Schema):
    body: str = Field(min_length=1, max_length=20_000, pattern=NON_BLANK)


class CommandIn(Schema):
    text: str = Field(max_length=20_000, description="A chat command, e.g. `$status waiting`")


class CommandOut(Schema):
    command: str
    message: str


class CommandInfo(Schema):
    name: str
    usage: str
    help: str
    completes: str


class StatusIn(Schema):
    status: Literal["open", "waiting", "ended"]


class AssignIn(Schema):
    """Exactly one of: an operator id, a group id, or ``unassign: true``."""

    model_config = {
        "json_schema_extra": {
            "oneOf": [
                {"required": ["operator"]},
                {"required": ["group"]},
                {"required": ["unassign"], "properties": {"unassign": {"const": True}}},
            ]
        }
    }

    # Not nullable: leave a field out rather than sending null.
    operator: str = Field(None, max_length=24)  # type: ignore[assignment]
    group: str = Field(None, max_length=24)  # type: ignore[assignment]
    unassign: bool = False

    @model_validator(mode="after")
    def _exactly_one(self):
        chosen = [self.operator is not None, self.group is not None, self.unassign]
        if sum(chosen) != 1:
            raise ValueError("Give exactly one of operator, group or unassign: true.")
        return self


# --- tokens -------------------------------------------------------------------------------


class TokenOut(Schema):
    id: str
    kind: Literal["personal", "integration"]
    name: str
    prefix: str
    scopes: list[str]
    operator: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class Me(Schema):
    kind: Literal["operator", "token"]
    account: str
    operator: str | None
    name: str
    token: TokenOut


# --- filling ------------------------------------------------------------------------------


def conversation_out(conversation: Conversation) -> dict[str, Any]:
    return {
        **summary(conversation),
        "subject": conversation.subject,
        "contact_name": conversation.contact.name,
    }


def conversation_detail(conversation: Conversation) -> dict[str, Any]:
    topic = conversation.topic
    return {
        **conversation_out(conversation),
        "channel": conversation.connection.kind,
        "locale": conversation.locale,
        "topic": {"id": topic.public_id, "name": topic.name} if topic else None,
        "created_at": conversation.created_at.isoformat(),
        "ended_at": _iso(conversation.ended_at),
    }


def token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.public_id,
        "kind": token.kind,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": token.scopes,
        "operator": token.operator.public_id if token.operator else None,
        "created_at": token.created_at.isoformat(),
        "last_used_at": _iso(token.last_used_at),
        "revoked_at": _iso(token.revoked_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
