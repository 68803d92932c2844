"""E-mail verification with one-time codes (R-CONV-10).

A six-digit code is e-mailed to the address; the messenger shows a code entry screen. Only
a hash of the code is stored, it expires after 15 minutes, and 5 wrong attempts kill it. A
correct code marks that e-mail identity of the contact verified.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.contacts.identities import normalise_email
from messagecenter.contacts.models import Contact, ContactIdentity, IdentityKind, VerificationCode
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from messagecenter.core.events import contact_group, send_on_commit

CODE_TTL = timedelta(minutes=15)
MAX_ATTEMPTS = 5


def start_verification(
    contact: Contact, email: str | None, *, actor: Actor, conversation=None
) -> VerificationCode:
    """E-mail a fresh code (earlier open codes die) and open the messenger's code screen."""
    if actor.account.pk != contact.account_id:
        raise NotFound(_("Not found."))
    address = normalise_email(email or contact.email)
    if not address:
        raise ValidationFailed(_("The contact has no e-mail address to verify."), field="email")
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = clock.now()
    with transaction.atomic():
        _open_codes(contact).update(invalidated_at=now)
        record = VerificationCode.objects.create(
            account_id=contact.account_id,
            contact=contact,
            email=address,
            code_hash=make_password(code),
            conversation=conversation,
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        audit.record(actor, "contact.verification_started", "contact", contact.public_id)
        if conversation is not None:
            _tell_conversation(conversation, "started", actor)
        transaction.on_commit(lambda: _send_code(record.pk, code))
        send_on_commit(
            {
                "type": "messenger.verification",
                "state": "code_sent",
                "email": _mask(address),
                "conversation": conversation.public_id if conversation else None,
            },
            [contact_group(contact.public_id)],
        )
    return record


def submit_code(contact: Contact, code: str, *, actor: Actor) -> ContactIdentity:
    """Check a code typed in the messenger. Wrong codes count; the fifth kills the code.

    A wrong attempt is committed before the error is raised: rolling it back with the error
    would give an attacker unlimited guesses."""
    now = clock.now()
    with transaction.atomic():
        record = _open_codes(contact).select_for_update().order_by("-created_at").first()
        if record is None:
            raise InvalidTransition(_("There is no code to check. Please request a new one."))
        if record.expires_at <= now:
            raise InvalidTransition(
                _("This code has expired. Please request a new one."), code="code_expired"
            )
        record.attempts += 1
        correct = check_password(str(code or "").strip(), record.code_hash)
        if not correct:
            if record.attempts >= MAX_ATTEMPTS:
                record.invalidated_at = now
            record.save(update_fields=["attempts", "invalidated_at"])
        else:
            identity = _accept(contact, record, now, actor)
    if not correct:
        raise _wrong_code(MAX_ATTEMPTS - record.attempts)
    return identity


def _accept(contact: Contact, record: VerificationCode, now, actor: Actor) -> ContactIdentity:
    record.used_at = now
    record.save(update_fields=["attempts", "used_at"])
    identity = _verify_identity(contact, record.email, now)
    audit.record(actor, "contact.email_verified", "contact", contact.public_id)
    if record.conversation_id is not None:
        _tell_conversation(record.conversation, "verified", actor)
    send_on_commit(
        {
            "type": "messenger.verification",
            "state": "verified",
            "email": _mask(record.email),
            "conversation": None,
        },
        [contact_group(contact.public_id)],
    )
    return identity


def mark_verified_by_link(contact: Contact, email: str) -> ContactIdentity:
    """R-CONTACT-2: clicking the conversation link in a notification e-mail verifies."""
    with transaction.atomic():
        return _verify_identity(contact, normalise_email(email), clock.now(), via="email_link")


def _verify_identity(contact: Contact, email: str, now, via: str = "code") -> ContactIdentity:
    identity = ContactIdentity.objects.filter(
        account_id=contact.account_id, kind=IdentityKind.EMAIL, value=email
    ).first()
    if identity is not None and identity.contact_id != contact.pk:
        raise Conflict(_("This e-mail address belongs to another contact."))
    if identity is None:
        identity = ContactIdentity.objects.create(
            account_id=contact.account_id, contact=contact, kind=IdentityKind.EMAIL, value=email
        )
    identity.verified_at, identity.verified_via = now, via
    identity.save(update_fields=["verified_at", "verified_via"])
    return identity


def _tell_conversation(conversation, state: str, actor: Actor) -> None:
    """The conversation the code was asked from records it in its timeline. Imported here:
    conversations depend on contacts, not the other way round at import time."""
    from messagecenter.conversations.contact_entries import record_verification

    record_verification(conversation, state, actor=actor)


def _open_codes(contact: Contact):
    return VerificationCode.objects.filter(
        contact=contact, used_at__isnull=True, invalidated_at__isnull=True
    )


def _wrong_code(left: int) -> ValidationFailed:
    if left <= 0:
        return ValidationFailed(
            _("Too many wrong attempts. Please request a new code."), code="code_invalidated"
        )
    return ValidationFailed(
        _("That code is not right. %(n)d attempts left.") % {"n": left}, code="wrong_code"
    )


def _send_code(record_pk: int, code: str) -> None:
    from messagecenter.contacts.tasks import send_verification_email

    send_verification_email(record_pk, code)


def _mask(email: str) -> str:
    local, _sep, domain = email.partition("@")
    return (local[:1] + "•••" + "@" + domain) if domain else "•••"
