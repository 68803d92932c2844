"""Team administration through the services: admins only, validated, audited."""

from __future__ import annotations

import pytest

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import AuditEntry, Presence, Role
from messagecenter.conversations import services as conversations
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.widgets.services import create_widget, update_widget

pytestmark = pytest.mark.django_db


def test_new_operators_start_away(account):
    operator = accounts.create_operator(account, name="Neu", email="neu@acme.test")
    assert operator.presence == Presence.AWAY
    assert not operator.has_usable_password()  # invited: sets a password via the reset link


def test_only_admins_create_operators_groups_widgets_topics(account, bob):
    teammate = Actor.for_operator(bob)
    attempts = [
        lambda: accounts.create_operator(account, name="X", email="x@acme.test", actor=teammate),
        lambda: accounts.create_group(account, "X", actor=teammate),
        lambda: create_widget(account, "X", actor=teammate),
        lambda: conversations.create_topic(account, "X", actor=teammate),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()


def test_duplicate_email_is_a_clear_error(account, alice):
    with pytest.raises(ValidationFailed, match="already exists"):
        accounts.create_operator(
            account, name="A2", email="ALICE@acme.test".lower(), actor=Actor.for_operator(alice)
        )


def test_admin_updates_a_teammate_and_it_is_audited(account, alice, bob):
    sales = accounts.create_group(account, "Sales")
    accounts.update_operator(
        bob, actor=Actor.for_operator(alice), role=Role.SUPERVISOR, groups=[sales], max_slots=5
    )
    bob.refresh_from_db()
    assert (bob.role, bob.max_slots, list(bob.groups.all())) == (Role.SUPERVISOR, 5, [sales])
    assert AuditEntry.objects.filter(action="operator.updated", target_id=bob.public_id).exists()


def test_admin_cannot_lock_themselves_out(alice):
    with pytest.raises(ValidationFailed):
        accounts.update_operator(alice, actor=Actor.for_operator(alice), role=Role.OPERATOR)
    with pytest.raises(ValidationFailed):
        accounts.update_operator(alice, actor=Actor.for_operator(alice), is_active=False)


def test_outsider_admin_cannot_change_our_team(bob, charlie):
    with pytest.raises(NotFound):
        accounts.update_operator(bob, actor=Actor.for_operator(charlie), max_slots=9)


@pytest.mark.parametrize("slots", [-1, 51, "3"])
def test_chat_slots_are_validated(alice, bob, slots):
    with pytest.raises(ValidationFailed):
        accounts.update_operator(bob, actor=Actor.for_operator(alice), max_slots=slots)


def test_operators_set_own_slots_only_if_account_allows(account, bob):
    with pytest.raises(PermissionDenied):
        accounts.set_max_slots(bob, 4, actor=Actor.for_operator(bob))
    account.operators_set_own_slots = True
    account.save()
    bob.account.refresh_from_db()
    accounts.set_max_slots(bob, 4, actor=Actor.for_operator(bob))
    bob.refresh_from_db()
    assert bob.max_slots == 4


def test_profile_update_validates(bob):
    me = Actor.for_operator(bob)
    accounts.update_profile(bob, actor=me, language="de", time_zone="America/New_York")
    with pytest.raises(ValidationFailed):
        accounts.update_profile(bob, actor=me, time_zone="Mars/Base")
    with pytest.raises(ValidationFailed):
        accounts.update_profile(bob, actor=me, role="admin")
    bob.refresh_from_db()
    assert (bob.language, bob.time_zone, bob.role) == ("de", "America/New_York", Role.OPERATOR)


def test_widget_settings_are_validated_and_nothing_changes_on_error(account, alice):
    me = Actor.for_operator(alice)
    widget = create_widget(account, "Shop", actor=me)
    with pytest.raises(ValidationFailed):
        update_widget(widget, actor=me, name="Neu", conversation_timeout_minutes=0)
    with pytest.raises(ValidationFailed):
        update_widget(widget, actor=me, allowed_origins=["shop.example.com"])
    with pytest.raises(ValidationFailed):
        update_widget(widget, actor=me, media={"enabled": True, "types": ["hologram"]})
    widget.refresh_from_db()
    assert (widget.name, widget.conversation_timeout_minutes) == ("Shop", 30)
    update_widget(widget, actor=me, allowed_origins=["https://shop.example.com"], privacy_mode=True)
    widget.refresh_from_db()
    assert widget.privacy_mode and widget.allowed_origins == ["https://shop.example.com"]


def test_each_widget_gets_its_webchat_connection(account):
    widget = create_widget(account, "Shop")
    assert [c.kind for c in widget.connections.all()] == ["webchat"]
