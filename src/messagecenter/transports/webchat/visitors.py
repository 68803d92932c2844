"""Recognising a messenger visitor: the contact token and the host site's signed identity.

The messenger runs on other companies' sites, where our cookies are third-party and often
blocked. So the contact gets a signed token that the messenger keeps in the host page's own
storage and presents when it connects. A host site that knows its customer can also pass a
signed identity — HMAC-SHA256 of "customer_id:expires" with the widget's identity secret — which
links the visitor to the known contact (an ``external`` identity).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.contacts import services
from messagecenter.contacts.events import publish_contact
from messagecenter.contacts.models import Contact, ContactIdentity, IdentityKind, Visitor
from messagecenter.core import clock
from messagecenter.core.errors import Conflict, PermissionDenied

log = logging.getLogger(__name__)

_SALT = "messagecenter.messenger.contact"


def issue_token(who: Contact | Visitor) -> str:
    """A fresh token for the contact, or for a visitor who has not written yet. Issued on every
    ``hello`` (rotation), so its age is the time since the last visit (a sliding expiry)."""
    key = "c" if isinstance(who, Contact) else "v"
    return signing.dumps({key: who.public_id, "a": who.account.public_id}, salt=_SALT)


def token_max_age_days(widget) -> int:
    """No shorter than a conversation can wait to be continued: a contact who last came while
    it was WAITING may come back until auto-end plus the continuation window have passed."""
    return max(settings.MESSENGER_TOKEN_DAYS, widget.auto_end_days + widget.continue_ended_days)


def _read_token(widget, token: str | None) -> dict:
    if not token or not isinstance(token, str) or len(token) > 500:
        return {}
    try:
        data = signing.loads(token, salt=_SALT, max_age=token_max_age_days(widget) * 86400)
    except signing.BadSignature:  # forged, or expired (SignatureExpired is a BadSignature)
        return {}
    return data if isinstance(data, dict) else {}


def contact_from_token(widget, token: str | None) -> Contact | None:
    """The token's contact, if the token is genuine, recent and of the widget's account."""
    contact, _visitor = _from_token(widget, token)
    return contact


def contact_for_upload(widget, token: str | None) -> Contact | None:
    """The contact of a token; a visitor who has not written yet becomes one now (sending a
    file is a real interaction, like a first message)."""
    from messagecenter.contacts import services as contacts

    contact, visitor = _from_token(widget, token)
    if contact is None and visitor is not None:
        contact = contacts.become_contact(visitor)
    return contact


def _from_token(widget, token: str | None) -> tuple[Contact | None, Visitor | None]:
    data = _read_token(widget, token)
    if data.get("c"):
        contact = Contact.objects.filter(account_id=widget.account_id, public_id=data["c"]).first()
        return contact, None
    if data.get("v"):
        visitor = (
            Visitor.objects.filter(account_id=widget.account_id, public_id=data["v"])
            .select_related("contact", "account")
            .first()
        )
        if visitor is not None:
            return visitor.contact, None if visitor.contact_id else visitor
    return None, None


def visitor_group(visitor_public_id: str) -> str:
    """The sockets of a visitor without a contact: told when the contact is created."""
    return f"visitor.{visitor_public_id}"


_CONTINUE_SALT = "messagecenter.messenger.continue"


def issue_continue_token(conversation, email: str = "") -> str:
    """For links that continue a conversation in the messenger ($webtransfer, e-mail links).
    With ``email``, following the link proves the contact reads that address."""
    payload = {"cv": conversation.public_id, "c": conversation.contact.public_id}
    if email:
        payload["e"] = email
    return signing.dumps(payload, salt=_CONTINUE_SALT)


@dataclass(frozen=True)
class ContinueLink:
    """A genuine continue link: whose it is, the conversation it names, the address it proves."""

    contact: Contact
    conversation: str
    email: str


def read_continue_link(widget, token: str | None, max_age_days: int = 30) -> ContinueLink | None:
    if not token or not isinstance(token, str) or len(token) > 500:
        return None
    try:
        data = signing.loads(token, salt=_CONTINUE_SALT, max_age=max_age_days * 86400)
    except signing.BadSignature:
        return None
    contact = Contact.objects.filter(account_id=widget.account_id, public_id=data.get("c")).first()
    if contact is None:
        return None
    return ContinueLink(contact, str(data.get("cv") or ""), str(data.get("e") or ""))


def _verify_by_link(link: ContinueLink) -> None:
    """R-CONTACT-2: a contact who opens the link from our e-mail owns that address."""
    from messagecenter.contacts.verification import mark_verified_by_link

    if not link.email:
        return
    try:
        mark_verified_by_link(link.contact, link.email)
    except Conflict:
        # The address moved to another contact since the mail went out: the link still
        # continues the conversation, but proves nothing about this contact.
        log.info("continue link of %s: address now belongs to another contact", link.contact)


def identity_signature(secret: str, customer_id: str, expires: int) -> str:
    """What the host site computes on its server (documented in docs/realtime.md)."""
    message = f"{customer_id}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_identity(widget, identity: dict) -> str:
    """Return the verified customer id, or raise ``PermissionDenied`` (expired or forged)."""
    customer_id = str(identity.get("customer_id") or "")[:100]
    expires = identity.get("expires")
    signature = str(identity.get("signature") or "")
    if not customer_id or not isinstance(expires, int):
        raise PermissionDenied(_("The identity is incomplete."), code="identity_invalid")
    expected = identity_signature(widget.identity_secret, customer_id, expires)
    if not hmac.compare_digest(expected, signature):
        raise PermissionDenied(_("The identity signature is not valid."), code="identity_invalid")
    if expires < clock.now().timestamp():
        raise PermissionDenied(_("The identity signature has expired."), code="identity_expired")
    return customer_id


@dataclass(frozen=True)
class Arrival:
    """Who a connecting messenger is: a contact, or a visitor who has not written yet; and the
    conversation a continue link named, if any."""

    contact: Contact | None
    visitor: Visitor | None = None
    conversation: str | None = None


def resolve_visitor(
    widget, token: str | None, identity: dict | None, continue_token: str | None = None
) -> Arrival:
    """The contact for a connecting messenger: by verified identity, else by a continue link,
    else by token; else a new visitor (no contact until they interact)."""
    if identity:
        return Arrival(_contact_for_customer(widget, verify_identity(widget, identity), token))
    link = read_continue_link(widget, continue_token)
    if link is not None:
        _verify_by_link(link)
        return Arrival(link.contact, conversation=link.conversation or None)
    contact, visitor = _from_token(widget, token)
    if contact is not None:
        return Arrival(contact)
    if visitor is not None:
        Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=clock.now())
        return Arrival(None, visitor)
    return Arrival(None, _new_visitor(widget))


def _new_visitor(widget) -> Visitor:
    now = clock.now()
    return Visitor.objects.create(
        account=widget.account,
        widget=widget,
        locale=widget.language,
        created_at=now,
        last_seen_at=now,
    )


def _token_contact(widget, token: str | None) -> Contact:
    """The anonymous contact or visitor of the token (a visitor becomes a contact), or new."""
    contact, visitor = _from_token(widget, token)
    if contact is not None:
        return contact
    if visitor is not None:
        return services.become_contact(visitor)
    contact = Contact.objects.create(account_id=widget.account_id, locale=widget.language)
    publish_contact("contact.created", contact.public_id, widget.account_id)
    return contact


def _contact_for_customer(widget, customer_id: str, token: str | None) -> Contact:
    with transaction.atomic():
        identity = ContactIdentity.objects.filter(
            account_id=widget.account_id, kind=IdentityKind.EXTERNAL, value=customer_id
        ).first()
        if identity is not None:
            return identity.contact
        # First signed visit: the anonymous visitor so far becomes the known customer.
        contact = _token_contact(widget, token)
        if not contact.customer_id:
            Contact.objects.filter(pk=contact.pk).update(customer_id=customer_id)
        ContactIdentity.objects.create(
            account_id=widget.account_id,
            contact=contact,
            kind=IdentityKind.EXTERNAL,
            value=customer_id,
            verified_at=clock.now(),
            verified_via="signed_identity",
        )
        return contact
