"""Calls (R-FILE-3): the only writer of ``Call`` rows and their timeline entries.

A call's life::

    offer_call ──► RINGING ──accept_call──► ACCEPTED ──hang_up──► ENDED (with its duration)
                      │
                      ├─decline_call / contact hangs up──► DECLINED
                      ├─operator hangs up─────────────────► CANCELLED
                      └─180 s without an answer (expire)──► MISSED

Each step is one transaction that locks the conversation (its timeline hands out the next
seq), writes the call and a ``call`` timeline entry (``data.event`` names the step), and tells
both sides after commit. A closed socket ends the calls it takes part in (``leave_channel``);
the periodic sweep expires unanswered offers and ends calls whose sockets are gone.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from messagecenter.accounts.models import OperatorConnection
from messagecenter.calls import events, ice
from messagecenter.calls.models import OPEN_STATES, Call, CallState
from messagecenter.contacts.models import ContactConnection
from messagecenter.contacts.services import is_online
from messagecenter.conversations import channel, timeline
from messagecenter.conversations.events import announce_entry
from messagecenter.conversations.models import Conversation, EntryKind, Status
from messagecenter.core import clock
from messagecenter.core.actors import Actor
from messagecenter.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from messagecenter.jobs.names import enqueue_on_commit
from messagecenter.transports.base import CapabilityRefused

# An offer nobody answers rings this long, then it is a missed call (R-FILE-3).
OFFER_SECONDS = 180
EXPIRE_JOB = "calls.expire"


# --- what may be offered -------------------------------------------------------------------------


def check_offer(conversation: Conversation, *, video: bool) -> None:
    """Refuse an offer the server, the channel or the widget does not allow, with the reason.
    Also what the composer asks before it shows the phone button (``offer_options``)."""
    if not ice.configured():
        raise InvalidTransition(
            _("Calls are not set up on this server: it needs a TURN relay (MC_TURN_URLS)."),
            code="calls_unavailable",
        )
    if not channel.capabilities(conversation).calls:
        raise CapabilityRefused(
            _("%(channel)s conversations cannot have calls.")
            % {"channel": channel.channel_name(conversation)},
            code="channel_cannot_call",
        )
    if not conversation.widget.calls_enabled:
        raise PermissionDenied(_("Calls are switched off for this widget."), code="calls_disabled")
    if video and not conversation.widget.video_enabled:
        raise PermissionDenied(
            _("Video calls are switched off for this widget."), code="video_disabled"
        )


def offer_options(conversation: Conversation) -> dict[str, bool]:
    """What the composer offers: audio calls, and video calls too."""
    try:
        check_offer(conversation, video=False)
    except (InvalidTransition, PermissionDenied):
        return {"audio": False, "video": False}
    return {"audio": True, "video": conversation.widget.video_enabled}


def ice_for(call: Call, side: events.Side) -> ice.IceConfig:
    """Fresh TURN credentials for one side of a call (named by the call, no personal data)."""
    return ice.config_for(f"{call.public_id}-{side[0]}")


def expires_at(call: Call):
    return call.offered_at + timedelta(seconds=OFFER_SECONDS)


# --- the steps -----------------------------------------------------------------------------------


def offer_call(conversation: Conversation, *, video: bool, actor: Actor, channel_name: str) -> Call:
    """The assigned operator rings the contact, who must be online in the messenger."""
    operator = _require_operator(actor, conversation)
    check_offer(conversation, video=video)
    if conversation.status == Status.ENDED:
        raise InvalidTransition(_("The conversation has ended."), code="conversation_ended")
    if conversation.contact.blocked:
        raise PermissionDenied(_("The contact is blocked."), code="contact_blocked")
    if not is_online(conversation.contact):
        raise InvalidTransition(
            _("The contact is not online in the messenger, so they cannot take a call now."),
            code="contact_offline",
        )
    with transaction.atomic():
        conversation = timeline.lock(conversation)
        _refuse_busy(conversation, operator)
        call = _create(conversation, operator, video, channel_name)
        _record(conversation, call, actor, "offered")
        events.announce_offered(call, expires_at(call).isoformat())
        # The precise expiry; the minute sweep catches it too if the job is lost.
        enqueue_on_commit(EXPIRE_JOB, call.pk, delay=OFFER_SECONDS + 1)
    return call


def accept_call(call_id: str, *, actor: Actor, channel_name: str) -> Call:
    """The contact takes the call in this messenger tab (after the browser's prompt)."""
    call = _contact_call(actor, call_id)
    with transaction.atomic():
        conversation = timeline.lock(call.conversation)
        call = _locked(call)
        _require_ringing(call)
        call.state = CallState.ACCEPTED
        call.answered_at = clock.now()
        call.contact_channel = channel_name
        call.save(update_fields=["state", "answered_at", "contact_channel"])
        _record(conversation, call, actor, "accepted")
        events.announce_accepted(call)
    return call


def decline_call(call_id: str, *, actor: Actor) -> Call:
    call = _contact_call(actor, call_id)
    return _finish(call, CallState.DECLINED, actor, only=(CallState.RINGING,))


def hang_up(call_id: str, *, actor: Actor) -> Call:
    """Either side ends the call. Before an answer: the operator withdraws the offer
    (cancelled), the contact declines it. A call already over stays as it was."""
    call = _party_call(actor, call_id)
    if call.state == CallState.RINGING:
        state = CallState.DECLINED if actor.kind == "contact" else CallState.CANCELLED
        return _finish(call, state, actor, only=(CallState.RINGING,))
    return _finish(call, CallState.ENDED, actor, only=(CallState.ACCEPTED,))


def expire_offer(call_pk: int) -> bool:
    """The delayed job at 180 s: the offer, if still unanswered, is a missed call."""
    call = Call.objects.filter(pk=call_pk, state=CallState.RINGING).first()
    if call is None or clock.now() < expires_at(call):
        return False
    _finish(
        call, CallState.MISSED, Actor.system(call.conversation.account), only=(CallState.RINGING,)
    )
    return True


def expire_offers() -> int:
    """The periodic sweep: every offer older than 180 s is missed."""
    cutoff = clock.now() - timedelta(seconds=OFFER_SECONDS)
    due = Call.objects.filter(state=CallState.RINGING, offered_at__lte=cutoff)
    return sum(expire_offer(pk) for pk in due.values_list("pk", flat=True))


def leave_channel(channel_name: str) -> int:
    """A socket closed (a tab, a reload, a lost network): its calls end; an offer whose
    operator tab is gone is withdrawn."""
    calls = Call.objects.filter(state__in=OPEN_STATES).filter(_party_channel(channel_name))
    return sum(_end_by_system(call) for call in calls.select_related("conversation__account"))


def end_abandoned() -> int:
    """The periodic sweep: calls whose sockets vanished without a close (a crashed process;
    presence prunes silent sockets) end as if hung up."""
    operator_gone = ~Exists(
        OperatorConnection.objects.filter(channel_name=OuterRef("operator_channel"))
    )
    contact_gone = ~Exists(
        ContactConnection.objects.filter(channel_name=OuterRef("contact_channel"))
    )
    ringing = Call.objects.filter(state=CallState.RINGING).filter(operator_gone)
    talking = Call.objects.filter(state=CallState.ACCEPTED).filter(operator_gone | contact_gone)
    gone = [*ringing.select_related("conversation__account"), *talking]
    return sum(_end_by_system(call) for call in gone)


def peer_group(call_id: str, *, actor: Actor, channel_name: str) -> str:
    """Where a WebRTC signal from this socket goes: the other side's tab. Only the two tabs
    of an accepted call (and the operator's while it rings) may signal."""
    call = _party_call(actor, call_id)
    if actor.kind == "contact":
        mine, peer = call.contact_channel, "operator"
    else:
        mine, peer = call.operator_channel, "contact"
    if call.state != CallState.ACCEPTED or mine != channel_name:
        raise InvalidTransition(_("This call is not in progress here."), code="call_not_active")
    return events.call_group(call.public_id, peer)  # type: ignore[arg-type]


def ringing_for(contact) -> list[Call]:
    """The contact's unanswered offers (a tab that connects while one rings shows it too)."""
    return list(
        Call.objects.filter(conversation__contact=contact, state=CallState.RINGING)
        .select_related("conversation__widget", "conversation__contact", "operator")
        .order_by("offered_at")
    )


# --- internals -----------------------------------------------------------------------------------


def _require_operator(actor: Actor, conversation: Conversation):
    if actor.operator is None or actor.account.pk != conversation.account_id:
        raise PermissionDenied(_("Only an operator can offer a call."))
    if conversation.assigned_operator_id != actor.operator.pk:
        raise PermissionDenied(
            _("Only the assigned operator can call. Assign the conversation to yourself first."),
            code="not_assigned",
        )
    return actor.operator


def _refuse_busy(conversation: Conversation, operator) -> None:
    open_calls = Call.objects.filter(state__in=OPEN_STATES)
    if open_calls.filter(conversation=conversation).exists():
        raise Conflict(_("A call is already going on in this conversation."), code="call_busy")
    if open_calls.filter(operator=operator).exists():
        raise Conflict(_("You are already in a call. Hang up first."), code="call_busy")
    if open_calls.filter(conversation__contact_id=conversation.contact_id).exists():
        raise Conflict(_("The contact is already in a call."), code="call_busy")


def _create(conversation: Conversation, operator, video: bool, channel_name: str) -> Call:
    try:
        with transaction.atomic():  # a savepoint: a racing offer loses cleanly
            return Call.objects.create(
                account_id=conversation.account_id,
                conversation=conversation,
                operator=operator,
                video=video,
                offered_at=clock.now(),
                operator_channel=channel_name,
            )
    except IntegrityError:
        raise Conflict(_("A call is already going on."), code="call_busy") from None


def _record(conversation: Conversation, call: Call, actor: Actor, event: str) -> None:
    data: dict = {"call": call.public_id, "event": event, "video": call.video}
    if event in ("ended", "declined", "missed", "cancelled"):
        data["by"] = call.ended_by
    if event == "ended":
        data["duration"] = call.duration_seconds
    entry = timeline.stage(conversation, EntryKind.CALL, actor, data=data)
    timeline.flush(conversation)
    announce_entry(conversation, entry)


def _finish(call: Call, state: str, actor: Actor, *, only: tuple[str, ...]) -> Call:
    with transaction.atomic():
        conversation = timeline.lock(call.conversation)
        call = _locked(call)
        if call.state not in only:
            return call  # answered, ended or expired meanwhile: nothing more to do
        call.state = state
        call.ended_at = clock.now()
        call.ended_by = actor.kind if actor.kind in ("operator", "contact") else "system"
        call.save(update_fields=["state", "ended_at", "ended_by"])
        _record(conversation, call, actor, state)
        events.announce_ended(call)
    return call


def _end_by_system(call: Call) -> bool:
    system = Actor.system(call.conversation.account)
    if call.state == CallState.RINGING:
        state, only = CallState.CANCELLED, (CallState.RINGING,)
    else:
        state, only = CallState.ENDED, (CallState.ACCEPTED,)
    return _finish(call, state, system, only=only).state == state


def _locked(call: Call) -> Call:
    return (
        Call.objects.select_for_update(of=("self",))
        .select_related(
            "conversation__contact", "conversation__account", "conversation__widget", "operator"
        )
        .get(pk=call.pk)
    )


def _require_ringing(call: Call) -> None:
    if call.state == CallState.RINGING and clock.now() < expires_at(call):
        return
    if call.state == CallState.ACCEPTED:
        message = _("The call was already answered.")
    else:
        message = _("The call is over.")
    raise InvalidTransition(message, code="call_not_ringing")


def _party_channel(channel_name: str) -> Q:
    return Q(operator_channel=channel_name) | Q(contact_channel=channel_name)


def _calls():
    return Call.objects.select_related(
        "conversation__contact", "conversation__account", "conversation__widget", "operator"
    )


def _contact_call(actor: Actor, call_id: str) -> Call:
    if actor.contact is None:
        raise NotFound(_("Not found."))
    call = _calls().filter(public_id=call_id, conversation__contact=actor.contact).first()
    if call is None:
        raise NotFound(_("Not found."))
    return call


def _party_call(actor: Actor, call_id: str) -> Call:
    """A call of this contact, or one this operator offered; anyone else: not found."""
    if actor.kind == "contact":
        return _contact_call(actor, call_id)
    if actor.operator is None:
        raise NotFound(_("Not found."))
    call = _calls().filter(public_id=call_id, account=actor.account, operator=actor.operator)
    found = call.first()
    if found is None:
        raise NotFound(_("Not found."))
    return found
