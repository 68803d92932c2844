"""Settings → Operator groups and Topics: create, rename, delete, each through its service."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import AuditEntry, OperatorGroup
from messagecenter.conversations import services as conversations
from messagecenter.conversations.models import Topic

pytestmark = pytest.mark.django_db


@dataclass
class Kind:
    model: type
    create: object
    list_url: str
    prefix: str
    audit: str
    duplicate: str


GROUPS = Kind(
    OperatorGroup,
    accounts.create_group,
    "settings_groups",
    "settings_group",
    "group",
    "A group with this name already exists.",
)
TOPICS = Kind(
    Topic,
    conversations.create_topic,
    "settings_topics",
    "settings_topic",
    "topic",
    "A topic with this name already exists.",
)


@pytest.fixture(params=[GROUPS, TOPICS], ids=["groups", "topics"])
def kind(request):
    return request.param


def names(kind, account) -> list[str]:
    return sorted(kind.model.objects.filter(account=account).values_list("name", flat=True))


@pytest.fixture
def existing(kind, account, alice):
    from tests.conftest import as_actor

    kind.create(account, "Lieferung", actor=as_actor(alice))
    return kind.create(account, "Rechnung", actor=as_actor(alice))


def test_create(admin_client, kind, account, support_group):
    response = admin_client.post(reverse(kind.list_url), {"name": "  Vertrieb "}, follow=True)

    assert "Vertrieb" in names(kind, account)
    assert "“Vertrieb” has been created." in response.content.decode()
    assert AuditEntry.objects.filter(action=f"{kind.audit}.created").exists()


def test_create_with_a_taken_name_shows_the_services_message(admin_client, kind, account, existing):
    before = names(kind, account)

    response = admin_client.post(reverse(kind.list_url), {"name": "Rechnung"})

    assert response.status_code == 400
    html = response.content.decode()
    assert kind.duplicate in html
    assert 'value="Rechnung"' in html  # what was typed stays
    assert names(kind, account) == before


def test_create_without_a_name_is_refused(admin_client, kind, account, support_group):
    before = names(kind, account)

    response = admin_client.post(reverse(kind.list_url), {"name": "   "})

    assert response.status_code == 400
    assert "needs a name." in response.content.decode()
    assert names(kind, account) == before


def test_rename(admin_client, kind, existing):
    url = reverse(f"{kind.prefix}_rename", args=[existing.public_id])

    response = admin_client.post(url, {"name": "Rechnungen"}, follow=True)

    existing.refresh_from_db()
    assert existing.name == "Rechnungen"
    assert "Renamed to “Rechnungen”." in response.content.decode()


def test_rename_to_a_taken_name_shows_the_message_on_that_row(admin_client, kind, existing):
    url = reverse(f"{kind.prefix}_rename", args=[existing.public_id])

    response = admin_client.post(url, {"name": "Lieferung"})

    assert response.status_code == 400
    html = response.content.decode()
    row = html[html.index(f'data-item="{existing.public_id}"') :]
    assert kind.duplicate in row[: row.index("</li>")]
    existing.refresh_from_db()
    assert existing.name == "Rechnung"


def test_delete(admin_client, kind, account, existing):
    url = reverse(f"{kind.prefix}_delete", args=[existing.public_id])

    response = admin_client.post(url, follow=True)

    assert "Rechnung" not in names(kind, account)
    assert "“Rechnung” has been deleted." in response.content.decode()
    assert AuditEntry.objects.filter(action=f"{kind.audit}.deleted").exists()


def test_delete_and_rename_need_a_post(admin_client, kind, existing):
    for action in ("rename", "delete"):
        url = reverse(f"{kind.prefix}_{action}", args=[existing.public_id])
        assert admin_client.get(url).status_code == 405
    assert kind.model.objects.filter(pk=existing.pk).exists()


def test_the_list_counts_members_and_conversations(admin_client, alice, bob, support_group):
    html = admin_client.get(reverse("settings_groups")).content.decode()

    assert "2 members" in html


def test_teammate_cannot_create(teammate_client, kind, account, support_group):
    before = names(kind, account)

    assert teammate_client.post(reverse(kind.list_url), {"name": "X"}).status_code == 403
    assert names(kind, account) == before
