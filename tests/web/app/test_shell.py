"""The shell around every app page (R-NAV-1, R-OP-1/2/4): navigation, badges, presence,
mute, the Away hint, the honest "coming" pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Presence
from tests.helpers import go_online
from tests.web.app.conftest import JSON

NAV = [
    ("home", "Home"),
    ("inbox", "Inbox"),
    ("archive", "All conversations"),
    ("contact_list", "Contacts"),
    ("operators", "Operators"),
    ("notifications", "Notifications"),
    ("campaigns", "WhatsApp campaigns"),
    ("analytics", "Analytics"),
    ("settings", "Settings"),
    ("help", "Help"),
]


def test_every_navigation_entry_is_in_the_shell(alice_client):
    html = alice_client.get(reverse("home")).content.decode()

    for name, label in NAV:
        assert f'href="{reverse(name)}"' in html, name
        assert label in html
    assert "AI automation hub" in html
    assert 'target="_blank" rel="noopener" data-nav="ai"' in html


@pytest.mark.parametrize("name", ["campaigns"])
def test_later_features_show_an_honest_coming_page(alice_client, name):
    response = alice_client.get(reverse(name))

    assert response.status_code == 200
    assert "Coming in a later release" in response.content.decode()


@pytest.mark.parametrize("name", ["inbox", "home_stats", "help", "inbox_rows"])
def test_signed_out_visitor_is_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_inbox_badge_counts_what_needs_attention(alice_client, alices, unassigned):
    html = alice_client.get(reverse("home")).content.decode()

    # Alice's OPEN conversation owes a reply, and one waits in Unassigned.
    assert '<span class="nav__badge-count">2</span>' in html


def test_switching_online_calls_the_presence_service(alice_client, alice):
    response = alice_client.post(reverse("set_presence"), {"presence": "online"}, **JSON)

    assert response.json() == {"ok": True, "presence": "online", "max_slots": 3}
    alice.refresh_from_db()
    assert alice.presence == Presence.ONLINE


def test_presence_switch_without_scripts_redirects_back(alice_client, alice):
    response = alice_client.post(reverse("set_presence"), {"presence": "online", "next": "/inbox/"})

    assert response.status_code == 302 and response["Location"] == "/inbox/"


def test_unknown_presence_is_refused_with_the_service_message(alice_client):
    response = alice_client.post(reverse("set_presence"), {"presence": "busy"}, **JSON)

    assert response.status_code == 422
    assert response.json()["error"] == "Presence must be online or away."


def test_slot_indicator_shows_used_and_max(alice_client, alice, widget, contact):
    from tests.helpers import contact_opens_messenger, start

    go_online(alice)
    contact_opens_messenger(contact)
    start(widget, contact)  # routed to Alice and LIVE: one slot used

    html = alice_client.get(reverse("home")).content.decode()

    assert '<span class="slots__used" data-slots-used>1</span>' in html
    assert '<span class="slots__max" data-slots-max>3</span>' in html


def test_mute_all_is_saved_on_the_profile(alice_client, alice):
    response = alice_client.post(reverse("set_mute"), {"mute": "on"}, **JSON)

    assert response.json() == {"ok": True, "mute_all": True}
    alice.refresh_from_db()
    assert alice.mute_all


def test_personal_menu_links_to_settings_and_sign_out(alice_client):
    html = alice_client.get(reverse("home")).content.decode()

    assert f'href="{reverse("personal_settings")}"' in html
    assert f'action="{reverse("logout")}"' in html
    assert "Mute all sounds and notifications" in html


def test_new_operator_away_sees_the_recommendation_once(alice_client, alice):
    assert "You are Away" in alice_client.get(reverse("home")).content.decode()

    response = alice_client.post(reverse("dismiss_away_hint"), **JSON)

    assert response.status_code == 204
    assert "You are Away" not in alice_client.get(reverse("home")).content.decode()


def test_online_operator_sees_no_away_hint(alice_client, alice):
    go_online(alice)

    assert "You are Away" not in alice_client.get(reverse("home")).content.decode()


def test_home_shows_my_work_at_a_glance(alice_client, alices, unassigned):
    response = alice_client.get(reverse("home_stats"))

    html = response.content.decode()
    assert 'data-stat="needs-reply">1<' in html
    assert 'data-stat="unassigned">1<' in html
    assert "Clara Kundin" in html


def test_outsider_shell_shows_nothing_of_acme(charlie_client, alices, unassigned):
    html = charlie_client.get(reverse("home")).content.decode()

    assert "Clara Kundin" not in html
    assert alices.public_id not in html and unassigned.public_id not in html


def test_operators_presence_is_away_by_default(account):
    dora = accounts.create_operator(account, name="Dora", email="dora@acme.test")

    assert dora.presence == Presence.AWAY
