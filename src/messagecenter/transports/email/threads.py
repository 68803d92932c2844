"""Which conversation an incoming mail belongs to: the keys, strongest first, and one rule.

Named ``threads`` (not ``threading``) so it never shadows the standard library's module.

The order (issue 13): our **reply token** (in a recipient address, or inside one of our
Message-IDs that the mail answers), then the **In-Reply-To/References** ids, then the **sender and
normalised subject** within a window. The caller tries them in that order against the database;
the last one is guarded by ``may_join_by_subject`` so that a stranger who reuses a subject line
never lands in someone else's conversation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from messagecenter.transports.email.compose import find_reply_token
from messagecenter.transports.email.parse import ParsedMail

# Reply and forward prefixes in the languages our customers write, optionally numbered
# ("Re[2]:", "AW(3):") and repeated ("Re: AW: Fwd:"), plus ticket tags such as "[#1234]" or
# "[Acme Support]" that helpdesks put in front.
_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|antw|antwort|sv|vs|ref|rif|r|fw|fwd|wg|tr|enc|rv|doorst)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]|\[[^\]]*\])\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ThreadKeys:
    """The threading keys of one incoming mail, strongest first."""

    conversation_id: str | None  # from a valid reply token: the conversation's public id
    message_ids: tuple[str, ...]  # In-Reply-To, then References newest first; without <>
    sender: str  # the From address, lower case ("" when the mail has none)
    subject: str  # normalised: no Re:/AW:/Fwd:/[ticket] prefixes, one space, lower case


def thread_keys(
    mail: ParsedMail, *, envelope_recipients: Iterable[str] = (), secret: str | None = None
) -> ThreadKeys:
    """``envelope_recipients``: the addresses the mail was delivered to (RCPT TO, when the
    transport knows it); the mail's Delivered-To headers count too. They carry the token when the
    contact's client hid our reply address in a Bcc."""
    ids = _answered_ids(mail)
    return ThreadKeys(
        conversation_id=_token(mail, envelope_recipients, ids, secret),
        message_ids=ids,
        sender=mail.from_address.normalized if mail.from_address else "",
        subject=normalize_subject(mail.subject),
    )


def _answered_ids(mail: ParsedMail) -> tuple[str, ...]:
    ids = [mail.in_reply_to, *reversed(mail.references)]
    return tuple(dict.fromkeys(i for i in ids if i))


def _token(mail, envelope_recipients, ids, secret) -> str | None:
    addresses = [a.address for a in mail.recipients] + mail.delivered_to + list(envelope_recipients)
    for candidate in [*addresses, *ids]:
        found = find_reply_token(candidate, secret=secret)
        if found:
            return found
    return None


def normalize_subject(subject: str) -> str:
    """``"AW: Re: [Ticket #12] Rechnung  März"`` → ``"rechnung märz"``."""
    previous = None
    subject = subject or ""
    while previous != subject:
        previous = subject
        subject = _PREFIX.sub("", subject, count=1)
    return " ".join(subject.split()).casefold()


def may_join_by_subject(sender: str, conversation_contact_addresses: Iterable[str]) -> bool:
    """A mail may join a conversation by its subject alone only when its sender is already one
    of that conversation's contact addresses (its contact, or someone already on it)."""
    sender = sender.strip().lower()
    return bool(sender) and sender in {a.strip().lower() for a in conversation_contact_addresses}
