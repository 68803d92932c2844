"""R-OP-3: the Operators page shows who is online and how busy, by operator group."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Presence
from messagecenter.conversations import presence
from messagecenter.core.actors import Actor
from messagecenter.team import queries
from tests.helpers import conversation_in, go_online
from tests.team.conftest import add_operator, busy_team

pytestmark = pytest.mark.django_db


def row(html: str, operator) -> str:
    """The table row of ``operator`` (the first, if they are in several groups)."""
    start = html.index(f'data-operator="{operator.public_id}"')
    return html[start : html.index("</tr>", start)]


def test_available_colleague_shows_online_with_slots_and_open_conversations(
    admin_client, bob, widget, contact
):
    """GIVEN Bob is Online with a tab open and an open conversation
    WHEN Alice opens the Operators page
    THEN Bob's row says Online, his slots used/max and his one open conversation."""
    go_online(bob)
    conversation_in("open", widget, contact, bob)

    html = admin_client.get(reverse("operators")).content.decode()

    bobs = row(html, bob)
    assert 'data-state="available"' in bobs
    assert "Online" in bobs
    assert f"/ {bob.max_slots}" in bobs
    assert '<td class="table__num" data-open>1</td>' in bobs


def test_online_without_an_open_tab_is_offline_and_away_with_a_tab_is_away(
    admin_client, alice, bob
):
    accounts.set_presence(bob, Presence.ONLINE, actor=Actor.for_operator(bob))
    presence.operator_tab_opened(alice, "test.alice.tab")  # Alice stays Away

    html = admin_client.get(reverse("operators")).content.decode()

    assert 'data-state="offline"' in row(html, bob)
    assert 'data-state="away"' in row(html, alice)


def test_live_conversations_use_slots(admin_client, account, support_group, widget, bob):
    from messagecenter.contacts.services import create_contact
    from tests.helpers import contact_opens_messenger, start

    go_online(bob)
    for name in ("Anna", "Bert"):
        contact = create_contact(account, name=name)
        contact_opens_messenger(contact)
        start(widget, contact)  # routed to Bob, LIVE: both are online

    html = admin_client.get(reverse("operators")).content.decode()

    assert f"2 / {bob.max_slots}" in row(html, bob)


def test_operators_are_grouped_by_operator_group(admin_client, account, alice, bob):
    sales = accounts.create_group(account, "Sales")
    seller = add_operator(account, sales, "Sam Seller")
    loner = add_operator(account, None, "Lena Lonely")

    html = admin_client.get(reverse("operators")).content.decode()

    sales_at, support_at = html.index("Sales</h2>"), html.index("Support</h2>")
    assert sales_at < html.index(seller.public_id) < support_at
    assert support_at < html.index(bob.public_id)
    assert html.index("Not in a group") < html.index(loner.public_id)


def test_deactivated_operators_are_not_listed(admin_client, alice, bob):
    accounts.update_operator(bob, actor=Actor.for_operator(alice), is_active=False)

    html = admin_client.get(reverse("operators")).content.decode()

    assert bob.public_id not in html


def test_teammates_see_the_page_too(teammate_client, alice):
    response = teammate_client.get(reverse("operators"))

    assert response.status_code == 200
    assert alice.public_id in response.content.decode()


def test_outsider_sees_only_their_own_account(outsider_client, alice, bob, charlie):
    html = outsider_client.get(reverse("operators")).content.decode()

    assert charlie.public_id in html
    assert alice.public_id not in html and bob.public_id not in html
    assert "Support" not in html


def test_htmx_refresh_gets_only_the_board(admin_client, bob):
    response = admin_client.get(reverse("operators"), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert bob.public_id in html
    assert "<html" not in html and "data-operators-board" not in html


def test_signed_out_visitor_is_sent_to_sign_in(client, db):
    response = client.get(reverse("operators"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_query_count_does_not_grow_with_the_team(admin_client, account, support_group, widget):
    """No N+1: the page costs the same with 2 colleagues as with 8, each with conversations
    and in two groups."""
    sales = accounts.create_group(account, "Sales")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(reverse("operators")).status_code == 200
        return len(queries)

    team = busy_team(account, support_group, widget, 2)
    for operator in team:
        operator.groups.add(sales)
    small = count()
    busy_team(account, support_group, widget, 6)
    assert count() == small


def test_the_board_is_four_queries(account, support_group, widget, django_assert_num_queries):
    """Operators with their load, their groups, the groups, the unassigned count. A baseline:
    raise it deliberately, never by accident."""
    busy_team(account, support_group, widget, 3)

    with django_assert_num_queries(4):
        board = queries.operators_board(account)
        [block.rows for block in board.groups]
