"""A Telegram connection's webhook and what becomes of each update.

``accept`` (the view's work, quick): find the connection by its public id, compare the
``X-Telegram-Bot-Api-Secret-Token`` header with the stored secret in constant time (fail
closed: no stored secret, no header or another value all refuse), and commit the update as it
came (``TelegramUpdate``, unique per ``update_id``: a redelivery is the same row). The job is
asked for after commit; the webhook answers 200 at once, so Telegram never waits on our work
and never redelivers for it.

``process`` (the job): the update's one object, by kind —

- ``message`` in a private chat: ``transport.parse`` (files downloaded) and
  ``conversations.inbound.receive``, idempotent on ``<chat id>:<message id>`` as well;
  ``/start <payload>`` with a genuine contact link (``links``) gives the sender's Telegram
  identity to that contact instead (and nothing is written to a conversation);
- ``edited_message``: ``conversations.revisions.record_contact_edit`` (a message we never got
  is stored as it reads now);
- group chats, channel posts, bots and every other kind: logged and left (Telegram gets its
  200, the chat gets no answer).

A failure worth retrying (the database, a file download) leaves the update pending; the
minute's ``sweep`` enqueues pending updates again, ``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from messagecenter.contacts import services as contacts
from messagecenter.conversations import inbound, revisions
from messagecenter.core import clock
from messagecenter.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from messagecenter.jobs.names import enqueue_on_commit
from messagecenter.transports import registry
from messagecenter.transports.telegram import config, links
from messagecenter.transports.telegram.api import ApiError
from messagecenter.transports.telegram.models import TelegramUpdate, UpdateOutcome
from messagecenter.transports.telegram.transport import NotTaken, message_key
from messagecenter.widgets.models import ChannelConnection, TransportKind

log = logging.getLogger(__name__)

JOB = "transports.telegram_update"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024
MAX_ATTEMPTS = 5
# A pending update younger than this still has its job on the way.
SWEEP_AFTER = timedelta(minutes=1)


class SecretRefused(DomainError):
    """HTTP 401: the header is missing or wrong (or the connection has no secret)."""

    code = "invalid_secret_token"
    http_status = 401


class TooLarge(DomainError):
    code = "too_large"
    http_status = 413


def accept(public_id: str, headers: Mapping[str, str], body: bytes) -> TelegramUpdate:
    connection = _connection(public_id)
    expected = config.webhook_secret(connection)
    given = headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        log.info("telegram %s: update refused (secret token %s)", public_id,
                 "missing" if not given else "wrong")  # fmt: skip
        raise SecretRefused(_("The secret token did not match."))
    if len(body) > MAX_BODY_BYTES:
        raise TooLarge(_("The update is too large."))
    try:
        update = json.loads(body)
    except ValueError:
        raise ValidationFailed(_("The body must be JSON."), field="body") from None
    update_id = update.get("update_id") if isinstance(update, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise ValidationFailed(_("An update needs its update_id."), field="update_id")
    return _store(connection, update_id, update)


def _store(connection, update_id: int, update: dict) -> TelegramUpdate:
    try:
        with transaction.atomic():
            row = TelegramUpdate.objects.create(
                connection=connection, update_id=update_id, payload=update, received_at=clock.now()
            )
            enqueue_on_commit(JOB, row.pk)
            return row
    except IntegrityError:
        # Telegram delivered it again (or twice at once): the first one's row decides.
        return TelegramUpdate.objects.get(connection=connection, update_id=update_id)


def _connection(public_id: str) -> ChannelConnection:
    connection = (
        ChannelConnection.objects.select_related("widget__account", "account")
        .filter(public_id=public_id, kind=TransportKind.TELEGRAM, is_active=True)
        .first()
    )
    if connection is None:
        raise NotFound(_("There is no such channel."))
    return connection


# --- the job ---------------------------------------------------------------------------------


def process(update_pk: int) -> str | None:
    """Handle one stored update (see the module docstring); its outcome, or None when it
    was done already."""
    row = (
        TelegramUpdate.objects.select_related("connection__account", "connection__widget")
        .filter(pk=update_pk, processed_at__isnull=True)
        .first()
    )
    if row is None:
        return None
    TelegramUpdate.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
    connection = row.connection
    try:
        outcome, reason = _handle(connection, row.payload)
    except ApiError as error:  # a file download to try again
        reason = error.reason
        if row.attempts + 1 < MAX_ATTEMPTS:
            TelegramUpdate.objects.filter(pk=row.pk).update(reason=reason[:300])
            log.info("telegram %s: update %s kept for another try (%s)",
                     connection.public_id, row.update_id, reason[:200])  # fmt: skip
            return UpdateOutcome.PENDING
        outcome = UpdateOutcome.FAILED
    TelegramUpdate.objects.filter(pk=row.pk).update(
        outcome=outcome, reason=reason[:300], processed_at=clock.now()
    )
    return outcome


def _handle(connection, update: dict) -> tuple[str, str]:
    transport = registry.require(TransportKind.TELEGRAM)
    if isinstance(update.get("message"), dict):
        return _message(connection, transport, update["message"])
    if isinstance(update.get("edited_message"), dict):
        return _edit(connection, transport, update["edited_message"])
    kinds = sorted(k for k in update if k != "update_id")
    log.info("telegram %s: update of kind %s left", connection.public_id, ",".join(kinds))
    return UpdateOutcome.IGNORED, ",".join(kinds)[:300]


def _message(connection, transport, message: dict) -> tuple[str, str]:
    text = str(message.get("text") or "")
    if text == "/start" or text.startswith("/start "):
        return _start(connection, message, text.removeprefix("/start").strip())
    try:
        parsed = transport.parse(connection, message)
    except NotTaken as error:
        return _not_taken(connection, error)
    try:
        received = inbound.receive(connection, parsed)
    except DomainError as error:  # a blocked contact, a text the domain refuses
        log.info("telegram %s: message refused (%s)", connection.public_id, error.message)
        return UpdateOutcome.REFUSED, str(error.message)
    return (UpdateOutcome.DUPLICATE if received.duplicate else UpdateOutcome.MESSAGE), ""


def _edit(connection, transport, message: dict) -> tuple[str, str]:
    try:
        parsed = transport.parse(connection, message)
    except NotTaken as error:
        return _not_taken(connection, error)
    edited = message.get("edit_date")
    at = datetime.fromtimestamp(edited, tz=UTC) if isinstance(edited, int) else None
    pid = message_key(message["chat"]["id"], message["message_id"])
    changed = revisions.record_contact_edit(connection, pid, parsed.body, edited_at=at)
    if changed is not None:
        return UpdateOutcome.EDITED, ""
    # The original never reached us: the message as it reads now.
    return _message(connection, transport, message)


def _start(connection, message: dict, payload: str) -> tuple[str, str]:
    """``/start`` opens the chat; with a contact link's payload it names the contact."""
    chat, sender = message.get("chat") or {}, message.get("from") or {}
    if chat.get("type") != "private" or not sender.get("id") or sender.get("is_bot"):
        return UpdateOutcome.IGNORED, "start outside a private chat"
    contact = links.read_start_payload(connection.account, payload) if payload else None
    if contact is None:
        return UpdateOutcome.IGNORED, "start" if not payload else "start with an unknown payload"
    user = str(sender["id"])
    holder = contacts.find_by_identity(connection.account, "telegram", user)
    if holder is not None:
        same = holder.pk == contact.pk
        return UpdateOutcome.IDENTIFIED if same else UpdateOutcome.IGNORED, (
            "" if same else "the Telegram user is another contact's already"
        )
    try:
        contacts.add_identity(contact, "telegram", user, verified_via="telegram_start")
    except Conflict:
        return UpdateOutcome.IGNORED, "the Telegram user is another contact's already"
    log.info("telegram %s: a start link identified contact %s", connection.public_id,
             contact.public_id)  # fmt: skip
    return UpdateOutcome.IDENTIFIED, ""


def _not_taken(connection, error: NotTaken) -> tuple[str, str]:
    log.info(
        "telegram %s: update not taken (%s)", connection.public_id, error.details.get("reason")
    )
    return UpdateOutcome.IGNORED, str(error.details.get("reason") or "")


def sweep() -> list[int]:
    """Every minute: updates still pending after their job should have run (a lost job, a
    download that failed), again."""
    due = TelegramUpdate.objects.filter(
        processed_at__isnull=True,
        received_at__lt=clock.now() - SWEEP_AFTER,
        attempts__lt=MAX_ATTEMPTS,
    ).values_list("pk", flat=True)[:500]
    pks = list(due)
    for pk in pks:
        enqueue_on_commit(JOB, pk)
    return pks
