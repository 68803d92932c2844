"""The call's state machine (R-FILE-3): offer, accept, decline, hang up, expiry after 180 s,
and the rules that refuse an offer. Every step is a timeline entry both sides hear of."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messagecenter.calls import services
from messagecenter.calls.models import Call, CallState
from messagecenter.conversations.models import TimelineEntry
from messagecenter.core.actors import Actor
from messagecenter.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from messagecenter.notifications.models import Kind, Notification
from messagecenter.widgets import services as widgets
from tests.conftest import capture_events
from tests.helpers import contact_opens_messenger, conversation_in

pytestmark = pytest.mark.django_db


def offer(chat, alice, *, video=False, channel="op.tab.1"):
    return services.offer_call(
        chat, video=video, actor=Actor.for_operator(alice), channel_name=channel
    )


def call_entries(conversation):
    rows = TimelineEntry.objects.filter(conversation=conversation, kind="call").order_by("seq")
    return [(e.actor_kind, e.data["event"]) for e in rows]


def test_an_offer_rings_the_contact_and_is_a_timeline_entry(chat, alice, contact, clock):
    with capture_events() as sent:
        call = offer(chat, alice, video=True)
    assert call.state == CallState.RINGING and call.video
    offered = [(e, g) for e, g in sent if e["type"] == "call.offered"]
    assert len(offered) == 1
    event, groups = offered[0]
    assert groups == [f"contact.{contact.public_id}"]
    assert event["operator"] == "Alice Admin" and event["video"] is True
    assert event["expires_at"] == (call.offered_at + timedelta(seconds=180)).isoformat()
    assert call_entries(chat) == [("operator", "offered")]
    # Both the operators viewing and the contact's messenger get the entry.
    types = {e["type"] for e, _ in sent}
    assert {"timeline.entry", "messenger.entry"} <= types


def test_accepting_then_hanging_up_records_the_duration(chat, alice, contact, clock):
    call = offer(chat, alice)
    clock.shift(12)
    accepted = services.accept_call(
        call.public_id, actor=Actor.for_contact(contact), channel_name="ct.tab.1"
    )
    assert accepted.state == CallState.ACCEPTED and accepted.contact_channel == "ct.tab.1"
    clock.shift(125)
    with capture_events() as sent:
        ended = services.hang_up(call.public_id, actor=Actor.for_contact(contact))
    assert ended.state == CallState.ENDED and ended.duration_seconds == 125
    assert call_entries(chat) == [
        ("operator", "offered"),
        ("contact", "accepted"),
        ("contact", "ended"),
    ]
    last = TimelineEntry.objects.filter(conversation=chat, kind="call").last()
    assert last.data["duration"] == 125 and last.data["by"] == "contact"
    ended_events = [(e, g) for e, g in sent if e["type"] == "call.ended"]
    assert ended_events[0][0]["duration"] == 125
    assert sorted(ended_events[0][1]) == sorted(
        [f"call.{call.public_id}.operator", f"contact.{contact.public_id}"]
    )


def test_the_contact_declines(chat, alice, contact):
    call = offer(chat, alice)
    declined = services.decline_call(call.public_id, actor=Actor.for_contact(contact))
    assert declined.state == CallState.DECLINED and declined.duration_seconds is None
    assert call_entries(chat)[-1] == ("contact", "declined")
    # Answering a declined call is refused; hanging up again changes nothing.
    with pytest.raises(InvalidTransition):
        services.accept_call(call.public_id, actor=Actor.for_contact(contact), channel_name="x")
    assert services.hang_up(call.public_id, actor=Actor.for_contact(contact)).state == "declined"
    assert len(call_entries(chat)) == 2


def test_the_operator_withdraws_an_unanswered_offer(chat, alice):
    call = offer(chat, alice)
    cancelled = services.hang_up(call.public_id, actor=Actor.for_operator(alice))
    assert cancelled.state == CallState.CANCELLED
    assert call_entries(chat)[-1] == ("operator", "cancelled")


def test_an_unanswered_offer_is_missed_after_180_seconds(chat, alice, contact, clock):
    call = offer(chat, alice)
    clock.shift(179)
    assert services.expire_offers() == 0
    assert Call.objects.get().state == CallState.RINGING
    clock.shift(1)
    with capture_events() as sent:
        assert services.expire_offers() == 1
    assert Call.objects.get().state == CallState.MISSED
    assert call_entries(chat)[-1] == ("system", "missed")
    assert [e["state"] for e, _ in sent if e["type"] == "call.ended"] == ["missed"]
    # Too late to accept; the operator who called is notified.
    with pytest.raises(InvalidTransition):
        services.accept_call(call.public_id, actor=Actor.for_contact(contact), channel_name="x")
    notification = Notification.objects.get(kind=Kind.CALL_MISSED)
    assert notification.operator == alice and notification.conversation == chat


def test_the_delayed_job_expires_only_when_due(chat, alice, clock):
    call = offer(chat, alice)
    clock.shift(100)
    assert services.expire_offer(call.pk) is False
    clock.shift(80)
    assert services.expire_offer(call.pk) is True
    assert services.expire_offer(call.pk) is False  # once


def test_an_offer_cannot_be_accepted_a_moment_before_expiry_is_swept(chat, alice, contact, clock):
    call = offer(chat, alice)
    clock.shift(180)
    with pytest.raises(InvalidTransition):
        services.accept_call(call.public_id, actor=Actor.for_contact(contact), channel_name="x")


def test_a_widget_with_calls_switched_off_refuses_the_offer(chat, alice):
    widgets.update_widget(chat.widget, actor=Actor.for_operator(alice), calls_enabled=False)
    chat.refresh_from_db()
    with pytest.raises(PermissionDenied) as refused:
        offer(chat, alice)
    assert refused.value.code == "calls_disabled"
    assert Call.objects.count() == 0 and call_entries(chat) == []
    assert services.offer_options(chat) == {"audio": False, "video": False}


def test_a_widget_without_video_refuses_video_but_takes_audio(chat, alice):
    widgets.update_widget(chat.widget, actor=Actor.for_operator(alice), video_enabled=False)
    chat.refresh_from_db()
    with pytest.raises(PermissionDenied) as refused:
        offer(chat, alice, video=True)
    assert refused.value.code == "video_disabled"
    assert Call.objects.count() == 0
    assert offer(chat, alice).state == CallState.RINGING
    assert services.offer_options(chat) == {"audio": True, "video": False}


def test_without_a_relay_calls_are_unavailable(chat, alice, settings):
    settings.TURN_URLS = []
    with pytest.raises(InvalidTransition) as refused:
        offer(chat, alice)
    assert refused.value.code == "calls_unavailable"


def test_the_contact_must_be_online(widget, contact, alice):
    from messagecenter.conversations.models import Status

    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    with pytest.raises(InvalidTransition) as refused:
        offer(conversation, alice)
    assert refused.value.code == "contact_offline"


def test_only_the_assigned_operator_calls(chat, bob):
    with pytest.raises(PermissionDenied) as refused:
        offer(chat, bob)
    assert refused.value.code == "not_assigned"


def test_one_call_at_a_time(chat, alice):
    offer(chat, alice)
    with pytest.raises(Conflict):
        offer(chat, alice, channel="op.tab.2")
    assert Call.objects.count() == 1


def test_someone_else_cannot_touch_the_call(chat, alice, account, charlie, bob):
    from messagecenter.contacts.services import create_contact

    call = offer(chat, alice)
    stranger = create_contact(account, name="Someone Else")
    with pytest.raises(NotFound):
        services.accept_call(call.public_id, actor=Actor.for_contact(stranger), channel_name="x")
    with pytest.raises(NotFound):
        services.hang_up(call.public_id, actor=Actor.for_operator(charlie))
    with pytest.raises(NotFound):
        services.hang_up(call.public_id, actor=Actor.for_operator(bob))
    assert Call.objects.get().state == CallState.RINGING


def test_signals_flow_only_between_the_two_tabs_of_an_accepted_call(chat, alice, contact):
    call = offer(chat, alice, channel="op.tab.1")
    with pytest.raises(InvalidTransition):
        services.peer_group(
            call.public_id, actor=Actor.for_operator(alice), channel_name="op.tab.1"
        )
    services.accept_call(call.public_id, actor=Actor.for_contact(contact), channel_name="ct.tab.1")
    me = Actor.for_operator(alice)
    assert services.peer_group(call.public_id, actor=me, channel_name="op.tab.1") == (
        f"call.{call.public_id}.contact"
    )
    they = Actor.for_contact(contact)
    assert services.peer_group(call.public_id, actor=they, channel_name="ct.tab.1") == (
        f"call.{call.public_id}.operator"
    )
    with pytest.raises(InvalidTransition):  # another tab of the contact
        services.peer_group(call.public_id, actor=they, channel_name="ct.tab.2")


def test_a_closed_tab_ends_its_call(chat, alice, contact, clock):
    call = offer(chat, alice, channel="op.tab.1")
    services.accept_call(call.public_id, actor=Actor.for_contact(contact), channel_name="ct.tab.1")
    clock.shift(30)
    assert services.leave_channel("ct.tab.1") == 1
    call.refresh_from_db()
    assert call.state == CallState.ENDED and call.ended_by == "system"
    assert call_entries(chat)[-1] == ("system", "ended")


def test_the_sweep_ends_calls_whose_sockets_are_gone(chat, alice, contact):
    from tests.helpers import go_online

    operator_tab = go_online(alice)
    contact_tab = contact_opens_messenger(contact)
    call = offer(chat, alice, channel=operator_tab)
    services.accept_call(call.public_id, actor=Actor.for_contact(contact), channel_name=contact_tab)
    assert services.end_abandoned() == 0
    from messagecenter.contacts.models import ContactConnection

    ContactConnection.objects.filter(channel_name=contact_tab).delete()  # pruned as stale
    assert services.end_abandoned() == 1
    assert Call.objects.get().state == CallState.ENDED


def test_the_contact_sees_call_entries_without_internal_data(chat, alice, contact, clock):
    from messagecenter.conversations.queries import contact_entries_after

    call = offer(chat, alice, video=True)
    clock.shift(181)
    services.expire_offers()
    calls = [e for e in contact_entries_after(chat, 0) if e["kind"] == "call"]
    assert [e["call"] for e in calls] == [
        {"id": call.public_id, "event": "offered", "video": True, "duration": None},
        {"id": call.public_id, "event": "missed", "video": True, "duration": None},
    ]
    assert all(set(e) == {"seq", "kind", "at", "call"} for e in calls)
