"""``/start`` deep links that identify a contact: ``https://t.me/<bot>?start=<payload>``.

The messenger's continue links (``webchat.visitors.issue_continue_token``) are Django signed
values of about 100 characters; Telegram's ``start`` parameter takes at most 64 characters of
``A-Z a-z 0-9 _ -``. So the payload is the contact's public id and a keyed hash of it (HMAC
with ``SECRET_KEY``, salted for this purpose, 120 bits): ``ct_4hq2n7x3kd9mbw5z-<20 chars>``.

When a Telegram user opens the bot through such a link, Telegram sends ``/start <payload>``;
a genuine payload gives that user's Telegram identity to the contact (unless another contact
has it already), so their messages land in the contact's conversations. A link does not
expire: it names one contact, and it only lets someone become that contact's Telegram
identity, so hand it to that contact only (in a mail to them, on their account page).
"""

from __future__ import annotations

import base64
import hmac

from django.utils.crypto import salted_hmac

from messagecenter.contacts.models import Contact
from messagecenter.transports.telegram import config

_SALT = "messagecenter.telegram.start"
MAX_PAYLOAD = 64


def start_payload(contact: Contact) -> str:
    return f"{contact.public_id}-{_signature(contact.public_id, contact.account.public_id)}"


def deep_link(connection, contact: Contact) -> str:
    """The bot's link that makes whoever opens it this contact's Telegram identity."""
    return config.bot_link(connection, start_payload(contact))


def read_start_payload(account, payload: str) -> Contact | None:
    """The contact a genuine payload names (of ``account``), else None."""
    if not payload or len(payload) > MAX_PAYLOAD:
        return None
    # A public id has no "-"; the signature's URL-safe base64 may (the first "-" separates).
    public_id, _sep, signature = payload.partition("-")
    if not public_id or not signature:
        return None
    expected = _signature(public_id, account.public_id)
    if not hmac.compare_digest(expected.encode(), signature.encode("ascii", "replace")):
        return None
    return Contact.objects.filter(account=account, public_id=public_id).first()


def _signature(public_id: str, account_id: str) -> str:
    digest = salted_hmac(_SALT, f"{account_id}:{public_id}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:15]).decode().rstrip("=")
