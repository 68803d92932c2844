"""Roles (accounts.permissions), enforced by the domain services: an administrator does
everything; a supervisor reassigns and ends anyone's conversations, sees everyone's analytics
and the audit log, but has no Settings; an operator works their own and unassigned
conversations and sees only their own numbers. A refusal names the reason and changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from messagecenter.accounts import permissions
from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import AuditEntry, OperatorGroup, Role
from messagecenter.administration import audit_log
from messagecenter.administration.audit_log import AuditFilter
from messagecenter.conversations import services
from messagecenter.conversations.models import Status
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from tests.conftest import as_actor
from tests.helpers import conversation_in, go_online

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(account, support_group):
    """Sam, a supervisor."""
    return accounts.create_operator(
        account,
        name="Sam Supervisor",
        email="sam@acme.test",
        password="sam-pass-12345",
        role=Role.SUPERVISOR,
        groups=[support_group],
    )


@pytest.fixture
def dora(account, support_group):
    """Dora, a second operator."""
    return accounts.create_operator(
        account, name="Dora Doe", email="dora@acme.test", password="dora-pass-1234",
        groups=[support_group],
    )  # fmt: skip


@pytest.fixture
def bobs_chat(widget, contact, bob):
    go_online(bob)
    return conversation_in(Status.OPEN, widget, contact, bob)


def _fresh(conversation):
    conversation.refresh_from_db()
    return conversation


# --- reassigning -------------------------------------------------------------------------------


def test_an_operator_cannot_take_or_end_a_teammates_conversation(bobs_chat, dora, support_group):
    """GIVEN Bob's open conversation WHEN Dora (operator) assigns it to herself, hands it to
    the group, unassigns or ends it THEN each is refused with the reason and Bob keeps it."""
    as_dora = as_actor(dora)
    attempts = [
        lambda: services.assign_operator(bobs_chat, dora, actor=as_dora),
        lambda: services.assign_group(bobs_chat, support_group, actor=as_dora),
        lambda: services.unassign(bobs_chat, actor=as_dora),
        lambda: services.end_conversation(bobs_chat, actor=as_dora),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match="assigned to a teammate") as refused:
            attempt()
        assert refused.value.code == "not_yours"
    bobs_chat = _fresh(bobs_chat)
    assert (bobs_chat.assigned_operator.name, bobs_chat.status) == ("Bob Builder", Status.OPEN)


def test_an_operator_still_works_their_own_and_unassigned_conversations(widget, contact, bob, dora):
    """Bob forwards his own conversation to Dora; Dora takes an unassigned one and ends it."""
    go_online(bob)
    mine = conversation_in(Status.OPEN, widget, contact, bob)
    services.assign_operator(mine, dora, actor=as_actor(bob))
    assert _fresh(mine).assigned_operator_id == dora.pk

    services.unassign(mine, actor=as_actor(dora))
    assert _fresh(mine).assigned_operator_id is None
    services.assign_operator(mine, dora, actor=as_actor(dora))
    services.end_conversation(mine, actor=as_actor(dora))
    assert _fresh(mine).status == Status.ENDED


def test_a_supervisor_reassigns_transfers_and_ends_anyones_conversation(
    bobs_chat, sam, dora, support_group
):
    as_sam = as_actor(sam)
    services.assign_operator(bobs_chat, dora, actor=as_sam)
    assert _fresh(bobs_chat).assigned_operator_id == dora.pk
    services.assign_group(bobs_chat, support_group, actor=as_sam)
    assert _fresh(bobs_chat).assigned_group_id == support_group.pk
    services.end_conversation(_fresh(bobs_chat), actor=as_sam)
    assert _fresh(bobs_chat).status == Status.ENDED


def test_an_admin_ends_anyones_conversation(bobs_chat, alice):
    services.end_conversation(bobs_chat, actor=as_actor(alice))
    assert _fresh(bobs_chat).status == Status.ENDED


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OPERATOR])
def test_no_settings_for_supervisors_and_operators(role, sam, bob, account):
    """Groups, the account's name, another operator's slots: refused, nothing changed."""
    who = sam if role == Role.SUPERVISOR else bob
    me = as_actor(who)
    with pytest.raises(PermissionDenied, match="Only an administrator"):
        accounts.create_group(account, "Night shift", actor=me)
    with pytest.raises(PermissionDenied, match="Only an administrator"):
        accounts.rename_account(account, "Taken over", actor=me)
    with pytest.raises(PermissionDenied):
        accounts.update_operator(bob, actor=me, role=Role.ADMIN)
    account.refresh_from_db()
    bob.refresh_from_db()
    assert account.name == "Acme"
    assert bob.role == Role.OPERATOR
    assert not OperatorGroup.objects.filter(name="Night shift").exists()
    assert not permissions.can_manage_settings(me)


# --- audit log ---------------------------------------------------------------------------------


def test_a_supervisor_reads_and_exports_the_audit_log(alice, sam, bob, account):
    accounts.create_group(account, "Sales", actor=as_actor(alice))

    page = audit_log.page(as_actor(sam), AuditFilter())
    assert [e.action for e in page.entries] == ["group.created"]
    lines = list(audit_log.csv_rows(as_actor(sam), AuditFilter()))
    assert len(lines) == 2 and "group.created" in lines[1]


def test_an_operator_cannot_read_the_audit_log(alice, bob, account):
    with pytest.raises(PermissionDenied, match="administrators and supervisors"):
        audit_log.page(as_actor(bob), AuditFilter())
    with pytest.raises(PermissionDenied):
        list(audit_log.csv_rows(as_actor(bob), AuditFilter()))


# --- analytics ---------------------------------------------------------------------------------


def test_analytics_scope_by_role(alice, sam, bob):
    assert permissions.analytics_scope(as_actor(alice)) is None
    assert permissions.analytics_scope(as_actor(sam)) is None
    assert permissions.analytics_scope(as_actor(bob)) == bob


def _operator_choices(operator) -> list[str]:
    client = Client()
    client.force_login(operator)
    response = client.get("/analytics/")
    assert response.status_code == 200
    form = response.context["form"]
    return [label for value, label in form.fields["operator"].choices if value]


def test_an_operators_analytics_offer_only_themselves(alice, sam, bob, dora):
    assert _operator_choices(bob) == ["Bob Builder"]
    assert set(_operator_choices(sam)) == {
        "Alice Admin",
        "Sam Supervisor",
        "Bob Builder",
        "Dora Doe",
    }


def test_an_operator_cannot_widen_analytics_by_the_query(bob, dora, widget, contact):
    """Dora's id in the URL does not show Dora's numbers to Bob: the filter stays Bob."""
    client = Client()
    client.force_login(bob)
    response = client.get("/analytics/", {"operator": dora.public_id})
    assert response.context["filters"].operator_id == bob.pk


# --- changing roles ----------------------------------------------------------------------------


def test_an_admin_changes_a_role_and_it_is_audited(alice, bob):
    accounts.update_operator(bob, actor=as_actor(alice), role=Role.SUPERVISOR)

    bob.refresh_from_db()
    assert bob.role == Role.SUPERVISOR
    entry = AuditEntry.objects.get(action="operator.role_changed")
    assert (entry.actor_id, entry.target_id) == (alice.public_id, bob.public_id)
    assert entry.data == {"role_from": "operator", "role_to": "supervisor"}


def test_nobody_changes_their_own_role(alice):
    with pytest.raises(ValidationFailed, match="your own role"):
        accounts.update_operator(alice, actor=as_actor(alice), role=Role.SUPERVISOR)
    alice.refresh_from_db()
    assert alice.role == Role.ADMIN
    assert not AuditEntry.objects.filter(action="operator.role_changed").exists()


def test_the_last_admin_cannot_be_demoted(alice, account):
    """GIVEN Alice is the account's only administrator WHEN the installation (the CLI, no
    actor) or a deactivated former admin tries to demote her THEN it is refused."""
    with pytest.raises(ValidationFailed, match="last administrator"):
        permissions.check_role_change(None, alice, Role.SUPERVISOR)
    ben = accounts.create_operator(
        account, name="Ben", email="ben@acme.test", password="ben-pass-123456", role=Role.ADMIN
    )
    accounts.update_operator(ben, actor=as_actor(alice), is_active=False)
    with pytest.raises(ValidationFailed, match="last administrator"):
        accounts.update_operator(alice, actor=as_actor(ben), role=Role.OPERATOR)
    alice.refresh_from_db()
    assert alice.role == Role.ADMIN


def test_with_a_second_admin_an_admin_may_be_demoted(alice, account):
    ann = accounts.create_operator(
        account, name="Ann Admin", email="ann@acme.test", password="ann-pass-12345", role=Role.ADMIN
    )
    accounts.update_operator(alice, actor=as_actor(ann), role=Role.OPERATOR)
    alice.refresh_from_db()
    assert alice.role == Role.OPERATOR


# --- the inbox endpoints answer the refusal ----------------------------------------------------


def test_the_inbox_endpoints_refuse_an_operator_with_the_reason(bobs_chat, dora, sam):
    """Dora's browser posts Assign to me and End on Bob's chat: 403 with the service's reason
    (shown in the conversation), and Bob keeps it; Sam's post succeeds."""
    client = Client()
    client.force_login(dora)
    base = f"/inbox/{bobs_chat.public_id}"
    headers = {"HTTP_ACCEPT": "application/json"}
    for path, data in ((f"{base}/assign/", {"to": "me"}), (f"{base}/end/", {})):
        response = client.post(path, data, **headers)
        assert response.status_code == 403
        assert "assigned to a teammate" in response.content.decode()
    assert _fresh(bobs_chat).assigned_operator.name == "Bob Builder"

    client.force_login(sam)
    assert client.post(f"{base}/assign/", {"to": "me"}, **headers).status_code == 200
    assert _fresh(bobs_chat).assigned_operator_id == sam.pk


# --- the REST API: a personal token has its operator's role --------------------------------------


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OPERATOR])
def test_a_personal_token_reaches_no_settings_endpoint(role, sam, bob, account, widget):
    from tests.api.conftest import personal

    api = personal(sam if role == Role.SUPERVISOR else bob)
    refused = [
        api.post("/groups", {"name": "Night shift"}),
        api.post("/topics", {"name": "Billing"}),
        api.patch(f"/widgets/{widget.public_id}", {"name": "Taken over"}),
        api.patch(f"/operators/{bob.public_id}", {"role": "admin"}),
        api.post("/custom-fields", {"key": "tier", "label": "Tier", "type": "text"}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    widget.refresh_from_db()
    bob.refresh_from_db()
    assert widget.name != "Taken over" and bob.role == Role.OPERATOR
    assert not OperatorGroup.objects.filter(name="Night shift").exists()


def test_an_operators_token_reads_only_their_own_analytics(clock, alice, bob, sam, widget, contact):
    """Alice answers a conversation: the team's summary counts it, Bob's does not, even when
    he asks for Alice's numbers by id."""
    from tests.analytics.conftest import drain
    from tests.api.conftest import personal

    go_online(alice)
    conversation_in(Status.OPEN, widget, contact, alice)
    drain()
    assert personal(sam).get("/analytics/summary").json()["new"] == 1
    assert personal(bob).get("/analytics/summary").json()["new"] == 0
    asked = personal(bob).get("/analytics/summary", {"operator": alice.public_id}).json()
    assert asked["new"] == 0
