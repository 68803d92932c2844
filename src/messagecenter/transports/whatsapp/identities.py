"""Who a WhatsApp user is among the account's contacts.

Since 2026 WhatsApp names every user by a business-scoped user id (``user_id``, e.g.
``US.13491208655302741918``) and may leave their number out once they use a username. The
contact's WhatsApp identity is therefore the user id; the number (``wa_id``), the username
and the ``parent_user_id`` are kept beside it (``ContactIdentity.attributes``): shown and
searched, never matched on. Only a payload without any user id falls back to the number as
the identity; the first user id that comes with that number later replaces it in the same
identity row, so the contact and their conversations stay as they are.

All writes go through ``contacts.services`` (``create_contact``, ``add_identity``,
``update_identity``).
"""

from __future__ import annotations

from contextlib import suppress

from django.db import transaction

from messagecenter.contacts import services as contacts
from messagecenter.contacts.models import Contact, ContactIdentity
from messagecenter.core.errors import Conflict, ValidationFailed
from messagecenter.transports.whatsapp.transport import Sender

KIND = "whatsapp"
# R-CONTACT-2: WhatsApp vouches for its users (a number, or since 2026 a user id).
VERIFIED_VIA = "whatsapp"


def find(connection, *values: str) -> tuple[Contact, ContactIdentity] | None:
    """The contact (and WhatsApp identity) of the first of ``values`` (user ids or numbers)
    the account knows."""
    for value in values:
        if not value:
            continue
        try:
            contact = contacts.find_by_identity(connection.account, KIND, value)
        except ValidationFailed:  # not a number nor a user id
            continue
        if contact is not None:
            return contact, identity_of(contact, value)
    return _by_number_beside(connection, values)


def _by_number_beside(connection, values) -> tuple[Contact, ContactIdentity] | None:
    """A user id whose number (an attribute) is one of ``values``: system messages about a
    new number name the user by their old number only."""
    numbers = [
        n for n in (Sender("", v, "", "", "").attributes().get("phone") for v in values) if n
    ]
    identity = (
        ContactIdentity.objects.filter(
            account_id=connection.account_id, kind=KIND, attributes__phone__in=numbers
        )
        .select_related("contact")
        .first()
        if numbers
        else None
    )
    return (identity.contact, identity) if identity is not None else None


def identity_of(contact: Contact, value: str) -> ContactIdentity:
    from messagecenter.contacts.identities import normalise

    return contact.identities.get(kind=KIND, value=normalise(KIND, value))


def resolve(connection, who: Sender) -> Contact:
    """The sender's contact, created on their first message; what WhatsApp tells about them
    (number, username, parent id) is brought up to date on the identity."""
    found = find(connection, who.user_id, who.phone)
    if found is None:
        contact = _known_by_phone(connection, who) or _create(connection, who)
        found = contact, identity_of(contact, who.identity)
    contact, identity = found
    upgrade = who.user_id if who.user_id and identity.value != who.user_id else ""
    # A user id that is another contact's already leaves both as they are.
    with suppress(Conflict):
        contacts.update_identity(
            contact, KIND, identity.value, new_value=upgrade, attributes=who.attributes()
        )
    return contact


def _known_by_phone(connection, who: Sender) -> Contact | None:
    """A contact the team entered with this phone number gets the WhatsApp identity."""
    phone = who.attributes().get("phone")
    contact = None
    # A number the phone library does not know as valid matches no phone identity.
    with suppress(ValidationFailed):
        contact = contacts.find_by_identity(connection.account, "phone", phone) if phone else None
    if contact is None:
        return None
    try:
        contacts.add_identity(contact, KIND, who.identity, verified_via=VERIFIED_VIA)
    except Conflict:
        return None
    return contact


def _create(connection, who: Sender) -> Contact:
    try:
        with transaction.atomic():
            contact = contacts.create_contact(connection.account, name=who.name or who.username)
            contacts.add_identity(contact, KIND, who.identity, verified_via=VERIFIED_VIA)
            return contact
    except Conflict:
        # Two first messages of one sender at once: the other created the contact.
        found = find(connection, who.identity)
        if found is None:
            raise
        return found[0]
