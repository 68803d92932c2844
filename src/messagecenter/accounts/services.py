"""Account, operator and group writers, and operator presence.

Presence (R-RULES): an operator is *available* when Online and connected — at least one open
app tab (an ``OperatorConnection`` row), or the last one closed less than the grace period ago,
so a page reload does not reroute their live chats.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from messagecenter.accounts import audit, permissions, preferences, sessions
from messagecenter.accounts.events import presence_event
from messagecenter.accounts.models import (
    Account,
    Operator,
    OperatorConnection,
    OperatorGroup,
    Presence,
    Role,
)
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from messagecenter.core.events import account_group, send_on_commit
from messagecenter.jobs import outbox

MAX_SLOTS_LIMIT = 50


def create_account(name: str) -> Account:
    name = name.strip()
    if not name:
        raise ValidationFailed(_("An account needs a name."))
    return Account.objects.create(name=name[:200])


def create_operator(
    account: Account,
    *,
    name: str,
    email: str,
    password: str | None = None,
    role: str = Role.OPERATOR,
    language: str = "en",
    time_zone: str = "Europe/Berlin",
    max_slots: int = 3,
    groups: list[OperatorGroup] | tuple[OperatorGroup, ...] = (),
    actor: Actor | None = None,
) -> Operator:
    """Create an operator; they start Away (R-OP-1). Without a password they cannot log in
    until they set one through the password-reset (invitation) link."""
    email = _normalise_email(email)
    _require_admin(actor)
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role."), field="role")
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unsupported language."), field="language")
    _validate_slots(max_slots)
    if not name.strip():
        raise ValidationFailed(_("An operator needs a name."), field="name")
    with transaction.atomic():
        if Operator.objects.filter(email__iexact=email).exists():
            raise ValidationFailed(_("An operator with this e-mail already exists."), field="email")
        operator = Operator(
            account=account,
            name=name.strip()[:150],
            email=email,
            role=role,
            language=language,
            time_zone=time_zone,
            max_slots=max_slots,
        )
        if password:
            operator.set_password(password)
        else:
            operator.set_unusable_password()
        try:
            with transaction.atomic():
                operator.save()
        except IntegrityError:
            raise ValidationFailed(
                _("An operator with this e-mail already exists."), field="email"
            ) from None
        if groups:
            operator.groups.set([g for g in groups if g.account_id == account.id])
        if actor is not None:
            audit.record(actor, "operator.created", "operator", operator.public_id)
    return operator


def set_account_time_zone(account: Account, time_zone: str, *, actor: Actor) -> Account:
    """Admins set the account's time zone (an IANA name): e-mails to contacts whose browser
    did not report one show times in it."""
    _require_admin(actor)
    _same_account(actor, account.pk)
    _validate_profile({"time_zone": time_zone})
    with transaction.atomic():
        Account.objects.filter(pk=account.pk).update(time_zone=time_zone)
        account.time_zone = time_zone
        audit.record(actor, "account.updated", "account", account.public_id, fields=["time_zone"])
    return account


def rename_account(account: Account, name: str, *, actor: Actor) -> Account:
    """Admins rename the account (shown in the app and in e-mails to contacts)."""
    _require_admin(actor)
    _same_account(actor, account.pk)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed(
            _("The account needs a name (at most 200 characters)."), field="name"
        )
    with transaction.atomic():
        Account.objects.filter(pk=account.pk).update(name=name)
        account.name = name
        audit.record(actor, "account.updated", "account", account.public_id, fields=["name"])
    return account


def create_group(account: Account, name: str, *, actor: Actor | None = None) -> OperatorGroup:
    _require_admin(actor)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("A group needs a name."))
    try:
        with transaction.atomic():
            group = OperatorGroup.objects.create(account=account, name=name[:100])
            if actor is not None:
                audit.record(actor, "group.created", "group", group.public_id)
    except IntegrityError:
        raise ValidationFailed(_("A group with this name already exists.")) from None
    return group


PROFILE_FIELDS = ("name", "language", "time_zone", "mute_all", "preferences")


def update_profile(operator: Operator, *, actor: Actor, **fields) -> Operator:
    """The operator's own settings (name, language, time zone, sounds and notifications)."""
    if actor.operator is None or actor.operator.pk != operator.pk:
        raise PermissionDenied(_("You can only change your own profile."))
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown setting: %(f)s") % {"f": ", ".join(sorted(unknown))})
    _validate_profile(fields)
    for name, value in fields.items():
        setattr(operator, name, value)
    operator.save(update_fields=list(fields))
    return operator


def update_operator(
    operator: Operator,
    *,
    actor: Actor,
    role: str | None = None,
    groups: list[OperatorGroup] | None = None,
    max_slots: int | None = None,
    is_active: bool | None = None,
) -> Operator:
    """Admin changes to a team member. An admin cannot demote or deactivate themselves, so an
    account never loses its last way in by accident."""
    _require_admin(actor)
    _same_account(actor, operator.account_id)
    own = actor.operator is not None and actor.operator.pk == operator.pk
    if own and is_active is False:
        raise ValidationFailed(
            _("You cannot remove your own administrator access."), field="is_active"
        )
    if role is not None and role not in Role.values:
        raise ValidationFailed(_("Unknown role."), field="role")
    with transaction.atomic():
        previous_role = operator.role
        if role is not None:
            # Own role, last administrator: accounts.permissions decides.
            permissions.check_role_change(actor, operator, role)
            operator.role = role
        if max_slots is not None:
            _validate_slots(max_slots)
            operator.max_slots = max_slots
        if is_active is not None:
            operator.is_active = is_active
            if not is_active:
                # Their open sockets close once this commits (accounts.sessions).
                sessions.revoke_live_sessions(operator)
        operator.save(update_fields=["role", "max_slots", "is_active"])
        if groups is not None:
            operator.groups.set([g for g in groups if g.account_id == operator.account_id])
        audit.record(actor, "operator.updated", "operator", operator.public_id)
        if operator.role != previous_role:
            audit.record(
                actor,
                "operator.role_changed",
                "operator",
                operator.public_id,
                role_from=previous_role,
                role_to=operator.role,
            )
    _announce_presence(operator)
    return operator


def rename_group(group: OperatorGroup, name: str, *, actor: Actor) -> OperatorGroup:
    _require_admin(actor)
    _same_account(actor, group.account_id)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("A group needs a name."))
    try:
        with transaction.atomic():
            group.name = name[:100]
            group.save(update_fields=["name"])
            audit.record(actor, "group.renamed", "group", group.public_id)
    except IntegrityError:
        raise ValidationFailed(_("A group with this name already exists.")) from None
    return group


def delete_group(group: OperatorGroup, *, actor: Actor) -> None:
    """Widgets of the group route to everyone afterwards; conversations queued for it become
    plain Unassigned."""
    _require_admin(actor)
    _same_account(actor, group.account_id)
    with transaction.atomic():
        audit.record(actor, "group.deleted", "group", group.public_id)
        group.delete()


def set_max_slots(operator: Operator, max_slots: int, *, actor: Actor) -> Operator:
    """Change an operator's chat slots: admins always, the operator if the account allows."""
    own = actor.operator is not None and actor.operator.pk == operator.pk
    if not (_is_admin(actor) or (own and operator.account.operators_set_own_slots)):
        raise PermissionDenied(_("Only an administrator can change chat slots."))
    _validate_slots(max_slots)
    with transaction.atomic():
        Operator.objects.filter(pk=operator.pk).update(max_slots=max_slots)
        operator.max_slots = max_slots
        audit.record(actor, "operator.slots_changed", "operator", operator.public_id, max=max_slots)
    _announce_presence(operator)
    return operator


def set_presence(operator: Operator, presence: str, *, actor: Actor) -> Operator:
    """The Online/Away switch (R-OP-1). Only the operator themselves flips it."""
    if presence not in Presence.values:
        raise ValidationFailed(_("Presence must be online or away."))
    if actor.operator is None or actor.operator.pk != operator.pk:
        raise PermissionDenied(_("Only the operator can change their own presence."))
    with transaction.atomic():
        Operator.objects.filter(pk=operator.pk).update(presence=presence)
        operator.presence = presence
        _publish_presence(operator)
    _announce_presence(operator)
    return operator


def operator_connected(operator: Operator, channel_name: str) -> None:
    """An app tab opened (called by the operator WebSocket consumer)."""
    now = clock.now()
    with transaction.atomic():
        OperatorConnection.objects.update_or_create(
            channel_name=channel_name,
            defaults={
                "account_id": operator.account_id,
                "operator": operator,
                "connected_at": now,
                "last_seen_at": now,
            },
        )
        Operator.objects.filter(pk=operator.pk).update(disconnected_at=None)
        operator.disconnected_at = None
    _announce_presence(operator)


def operator_disconnected(operator: Operator, channel_name: str) -> bool:
    """An app tab closed. Returns True when it was the last one (the grace period starts)."""
    with transaction.atomic():
        OperatorConnection.objects.filter(channel_name=channel_name).delete()
        last = not OperatorConnection.objects.filter(operator=operator).exists()
        if last:
            operator.disconnected_at = clock.now()
            Operator.objects.filter(pk=operator.pk).update(disconnected_at=operator.disconnected_at)
    _announce_presence(operator)
    return last


def touch_connection(channel_name: str) -> None:
    """A heartbeat from an app tab: it is still there."""
    OperatorConnection.objects.filter(channel_name=channel_name).update(last_seen_at=clock.now())


def prune_stale_connections(max_age_seconds: int) -> list[Operator]:
    """Forget tabs that stopped sending heartbeats (a crashed server process cannot say
    goodbye). Returns the operators left without any tab, whose grace period now starts."""
    cutoff = clock.now() - timedelta(seconds=max_age_seconds)
    with transaction.atomic():
        stale = OperatorConnection.objects.filter(last_seen_at__lt=cutoff)
        operator_ids = set(stale.values_list("operator_id", flat=True))
        stale.delete()
        still = set(
            OperatorConnection.objects.filter(operator_id__in=operator_ids).values_list(
                "operator_id", flat=True
            )
        )
        gone = list(Operator.objects.filter(pk__in=operator_ids - still))
        Operator.objects.filter(pk__in=[op.pk for op in gone]).update(disconnected_at=cutoff)
    return gone


def available_operators(account: Account) -> QuerySet[Operator]:
    """Operators who are Online and connected (or within the reconnect grace period)."""
    grace_start = clock.now() - timedelta(seconds=settings.PRESENCE_GRACE_SECONDS)
    connected = OperatorConnection.objects.filter(operator=OuterRef("pk"))
    return Operator.objects.filter(
        account=account, is_active=True, presence=Presence.ONLINE
    ).filter(Q(Exists(connected)) | Q(disconnected_at__gte=grace_start))


def is_available(operator: Operator) -> bool:
    return available_operators(operator.account).filter(pk=operator.pk).exists()


def presence_grace_start() -> datetime:
    """Operators disconnected since then still count as connected (the reconnect grace)."""
    return clock.now() - timedelta(seconds=settings.PRESENCE_GRACE_SECONDS)


def availability(operator_ref: Any, grace_start: datetime | None = None) -> Exists:
    """The rule of ``available_operators`` as an expression about the operator that
    ``operator_ref`` (an ``OuterRef``) points to, for writers that read it with their lock
    (a prepared query passes ``grace_start`` itself: see ``core.prepared``)."""
    grace_start = grace_start or presence_grace_start()
    connected = OperatorConnection.objects.filter(operator=OuterRef("pk"))
    return Exists(
        Operator.objects.filter(pk=operator_ref, is_active=True, presence=Presence.ONLINE).filter(
            Q(Exists(connected)) | Q(disconnected_at__gte=grace_start)
        )
    )


def _publish_presence(operator: Operator) -> None:
    """The durable side of the switch (``operator.presence`` in the outbox): the analytics
    presence intervals. In the write's transaction, so no switch goes uncounted."""
    payload = {
        "type": "operator.presence",
        "operator": operator.pk,
        "presence": operator.presence,
        "at": clock.now().isoformat(),
    }
    outbox.publish([("operator.presence", payload)], account_id=operator.account_id)


def _announce_presence(operator: Operator) -> None:
    send_on_commit(presence_event(operator), [account_group(operator.account.public_id)])


def _validate_profile(fields: dict) -> None:
    import zoneinfo

    if "language" in fields and fields["language"] not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unsupported language."), field="language")
    if "time_zone" in fields:
        try:
            zoneinfo.ZoneInfo(fields["time_zone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed(_("Unknown time zone."), field="time_zone") from None
    if "name" in fields and not str(fields["name"]).strip():
        raise ValidationFailed(_("An operator needs a name."), field="name")
    if "preferences" in fields:
        # One schema (accounts/preferences.py), stored complete: readers need no defaults.
        fields["preferences"] = preferences.clean(fields["preferences"])


def _same_account(actor: Actor, account_id: int) -> None:
    if actor.account.pk != account_id:
        from messagecenter.core.errors import NotFound

        raise NotFound(_("Not found."))


def _normalise_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from None
    local, _sep, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _validate_slots(max_slots: int) -> None:
    if not isinstance(max_slots, int) or not 0 <= max_slots <= MAX_SLOTS_LIMIT:
        raise ValidationFailed(
            _("Chat slots must be between 0 and %(max)d.") % {"max": MAX_SLOTS_LIMIT},
            field="max_slots",
        )


def _is_admin(actor: Actor | None) -> bool:
    return actor is not None and actor.operator is not None and actor.operator.is_admin


def _require_admin(actor: Actor | None) -> None:
    """``actor=None`` is the installation itself (CLI, demo seed); else admins only."""
    if actor is not None and not _is_admin(actor):
        raise PermissionDenied(_("Only an administrator can do this."))
