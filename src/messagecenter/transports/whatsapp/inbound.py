"""A WhatsApp connection's webhook and what becomes of each item in it.

``verify`` (GET, Meta's set-up handshake): ``hub.mode=subscribe`` and ``hub.verify_token``
equal to the connection's (constant time) answer ``hub.challenge``; anything else is 403.

``accept`` (POST, the view's work, quick): find the connection by its public id, check
``X-Hub-Signature-256`` — HMAC-SHA256 of the raw body with the app secret, compared in
constant time; no stored secret, no header or another value all refuse (403) — and commit the
body as it came (``WhatsAppDelivery``, unique per body digest: Meta's redelivery of the same
bytes is the same row). The job is asked for after commit; the webhook answers 200 at once.

``process`` (the job) walks EVERY element: each ``entry[]``, each of its ``changes[]``, and
in each change's ``value`` each ``messages[]``, ``statuses[]``, ``message_echoes[]`` and
``user_preferences[]`` item:

- a contact's message: ``transport.parse`` (media downloaded) and
  ``conversations.inbound.receive``, exactly once per wamid; the sender's contact is resolved
  by their user id (``whatsapp.identities``). A ``reaction`` is kept on the message it names
  (``whatsapp.reactions``), no message of its own. ``edit`` and ``revoke`` change the message they
  name (``conversations.revisions``: the earlier text is kept); ``system`` messages
  (``user_changed_user_id``, ``user_changed_number``) update the contact's identity and leave
  a line in their latest conversation; a group's messages are refused politely (logged, no
  answer);
- a status (sent, delivered, read, played, failed): ``conversations.delivery.record_status``
  on the message we sent with that wamid, once per (wamid, status) (``WhatsAppEvent``); states
  only move forward, ``failed`` carries WhatsApp's error. A status of a message whose send is
  not recorded yet (the webhook overtook our own request's answer) waits: the delivery stays
  pending and the sweep tries again;
- an echo of the business's own message from the WhatsApp Business app: an operator-side
  message marked as sent from the app (``services.record_sent_elsewhere``);
- a marketing preference (stop / resume): the contact's marketing consent
  (``contacts.consent``, source ``whatsapp_preferences``);
- every other field (account and template updates, calls…): left, counted in the reason.

A failure worth retrying (the database, a media download) leaves the delivery pending; the
minute's ``sweep`` enqueues pending deliveries again, ``MAX_ATTEMPTS`` times. Items already
handled are not handled twice on the next try (each kind is idempotent, see above).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from messagecenter.contacts import consent
from messagecenter.contacts import services as contacts
from messagecenter.contacts.identities import normalise
from messagecenter.conversations import contact_entries, inbound, revisions, services
from messagecenter.conversations import delivery as deliveries
from messagecenter.conversations.models import Conversation, Message, OutboundDelivery
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from messagecenter.jobs.names import enqueue_on_commit
from messagecenter.transports import registry
from messagecenter.transports.whatsapp import config, identities, reactions
from messagecenter.transports.whatsapp.api import ApiError, describe
from messagecenter.transports.whatsapp.models import Outcome, WhatsAppDelivery, WhatsAppEvent
from messagecenter.transports.whatsapp.transport import NotTaken, Sender, body_of, obj, sender
from messagecenter.widgets.models import ChannelConnection, TransportKind

log = logging.getLogger(__name__)

JOB = "transports.whatsapp_webhook"
HEADER = "X-Hub-Signature-256"
MAX_BODY_BYTES = 3 * 1024 * 1024
MAX_ATTEMPTS = 5
SWEEP_AFTER_SECONDS = 60
# Stored untranslated (a message outlives a request's language).
REVOKED = gettext_noop("(The contact deleted this message on WhatsApp.)")
BUSINESS_APP = "WhatsApp Business app"
STATES = {"sent": "sent", "delivered": "delivered", "read": "read", "played": "read",
          "failed": "failed"}  # fmt: skip
PREFERENCES = {"stop": False, "resume": True, "signup": True}


class SignatureRefused(DomainError):
    """HTTP 403: the signature is missing or wrong (or the connection has no app secret)."""

    code = "invalid_signature"
    http_status = 403


class TooLarge(DomainError):
    code = "too_large"
    http_status = 413


class _Retry(Exception):
    """An item to try again later (a status whose message is not recorded as sent yet)."""


# --- the webhook -----------------------------------------------------------------------------


def verify(public_id: str, params: Mapping[str, str]) -> str:
    """Meta's verification request: the challenge, when the verify token is ours."""
    connection = _connection(public_id)
    expected = config.verify_token(connection)
    given = str(params.get("hub.verify_token") or "")
    matches = bool(expected) and hmac.compare_digest(expected.encode(), given.encode())
    if params.get("hub.mode") != "subscribe" or not matches:
        log.info("whatsapp %s: verification refused", public_id)
        raise SignatureRefused(_("The verify token did not match."))
    return str(params.get("hub.challenge") or "")


def accept(public_id: str, headers: Mapping[str, str], body: bytes) -> WhatsAppDelivery:
    connection = _connection(public_id)
    if not signed(config.app_secret(connection), body, headers.get(HEADER) or ""):
        log.info("whatsapp %s: webhook refused (signature %s)", public_id,
                 "missing" if not headers.get(HEADER) else "wrong")  # fmt: skip
        raise SignatureRefused(_("The signature did not match."))
    if len(body) > MAX_BODY_BYTES:
        raise TooLarge(_("The webhook is too large."))
    try:
        payload = json.loads(body)
    except ValueError:
        raise ValidationFailed(_("The body must be JSON."), field="body") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise ValidationFailed(_("A webhook needs its entry list."), field="entry")
    return _store(connection, hashlib.sha256(body).hexdigest(), payload)


def signed(secret: str, body: bytes, header: str) -> bool:
    """``sha256=<hex HMAC-SHA256 of the raw body>`` with the app secret; fails closed."""
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def _store(connection, digest: str, payload: dict) -> WhatsAppDelivery:
    try:
        with transaction.atomic():
            row = WhatsAppDelivery.objects.create(
                connection=connection, digest=digest, payload=payload, received_at=clock.now()
            )
            enqueue_on_commit(JOB, row.pk)
            return row
    except IntegrityError:
        # Meta delivered it again (or twice at once): the first one's row decides.
        return WhatsAppDelivery.objects.get(connection=connection, digest=digest)


def _connection(public_id: str) -> ChannelConnection:
    connection = (
        ChannelConnection.objects.select_related("widget__account", "account")
        .filter(public_id=public_id, kind=TransportKind.WHATSAPP, is_active=True)
        .first()
    )
    if connection is None:
        raise NotFound(_("There is no such channel."))
    return connection


# --- the job ---------------------------------------------------------------------------------


def process(delivery_pk: int) -> str | None:
    """Handle one stored webhook (see the module docstring); its outcome, or None when it was
    done already."""
    row = (
        WhatsAppDelivery.objects.select_related("connection__account", "connection__widget")
        .filter(pk=delivery_pk, processed_at__isnull=True)
        .first()
    )
    if row is None:
        return None
    attempts = row.attempts + 1
    WhatsAppDelivery.objects.filter(pk=row.pk).update(attempts=attempts)
    counts: Counter[str] = Counter()
    waiting = failure = ""
    targets: dict[str, Any] = {}  # phone number id -> its connection, looked up once
    for number, handle in items(row.payload):
        if number not in targets:
            targets[number] = _number_of(row.connection, number)
        target = targets[number]
        try:
            counts[_left(target, f"number {number}") if isinstance(target, _Elsewhere)
                   else handle(target)] += 1  # fmt: skip
        except _Retry as wait:
            waiting = str(wait)
        except ApiError as error:  # a media download to try again
            failure = error.reason
        except DomainError as error:  # refused by the domain (an empty echo, a consent…)
            log.info("whatsapp %s: item refused (%s)", row.connection.public_id, error.message)
            counts["refused"] += 1
    reason = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
    if (waiting or failure) and attempts < MAX_ATTEMPTS:
        WhatsAppDelivery.objects.filter(pk=row.pk).update(reason=(failure or waiting)[:300])
        log.info("whatsapp %s: webhook %s kept for another try (%s)",
                 row.connection.public_id, row.pk, (failure or waiting)[:200])  # fmt: skip
        return Outcome.PENDING
    outcome = Outcome.FAILED if failure else _outcome(counts)
    WhatsAppDelivery.objects.filter(pk=row.pk).update(
        outcome=outcome, reason=(failure or waiting or reason)[:300], processed_at=clock.now()
    )
    return outcome


def _outcome(counts: Counter[str]) -> str:
    return Outcome.DONE if set(counts) - {"ignored"} else Outcome.IGNORED


def items(payload: dict) -> Iterator[tuple[str, Any]]:
    """Every item of every change of every entry, each with the phone number id it is for
    and the function that handles it (given the connection, it answers what it did:
    "message", "duplicate", "status"…)."""
    for entry in _list(payload.get("entry")):
        for change in _list(entry.get("changes")):
            value = obj(change.get("value"))
            field = str(change.get("field") or "")
            number = str(obj(value.get("metadata")).get("phone_number_id") or "")
            for handle in _items_of(field, value):
                yield number, handle


def _items_of(field: str, value: dict) -> Iterator[Any]:
    if field == "messages":
        for message in _list(value.get("messages")):
            yield lambda c, m=message: handle_message(c, value, m)
        for status in _list(value.get("statuses")):
            yield lambda c, s=status: handle_status(c, s)
    elif field == "smb_message_echoes":
        for echo in _list(value.get("message_echoes")):
            yield lambda c, e=echo: handle_echo(c, value, e)
    elif field == "user_preferences":
        for preference in _list(value.get("user_preferences")):
            yield lambda c, p=preference: handle_preference(c, value, p)
    elif field == "message_template_status_update":
        from messagecenter.transports.whatsapp import templates

        yield lambda c: templates.apply_status_update(c, value)
    else:
        yield lambda c: _left(c, field)


def _number_of(connection, number: str):
    """The connection a change is for. Meta posts the webhooks of every number of an app to
    the one callback URL the app has, so a change may name another of the account's
    numbers (signed with the same app secret): it is that connection's. A number no
    connection of the account has is left."""
    if not number or number == config.phone_number_id(connection):
        return connection
    other = (
        ChannelConnection.objects.select_related("widget__account", "account")
        .filter(account_id=connection.account_id, kind=TransportKind.WHATSAPP, is_active=True,
                config__phone_number_id=number)
        .first()
    )  # fmt: skip
    if other is not None and config.app_secret(other) == config.app_secret(connection):
        return other
    return _Elsewhere(connection, number)


class _Elsewhere:
    """A change for a number we do not serve: every handler is skipped for it."""

    def __init__(self, connection, number: str):
        self.public_id, self.number = connection.public_id, number


def _list(value: Any) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _left(connection, field: str) -> str:
    log.info("whatsapp %s: webhook field %s left", connection.public_id, field[:50])
    return "ignored"


# --- messages --------------------------------------------------------------------------------


def handle_message(connection, value: dict, message: dict) -> str:
    kind = str(message.get("type") or "")
    if kind == "system":
        return handle_system(connection, value, message)
    if kind in ("edit", "revoke"):
        return _change(connection, value, message)
    if kind == "reaction":
        item = obj(message.get("reaction"))
        return reactions.react(
            connection, str(item.get("message_id") or ""), str(item.get("emoji") or ""),
            wamid=str(message.get("id") or ""), at=_time(message),
        )  # fmt: skip
    wamid = str(message.get("id") or "")
    if _received(connection, wamid):
        return "duplicate"  # before any download: a redelivered photo is not fetched again
    transport = registry.require(TransportKind.WHATSAPP)
    request = {"value": value, "message": message, "quoted": _quoted(connection, message)}
    try:
        parsed = transport.parse(connection, request)
        contact = identities.resolve(connection, sender(value, message))
        received = inbound.receive(connection, parsed, contact=contact)
    except NotTaken as error:
        log.info("whatsapp %s: message not taken (%s)", connection.public_id,
                 error.details.get("reason"))  # fmt: skip
        return "ignored"
    except DomainError as error:  # a blocked contact, a text the domain refuses
        log.info("whatsapp %s: message refused (%s)", connection.public_id, error.message)
        return "refused"
    return "duplicate" if received.duplicate else "message"


def _received(connection, wamid: str) -> bool:
    return (
        bool(wamid)
        and Message.objects.filter(
            account_id=connection.account_id, connection=connection, provider_message_id=wamid
        ).exists()
    )


def _quoted(connection, message: dict) -> str:
    """The text a reply answers (``context.id``): a contact's message or one we sent."""
    context = obj(message.get("context"))
    wamid = str(context.get("id") or "")
    if not wamid or context.get("forwarded"):
        return ""
    ours = Message.objects.filter(
        account_id=connection.account_id, connection=connection, provider_message_id=wamid
    ).values_list("body", flat=True)
    sent = OutboundDelivery.objects.filter(
        connection=connection, provider_message_id=wamid
    ).values_list("message__body", flat=True)
    return (ours.first() or sent.first() or "")[:500]


def _change(connection, value: dict, message: dict) -> str:
    """A contact's ``edit`` (the new text) or ``revoke`` (deleted on their phone) of a message
    we have: changed there, the earlier text kept. An edit of one we never got is stored as it
    reads now; a revoke of one is nothing to show."""
    kind = str(message["type"])
    item = obj(message.get(kind))
    original = str(item.get("original_message_id") or "")
    at = _time(message)
    if kind == "revoke":
        changed = revisions.record_contact_edit(connection, original, REVOKED, edited_at=at)
        return "revoked" if changed is not None else "ignored"
    inner = obj(item.get("message"))
    body = body_of(inner, ())
    changed = revisions.record_contact_edit(connection, original, body, edited_at=at)
    if changed is not None:
        return "edited"
    fresh = {**inner, "id": original or message.get("id")}
    fresh |= {key: message.get(key) for key in ("from", "from_user_id", "timestamp")}
    return handle_message(connection, value, fresh)


def _time(message: dict):
    from messagecenter.transports.whatsapp.transport import timestamp

    return timestamp(message.get("timestamp")) or clock.now()


# --- system messages: a new user id or number ------------------------------------------------


def handle_system(connection, value: dict, message: dict) -> str:
    system = obj(message.get("system"))
    change = str(system.get("type") or "")
    if change not in ("user_changed_user_id", "user_changed_number"):
        return _left(connection, f"system {change}")
    if not _first_time(connection, f"system:{message.get('id')}"):
        return "duplicate"
    who = sender(value, message)
    if change == "user_changed_user_id":
        previous = str(message.get("from_user_id") or system.get("previous_user_id") or who.user_id)
        current = str(system.get("user_id") or "")
        attributes = {"parent_user_id": system.get("parent_user_id") or None}
    else:
        previous, current = str(message.get("from") or who.phone), str(system.get("wa_id") or "")
        attributes = {"phone": Sender(who.user_id, current, "", "", "").attributes().get("phone")}
    return _identity_changed(connection, who, previous, current, attributes)


def _identity_changed(connection, who: Sender, previous: str, current: str, attributes) -> str:
    found = identities.find(connection, previous, who.user_id, who.phone)
    if found is None or not current:
        return "ignored"
    contact, identity = found
    # The identity is renamed when it is the changed value (a user id, or the number of a
    # user WhatsApp gave no user id); a user id only learns its new number.
    renames = identity.value == _normalised(previous)
    try:
        contacts.update_identity(
            contact, "whatsapp", identity.value, new_value=current if renames else "",
            attributes=attributes,
        )  # fmt: skip
    except Conflict:
        log.info("whatsapp %s: the new id is another contact's already", connection.public_id)
        return "ignored"
    conversation = (
        Conversation.objects.filter(contact=contact, connection=connection)
        .order_by("-last_activity_at")
        .first()
    )
    if conversation is not None:
        contact_entries.record_identity_change(
            conversation, "whatsapp", previous, current, actor=Actor.system(connection.account)
        )
    return "identity"


def _normalised(value: str) -> str:
    try:
        return normalise("whatsapp", value)
    except ValidationFailed:
        return ""


# --- statuses --------------------------------------------------------------------------------


def handle_status(connection, status: dict) -> str:
    wamid, state = str(status.get("id") or ""), STATES.get(str(status.get("status") or ""))
    if not wamid or state is None or status.get("recipient_type") == "group":
        return "ignored"
    key = f"status:{wamid}:{status['status']}"[:300]
    if WhatsAppEvent.objects.filter(connection=connection, key=key).exists():
        return "duplicate"
    if not OutboundDelivery.objects.filter(
        connection=connection, provider_message_id=wamid
    ).exists():
        if _echoed_or_theirs(connection, wamid):
            return "ignored"
        raise _Retry(f"status {status['status']} of a message not recorded as sent yet")
    errors = _list(status.get("errors"))
    reason = describe(errors[0]) if errors else ""
    with transaction.atomic():
        if not _first_time(connection, key):
            return "duplicate"
        deliveries.record_status(connection, wamid, state, reason)
    return "status"


def _echoed_or_theirs(connection, wamid: str) -> bool:
    """A status of a message we did not send through a delivery (the Business app's own)."""
    return Message.objects.filter(connection=connection, provider_message_id=wamid).exists()


def _first_time(connection, key: str) -> bool:
    try:
        with transaction.atomic():
            WhatsAppEvent.objects.create(
                connection=connection, key=key[:300], handled_at=clock.now()
            )
    except IntegrityError:
        return False
    return True


# --- echoes and preferences ------------------------------------------------------------------


def handle_echo(connection, value: dict, echo: dict) -> str:
    """The business wrote to the contact from the WhatsApp Business app."""
    kind = str(echo.get("type") or "")
    wamid = str(echo.get("id") or "")
    if not wamid or kind in ("edit", "revoke", "reaction"):
        return "ignored"
    if _received(connection, wamid):  # in whichever conversation it was recorded
        return "duplicate"
    recipient = {"from": echo.get("to"), "from_user_id": echo.get("to_user_id"),
                 "from_parent_user_id": echo.get("to_parent_user_id"), "id": wamid}  # fmt: skip
    who = sender(value, recipient)
    if not who.identity:
        return "ignored"
    contact = identities.resolve(connection, who)
    entry = services.record_sent_elsewhere(
        connection, contact, body_of(echo, ()), provider_message_id=wamid, sent_from=BUSINESS_APP
    )
    return "echo" if entry.message.provider_message_id == wamid else "duplicate"


def handle_preference(connection, value: dict, preference: dict) -> str:
    """``stop`` / ``resume`` (and a sign-up link) of marketing messages: the consent log."""
    granted = PREFERENCES.get(str(preference.get("value") or ""))
    if granted is None or preference.get("category") != "marketing_messages":
        return "ignored"
    who = sender(
        value, {"from": preference.get("wa_id"), "from_user_id": preference.get("user_id")}
    )
    found = identities.find(connection, who.user_id, str(preference.get("wa_id") or ""), who.phone)
    if found is None:
        return "ignored"
    key = f"preference:{found[1].pk}:{preference.get('timestamp')}:{preference.get('value')}"
    with transaction.atomic():
        if not _first_time(connection, key):
            return "duplicate"
        consent.record(
            found[0], "whatsapp", purpose="marketing", granted=granted,
            source="whatsapp_preferences", note=str(preference.get("detail") or "")[:300],
            at=_time(preference),
        )  # fmt: skip
    return "preference"


def sweep() -> list[int]:
    """Every minute: webhooks still pending after their job should have run (a lost job, a
    download that failed, a status that waited for its message), again."""
    from datetime import timedelta

    due = WhatsAppDelivery.objects.filter(
        processed_at__isnull=True,
        received_at__lt=clock.now() - timedelta(seconds=SWEEP_AFTER_SECONDS),
        attempts__lt=MAX_ATTEMPTS,
    ).values_list("pk", flat=True)[:500]
    pks = list(due)
    for pk in pks:
        enqueue_on_commit(JOB, pk)
    return pks


# Meta redelivers a webhook for up to 7 days: after twice that, the raw bodies (they hold
# what contacts wrote) and the seen items are not needed to recognise a redelivery any more.
KEEP_DAYS = 14


def prune() -> int:
    """Daily: processed webhooks and handled items older than ``KEEP_DAYS`` go."""
    from datetime import timedelta

    cutoff = clock.now() - timedelta(days=KEEP_DAYS)
    done = WhatsAppDelivery.objects.filter(processed_at__isnull=False, received_at__lt=cutoff)
    deleted, _kinds = done.delete()
    WhatsAppEvent.objects.filter(handled_at__lt=cutoff).delete()
    return deleted
