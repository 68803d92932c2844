"""Account settings are for administrators: a teammate gets a 403 page that says so, an
outsider's ids are not found (404), a signed-out visitor signs in first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.conversations.services import create_topic
from tests.conftest import as_actor

pytestmark = pytest.mark.django_db

PAGES = [
    "settings",
    "settings_operators",
    "settings_operator_invite",
    "settings_groups",
    "settings_topics",
    "settings_widgets",
    "settings_widget_new",
]


@pytest.fixture
def acme_objects(alice, bob, support_group, widget):
    """One object of each kind in Acme, as (url name, public id, method)."""
    topic = create_topic(alice.account, "Lieferung", actor=as_actor(alice))
    return [
        ("settings_operator", bob.public_id, "get"),
        ("settings_operator_reinvite", bob.public_id, "post"),
        ("settings_group_rename", support_group.public_id, "post"),
        ("settings_group_delete", support_group.public_id, "post"),
        ("settings_topic_rename", topic.public_id, "post"),
        ("settings_topic_delete", topic.public_id, "post"),
        ("settings_widget", widget.public_id, "get"),
    ]


@pytest.mark.parametrize("name", PAGES)
def test_teammate_gets_a_clear_403_page(teammate_client, name):
    response = teammate_client.get(reverse(name))

    assert response.status_code == 403
    html = response.content.decode()
    assert "Only administrators can open this page" in html
    assert "Acme" in html


def test_teammate_gets_403_for_every_object_page_and_changes_nothing(
    teammate_client, acme_objects, support_group
):
    for name, public_id, method in acme_objects:
        response = getattr(teammate_client, method)(reverse(name, args=[public_id]), {"name": "X"})
        assert response.status_code == 403, name
    support_group.refresh_from_db()
    assert support_group.name == "Support"


def test_outsider_admin_finds_none_of_acmes_objects(outsider_client, acme_objects, support_group):
    for name, public_id, method in acme_objects:
        response = getattr(outsider_client, method)(reverse(name, args=[public_id]), {"name": "X"})
        assert response.status_code == 404, name
    support_group.refresh_from_db()
    assert support_group.name == "Support"


@pytest.mark.parametrize("name", PAGES)
def test_outsider_admin_sees_only_their_own_account(
    outsider_client, alice, bob, widget, support_group, name
):
    response = outsider_client.get(reverse(name), follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    for secret in (alice.email, bob.email, widget.key, support_group.public_id, ">Support<"):
        assert secret not in html


@pytest.mark.parametrize("name", PAGES)
def test_signed_out_visitor_is_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_settings_opens_on_the_operators(admin_client):
    assert admin_client.get(reverse("settings"))["Location"] == reverse("settings_operators")
