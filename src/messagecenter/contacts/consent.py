"""A contact's consent to be written to on a channel (R-CONTACT-5, SMS STOP/START, WhatsApp
``user_preferences``): the only writer of ``ContactConsent``.

Consent is a log of decisions, latest wins, per (channel, purpose). ``allows`` answers the
question a sender asks before it writes: withdrawn consent always refuses; a channel that
needs an opt-in (``require_opt_in``, e.g. an opening WhatsApp template) also refuses when
nothing was ever recorded, while a contact who wrote to us first may be answered.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.contacts.models import (
    ConsentChannel,
    ConsentPurpose,
    Contact,
    ContactConsent,
)
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed


def record(
    contact: Contact,
    channel: str,
    *,
    granted: bool,
    source: str,
    purpose: str = ConsentPurpose.SERVICE,
    note: str = "",
    at: datetime | None = None,
    actor: Actor | None = None,
) -> ContactConsent:
    """Record one decision. ``actor`` is the operator who recorded it (an opt-in given on the
    phone), ``None`` when the contact or the provider decided (a keyword, a preference)."""
    if channel not in ConsentChannel.values:
        raise ValidationFailed(_("Unknown consent channel."), field="channel")
    if purpose not in ConsentPurpose.values:
        raise ValidationFailed(_("Unknown consent purpose."), field="purpose")
    if not source:
        raise ValidationFailed(_("Say where the consent came from."), field="source")
    if actor is not None and actor.account.pk != contact.account_id:
        raise ValidationFailed(_("Not found."))
    consent = ContactConsent.objects.create(
        account_id=contact.account_id,
        contact=contact,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source[:32],
        note=note[:300],
        at=at or clock.now(),
        recorded_by=actor.operator if actor is not None else None,
    )
    if actor is not None:
        verb = "granted" if granted else "withdrawn"
        audit.record(actor, f"contact.consent_{verb}", "contact", contact.public_id)
    return consent


def current(
    contact: Contact, channel: str, purpose: str = ConsentPurpose.SERVICE
) -> ContactConsent | None:
    """The decision that holds now, or ``None`` when none was ever recorded."""
    return (
        ContactConsent.objects.filter(contact=contact, channel=channel, purpose=purpose)
        .order_by("-at", "-id")
        .first()
    )


def allows(
    contact: Contact,
    channel: str,
    purpose: str = ConsentPurpose.SERVICE,
    *,
    require_opt_in: bool = False,
) -> bool:
    decision = current(contact, channel, purpose)
    if decision is None:
        return not require_opt_in
    return decision.granted


def history(contact: Contact) -> list[ContactConsent]:
    return list(contact.consents.order_by("-at", "-id"))
