"""Conversation endpoints. Each parses input, fetches through the account scope, calls one
domain service and renders the result: the rules (who may reply, status transitions, who
may write notes) live in the services, and their refusals become problems.

(No ``from __future__ import annotations`` here: ninja reads these signatures at import time,
and the idempotency wrapper would resolve string annotations in the wrong module.)
"""

from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from messagecenter.accounts.models import Operator, OperatorGroup
from messagecenter.api import limits, queries, uploading
from messagecenter.api.auth import READ, WRITE
from messagecenter.api.idempotency import idempotent
from messagecenter.api.schemas import (
    AssignIn,
    CommandIn,
    CommandInfo,
    CommandOut,
    ConversationChanges,
    ConversationDetail,
    ConversationPage,
    ConversationStartIn,
    EntryOut,
    ListFilters,
    MessageIn,
    NoteIn,
    Problem,
    StatusIn,
    TimelinePage,
    TimelineQuery,
    TranscriptIn,
    UploadOut,
    UploadQuery,
    conversation_detail,
    conversation_out,
)
from messagecenter.contacts.models import Contact
from messagecenter.conversations import commands, delivery, extras, notes, services, transcripts
from messagecenter.conversations.commands import catalogue
from messagecenter.conversations.events import entry_payload, entry_payloads
from messagecenter.conversations.models import Conversation, Topic
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.files.http import file_response
from messagecenter.widgets.models import Widget

router = Router(tags=["conversations"])

READ_ERRORS = {code: Problem for code in (401, 403, 404, 422)}
WRITE_ERRORS = {code: Problem for code in (400, 401, 403, 404, 409, 422)}
UPLOAD_BODY = {"type": "string", "format": "binary"}


@router.get("/conversations", response={200: ConversationPage, **READ_ERRORS}, auth=READ)
def list_conversations(request, filters: Query[ListFilters]):
    """The account's conversations, newest activity first, one page at a time."""
    rows, next_cursor = queries.conversation_page(request.auth, **filters.dict())
    return {"items": [conversation_out(row) for row in rows], "next_cursor": next_cursor}


@router.get(
    "/conversations/{conversation_id}",
    response={200: ConversationDetail, **READ_ERRORS},
    auth=READ,
)
def get_conversation(request, conversation_id: str):
    return conversation_detail(_conversation(request, conversation_id))


@router.get(
    "/conversations/{conversation_id}/timeline",
    response={200: TimelinePage, **READ_ERRORS},
    auth=READ,
)
def get_timeline(request, conversation_id: str, query: Query[TimelineQuery]):
    """Everything after ``after`` in order — messages, notes, status changes, assignments."""
    conversation = _conversation(request, conversation_id)
    entries, has_more = queries.timeline_page(conversation, after=query.after, limit=query.limit)
    return {
        "items": entry_payloads(list(entries)),
        "next_after": entries[-1].seq if entries else query.after,
        "has_more": has_more,
    }


@router.post(
    "/conversations/{conversation_id}/messages",
    response={201: EntryOut, **WRITE_ERRORS},
    auth=WRITE,
)
@idempotent
def post_message(request, conversation_id: str, payload: MessageIn):
    """A personal token replies as its operator (who must be assigned), with files uploaded
    before (``files``); an integration token posts a bot message (text only)."""
    conversation = _conversation(request, conversation_id)
    actor: Actor = request.auth
    author = payload.author or ("operator" if actor.operator else "bot")
    if author == "operator" and actor.operator is None:
        # Stated here because "only an operator can do this" would not tell an integration
        # developer what to do instead.
        raise PermissionDenied(
            _("An integration token cannot write as an operator; it posts bot messages."),
            code="cannot_impersonate_operator",
        )
    if author == "operator":
        entry = services.post_operator_message(
            conversation, payload.body, actor=actor, uploads=payload.files
        )
    elif payload.files:
        raise ValidationFailed(
            _("Bot messages carry text only; files are sent by operators."),
            code="bot_files_unsupported",
            field="files",
        )
    else:
        entry = services.post_bot_message(conversation, payload.body, actor=actor)
    return Status(201, entry_payload(entry))


@router.post(
    "/conversations/{conversation_id}/uploads",
    url_name=limits.streamed_body("api_upload"),
    response={201: UploadOut, **WRITE_ERRORS, 411: Problem},
    auth=WRITE,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file's bytes, streamed to storage (up to MC_MAX_UPLOAD_MB and "
            "what the conversation's channel takes). Send its Content-Length.",
            "content": {"application/octet-stream": {"schema": UPLOAD_BODY}},
        }
    },
)
@idempotent
def upload_file(request, conversation_id: str, query: Query[UploadQuery]):
    """Upload a file for a reply: it is checked against the conversation's channel (type,
    size) at once; name its ``id`` in ``files`` of the message that sends it."""
    conversation = _conversation(request, conversation_id)
    done = uploading.upload_whole(conversation, query.name, request, actor=request.auth)
    return Status(201, done)


@router.post(
    "/conversations",
    response={201: ConversationDetail, **WRITE_ERRORS},
    auth=WRITE,
)
@idempotent
def start_conversation(request, payload: ConversationStartIn):
    """Start a conversation with a contact on a widget's messenger, assigned to you, with
    your first message (operators only, as from a contact's profile)."""
    actor: Actor = request.auth
    contact = get_scoped(Contact, actor.account, payload.contact)
    widget = get_scoped(Widget, actor.account, payload.widget)
    conversation = services.start_conversation_by_operator(
        contact, widget, payload.body, actor=actor, subject=payload.subject.strip()
    )
    return Status(201, conversation_detail(conversation))


@router.patch(
    "/conversations/{conversation_id}",
    response={200: ConversationDetail, **WRITE_ERRORS},
    auth=WRITE,
)
def change_conversation(request, conversation_id: str, payload: ConversationChanges):
    """Change the subject, the topic and/or the language; all or nothing."""
    conversation = _conversation(request, conversation_id)
    sent = payload.model_fields_set
    actor: Actor = request.auth
    # One request, one outcome: a refused language leaves the subject as it was.
    with transaction.atomic():
        if "subject" in sent:
            conversation = services.set_subject(conversation, payload.subject or "", actor=actor)
        if "topic" in sent:
            conversation = services.set_topic(
                conversation, _topic(actor, payload.topic), actor=actor
            )
        if "locale" in sent:
            locale = payload.locale or ""
            conversation = services.set_locale(conversation, locale, actor=actor)
    return conversation_detail(conversation)


@router.post(
    "/conversations/{conversation_id}/transcript",
    response={200: ConversationDetail, **WRITE_ERRORS},
    auth=WRITE,
)
@idempotent
def request_transcript(request, conversation_id: str, payload: TranscriptIn):
    """Send the transcript by e-mail when the conversation ends (at once if it has)."""
    conversation = _conversation(request, conversation_id)
    conversation = transcripts.request_transcript(
        conversation,
        actor=request.auth,
        to_contact=payload.to_contact,
        recipients=payload.recipients,
    )
    return Status(200, conversation_detail(conversation))


@router.delete(
    "/conversations/{conversation_id}/messages/{seq}",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=WRITE,
)
def delete_message(request, conversation_id: str, seq: int):
    """Withdraw a message sent to the contact; answers the ``message_deleted`` entry."""
    conversation = _conversation(request, conversation_id)
    return entry_payload(services.delete_message(conversation, seq, actor=request.auth))


@router.get(
    "/conversations/{conversation_id}/files/{file_id}",
    response={200: None, **READ_ERRORS},
    auth=READ,
    openapi_extra={
        "responses": {200: {"description": "The file's bytes, as a download, with its type."}}
    },
)
def get_file(request, conversation_id: str, file_id: str):
    """A file a message of the conversation carries (``message.files[].id``: a mail's
    attachment), with its sniffed content type."""
    conversation = _conversation(request, conversation_id)
    stored = extras.conversation_file(conversation, file_id)
    if stored is None:
        raise NotFound(_("Not found."))
    return file_response(stored, request=request)  # streamed under ASGI (files.http)


@router.post(
    "/conversations/{conversation_id}/messages/{seq}/retry",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=WRITE,
)
@idempotent
def retry_delivery(request, conversation_id: str, seq: int):
    """Send a failed message again through its channel; answers the message's entry
    (``delivery_state`` back to ``queued``)."""
    conversation = _conversation(request, conversation_id)
    return entry_payload(delivery.retry(conversation, seq, actor=request.auth))


@router.post(
    "/conversations/{conversation_id}/notes",
    response={201: EntryOut, **WRITE_ERRORS},
    auth=WRITE,
)
@idempotent
def add_note(request, conversation_id: str, payload: NoteIn):
    """An internal note (operators only: a personal token)."""
    conversation = _conversation(request, conversation_id)
    return Status(
        201, entry_payload(notes.add_note(conversation, payload.body, actor=request.auth))
    )


@router.patch(
    "/conversations/{conversation_id}/notes/{seq}",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=WRITE,
)
def edit_note(request, conversation_id: str, seq: int, payload: NoteIn):
    """Edit a note; answers the ``note_edited`` entry."""
    conversation = _conversation(request, conversation_id)
    return entry_payload(notes.edit_note(conversation, seq, payload.body, actor=request.auth))


@router.delete(
    "/conversations/{conversation_id}/notes/{seq}",
    response={200: EntryOut, **WRITE_ERRORS},
    auth=WRITE,
)
def delete_note(request, conversation_id: str, seq: int):
    """Delete a note's text for good; answers the ``note_deleted`` entry."""
    conversation = _conversation(request, conversation_id)
    return entry_payload(notes.delete_note(conversation, seq, actor=request.auth))


@router.post(
    "/conversations/{conversation_id}/status",
    response={200: ConversationDetail, **WRITE_ERRORS},
    auth=WRITE,
)
@idempotent
def set_status(request, conversation_id: str, payload: StatusIn):
    conversation = _conversation(request, conversation_id)
    conversation = services.set_status(conversation, payload.status, actor=request.auth)
    return Status(200, conversation_detail(conversation))


@router.post(
    "/conversations/{conversation_id}/end",
    response={200: ConversationDetail, **WRITE_ERRORS},
    auth=WRITE,
)
@idempotent
def end_conversation(request, conversation_id: str):
    conversation = _conversation(request, conversation_id)
    conversation = services.end_conversation(conversation, actor=request.auth)
    return Status(200, conversation_detail(conversation))


@router.post(
    "/conversations/{conversation_id}/assign",
    response={200: ConversationDetail, **WRITE_ERRORS},
    auth=WRITE,
)
@idempotent
def assign(request, conversation_id: str, payload: AssignIn):
    """Assign to an operator, hand to a group (routed from there), or unassign."""
    conversation = _conversation(request, conversation_id)
    return Status(200, conversation_detail(_assign(request.auth, conversation, payload)))


@router.get("/commands", response={200: list[CommandInfo], **READ_ERRORS}, auth=READ)
def list_commands(request):
    """The chat commands (R-CMD) with usage and help, in the caller's language."""
    return catalogue()


@router.post(
    "/conversations/{conversation_id}/commands",
    response={200: CommandOut, **WRITE_ERRORS},
    auth=WRITE,
)
@idempotent
def run_command(request, conversation_id: str, payload: CommandIn):
    """Run a chat command (`$topic Billing`, `$forward group Sales`, `![macro]`) exactly as
    the composer does; a failed precondition is a problem with the reason."""
    conversation = _conversation(request, conversation_id)
    result = commands.run_command(conversation, payload.text, actor=request.auth)
    return Status(200, {"command": result.command, "message": result.message})


def _assign(actor: Actor, conversation: Conversation, payload: AssignIn) -> Conversation:
    if payload.operator is not None:
        operator = get_scoped(Operator, actor.account, payload.operator)
        return services.assign_operator(conversation, operator, actor=actor)
    if payload.group is not None:
        group = get_scoped(OperatorGroup, actor.account, payload.group)
        return services.assign_group(conversation, group, actor=actor)
    return services.unassign(conversation, actor=actor)


def _topic(actor: Actor, topic_id: str | None) -> Topic | None:
    return get_scoped(Topic, actor.account, topic_id) if topic_id else None


def _conversation(request, conversation_id: str) -> Conversation:
    return get_scoped(Conversation, request.auth.account, conversation_id)
