"""Settings → Operators: invite by e-mail, change role, groups, slots, deactivate."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import AuditEntry, Operator, Role
from tests.conftest import as_actor

pytestmark = pytest.mark.django_db


def invite(client, **changes):
    data = {
        "name": "Nora Neu",
        "email": "nora@acme.test",
        "language": "de",
        "role": Role.OPERATOR,
        "max_slots": 4,
    } | changes
    return client.post(reverse("settings_operator_invite"), data)


def edit(client, operator, **changes):
    data = {
        "role": operator.role,
        "max_slots": operator.max_slots,
        "groups": [g.public_id for g in operator.groups.all()],
        "is_active": "on" if operator.is_active else "",
    } | changes
    return client.post(reverse("settings_operator", args=[operator.public_id]), data)


def test_the_list_shows_the_team_with_roles_groups_and_slots(admin_client, alice, bob):
    html = admin_client.get(reverse("settings_operators")).content.decode()

    assert "bob@acme.test" in html and "Administrator" in html
    assert '<span class="chip">Support</span>' in html
    assert reverse("settings_operator", args=[bob.public_id]) in html


def test_inviting_creates_an_operator_without_password_and_emails_the_link(
    admin_client, account, support_group, client
):
    response = invite(admin_client, groups=[support_group.public_id])

    assert response.status_code == 302
    nora = Operator.objects.get(email="nora@acme.test")
    assert nora.account == account
    assert not nora.has_usable_password()
    assert (nora.language, nora.max_slots) == ("de", 4)
    assert list(nora.groups.all()) == [support_group]
    assert AuditEntry.objects.filter(action="operator.created", target_id=nora.public_id).exists()
    [invitation] = mail.outbox
    assert invitation.to == ["nora@acme.test"]
    assert invitation.subject == "Einladung zu Acme im Message Center"  # in Nora's language
    assert "Alice Admin" in invitation.body

    # The link is how Nora chooses her password and signs in.
    link = re.search(r"https?://\S+/password/reset/\S+/", invitation.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)
    new_password = "nora-secret-2026"
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    nora.refresh_from_db()
    assert nora.check_password(new_password)


def test_the_success_message_names_the_invited(admin_client):
    response = admin_client.post(
        reverse("settings_operator_invite"),
        {
            "name": "Nora Neu",
            "email": "nora@acme.test",
            "language": "en",
            "role": "operator",
            "max_slots": 3,
        },
        follow=True,
    )

    assert "Nora Neu is invited: we sent an e-mail to nora@acme.test" in response.content.decode()


def test_an_e_mail_already_in_use_shows_the_services_message(admin_client, bob):
    response = invite(admin_client, email="bob@acme.test")

    assert response.status_code == 400
    assert "An operator with this e-mail already exists." in response.content.decode()
    assert Operator.objects.filter(email="bob@acme.test").count() == 1
    assert mail.outbox == []


def test_a_refused_slot_count_shows_the_services_message(admin_client):
    response = invite(admin_client, max_slots=80)

    assert response.status_code == 400
    assert "Chat slots must be between 0 and 50." in response.content.decode()
    assert not Operator.objects.filter(email="nora@acme.test").exists()


def test_a_group_of_another_account_is_not_a_choice(admin_client, other_account):
    foreign = accounts.create_group(other_account, "Globex Support")

    response = invite(admin_client, groups=[foreign.public_id])

    assert response.status_code == 400
    assert not Operator.objects.filter(email="nora@acme.test").exists()


def test_teammate_cannot_invite(teammate_client):
    assert invite(teammate_client).status_code == 403
    assert not Operator.objects.filter(email="nora@acme.test").exists()


def test_editing_role_groups_slots_and_active(admin_client, account, bob):
    sales = accounts.create_group(account, "Sales")

    response = edit(
        admin_client, bob, role=Role.SUPERVISOR, groups=[sales.public_id], max_slots=6, is_active=""
    )

    assert response.status_code == 302
    bob.refresh_from_db()
    assert (bob.role, bob.max_slots, bob.is_active) == (Role.SUPERVISOR, 6, False)
    assert list(bob.groups.all()) == [sales]
    assert AuditEntry.objects.filter(action="operator.updated", target_id=bob.public_id).exists()


def test_an_admin_cannot_remove_their_own_admin_access(admin_client, alice):
    response = edit(admin_client, alice, role=Role.OPERATOR)

    assert response.status_code == 400
    assert "You cannot change your own role." in response.content.decode()
    alice.refresh_from_db()
    assert alice.role == Role.ADMIN


def test_a_refused_edit_changes_nothing(admin_client, bob):
    response = edit(admin_client, bob, role=Role.SUPERVISOR, max_slots=51)

    assert response.status_code == 400
    assert "Chat slots must be between 0 and 50." in response.content.decode()
    bob.refresh_from_db()
    assert (bob.role, bob.max_slots) == (Role.OPERATOR, 3)


def test_a_pending_invitation_can_be_sent_again(admin_client, account):
    nora = accounts.create_operator(account, name="Nora Neu", email="nora@acme.test")
    page = admin_client.get(reverse("settings_operator", args=[nora.public_id])).content.decode()
    assert "They have not chosen a password yet." in page

    response = admin_client.post(
        reverse("settings_operator_reinvite", args=[nora.public_id]), follow=True
    )

    assert "A new invitation is on its way to nora@acme.test." in response.content.decode()
    assert [m.to for m in mail.outbox] == [["nora@acme.test"]]


def test_someone_with_a_password_is_not_invited_again(admin_client, bob):
    response = admin_client.post(
        reverse("settings_operator_reinvite", args=[bob.public_id]), follow=True
    )

    assert "Bob Builder cannot be invited again." in response.content.decode()
    assert mail.outbox == []


def test_reinvite_needs_a_post(admin_client, bob):
    response = admin_client.get(reverse("settings_operator_reinvite", args=[bob.public_id]))

    assert response.status_code == 405


def test_outsider_cannot_edit_acmes_operators(outsider_client, bob):
    response = edit(outsider_client, bob, max_slots=9)

    assert response.status_code == 404
    bob.refresh_from_db()
    assert bob.max_slots == 3


def test_deactivated_operators_are_marked(admin_client, alice, bob):
    accounts.update_operator(bob, actor=as_actor(alice), is_active=False)

    html = admin_client.get(reverse("settings_operators")).content.decode()

    assert "Deactivated" in html
