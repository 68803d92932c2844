"""R-OP-4: my profile, chat slots, sounds, the inactivity alarm and notifications, and the
preferences the personal runtime reads."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messagecenter.accounts import preferences as prefs
from messagecenter.accounts.models import Account
from tests.helpers import conversation_in
from tests.team.conftest import busy_team

pytestmark = pytest.mark.django_db


def profile_form(**changes) -> dict:
    data = {
        "form": "profile",
        "name": "Alice Admin",
        "language": "en",
        "time_zone": "Europe/Berlin",
    }
    return data | changes


def alerts_form(**changes) -> dict:
    """The alerts form as the page submits it with the defaults (checkboxes: only when on)."""
    defaults = prefs.defaults()
    data = {
        "form": "alerts",
        "audio_feedback": "on",
        "volume": defaults["volume"],
        "inactivity_enabled": "on",
        **{f"inactivity_{k}": v for k, v in defaults["inactivity"].items() if k != "enabled"},
    }
    for channel in prefs.CHANNELS:
        for scope in prefs.SCOPES:
            for event, on in defaults[channel][scope].items():
                if on:
                    data[f"{channel}_{scope}_{event}"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def own_slots(account):
    # No service sets this account flag yet (it is seeded); tests set it directly.
    Account.objects.filter(pk=account.pk).update(operators_set_own_slots=True)


def test_the_page_shows_my_profile_and_links_to_security(admin_client):
    html = admin_client.get(reverse("personal_settings")).content.decode()

    assert 'value="Alice Admin"' in html
    assert '<option value="Europe/Berlin" selected>' in html
    assert reverse("security") in html and reverse("password_change") in html
    assert "Set by your administrator." in html  # slots are not mine to change here


def test_saving_the_profile_changes_name_language_and_time_zone(admin_client, alice):
    response = admin_client.post(
        reverse("personal_settings"),
        profile_form(name="Alice Adams", language="de", time_zone="America/New_York"),
        follow=True,
    )

    alice.refresh_from_db()
    assert (alice.name, alice.language, alice.time_zone) == (
        "Alice Adams",
        "de",
        "America/New_York",
    )
    assert "Ihr Profil wurde gespeichert." in response.content.decode()  # now in German


def test_slots_are_ignored_unless_the_account_lets_operators_set_them(admin_client, alice):
    admin_client.post(reverse("personal_settings"), profile_form(max_slots=9))

    alice.refresh_from_db()
    assert alice.max_slots == 3


def test_operators_set_their_own_slots_when_the_account_allows(admin_client, alice, own_slots):
    html = admin_client.get(reverse("personal_settings")).content.decode()
    assert 'name="max_slots"' in html

    admin_client.post(reverse("personal_settings"), profile_form(max_slots=5))

    alice.refresh_from_db()
    assert alice.max_slots == 5


def test_a_refused_slot_count_shows_the_services_message_and_saves_nothing(
    admin_client, alice, own_slots
):
    response = admin_client.post(
        reverse("personal_settings"), profile_form(name="Alice Adams", max_slots=99)
    )

    assert response.status_code == 400
    assert "Chat slots must be between 0 and 50." in response.content.decode()
    alice.refresh_from_db()
    assert (alice.name, alice.max_slots) == ("Alice Admin", 3)


def test_an_unknown_time_zone_is_refused(admin_client, alice):
    response = admin_client.post(reverse("personal_settings"), profile_form(time_zone="Mars/Base"))

    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.time_zone == "Europe/Berlin"


def test_saving_sounds_and_notifications(admin_client, alice):
    response = admin_client.post(
        reverse("personal_settings"),
        alerts_form(
            mute_all="on",
            audio_feedback=None,
            inactivity_countdown=45,
            inactivity_repeat=0,
            inactivity_sound="alarm",
            inactivity_volume=40,
            audio_mine_new_message=None,
            browser_team_assigned="on",
        ),
        follow=True,
    )

    assert "Your notification settings have been saved." in response.content.decode()
    alice.refresh_from_db()
    assert alice.mute_all is True
    saved = alice.preferences
    assert saved == prefs.clean(saved)  # stored in the schema's shape
    assert saved["audio_feedback"] is False
    assert saved["inactivity"] == {
        "enabled": True,
        "countdown": 45,
        "repeat": 0,
        "sound": "alarm",
        "volume": 40,
    }
    assert saved["audio"]["mine"]["new_message"] is False
    assert saved["browser"]["team"]["assigned"] is True


def test_the_form_shows_what_i_saved(admin_client, alice):
    admin_client.post(reverse("personal_settings"), alerts_form(inactivity_countdown=75))

    html = admin_client.get(reverse("personal_settings")).content.decode()

    assert 'name="inactivity_countdown" value="75"' in html


def test_a_countdown_out_of_range_shows_the_rule_and_saves_nothing(admin_client, alice):
    response = admin_client.post(reverse("personal_settings"), alerts_form(inactivity_countdown=5))

    assert response.status_code == 400
    html = response.content.decode()
    assert "The countdown must be between 10 seconds and 60 minutes." in html
    field = html[html.index('name="inactivity_countdown"') :]
    assert 'aria-invalid="true"' in field[: field.index(">")]  # shown on the field
    alice.refresh_from_db()
    assert alice.preferences == {}


def test_an_unknown_sound_is_refused(admin_client, alice):
    response = admin_client.post(
        reverse("personal_settings"), alerts_form(inactivity_sound="trumpet")
    )

    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.preferences == {}


def test_the_runtime_reads_my_preferences_groups_colleagues_and_waiting_conversations(
    admin_client, alice, bob, charlie, widget, contact, support_group
):
    conversation = conversation_in("open", widget, contact, alice)

    data = admin_client.get(reverse("personal_preferences")).json()

    assert data["me"] == alice.public_id
    assert data["mute_all"] is False
    assert data["preferences"] == prefs.DEFAULTS
    assert data["groups"] == [support_group.public_id]
    assert data["colleagues"] == [bob.public_id]
    assert data["conversations"] == [
        {
            "id": conversation.public_id,
            "status": "open",
            "assigned_operator": alice.public_id,
            "assigned_group": support_group.public_id,
            "waiting_since": conversation.waiting_since.isoformat(),
        }
    ]
    assert data["urls"]["conversation"].replace(
        data["urls"]["placeholder"], conversation.public_id
    ) == reverse("conversation", args=[conversation.public_id])
    assert data["strings"]["waiting"] == "A contact is waiting for your reply"


def test_the_runtime_strings_follow_my_language(client, bob):
    from messagecenter.accounts.services import update_profile
    from tests.conftest import as_actor

    update_profile(bob, actor=as_actor(bob), language="de")
    client.force_login(bob)

    data = client.get(reverse("personal_preferences")).json()

    assert data["strings"]["mention"] == "Sie wurden in einer Notiz erwähnt"


def test_the_preferences_are_not_cached(admin_client):
    response = admin_client.get(reverse("personal_preferences"))

    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_signed_out_runtime_gets_no_preferences(client, db):
    assert client.get(reverse("personal_preferences")).status_code == 302


def test_preferences_query_count_does_not_grow_with_my_workload(
    admin_client, alice, account, support_group, widget
):
    from messagecenter.contacts.services import create_contact

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse("personal_preferences")).status_code == 200
        return len(captured)

    busy_team(account, support_group, widget, 2)
    few = count()
    for number in range(5):
        conversation_in("open", widget, create_contact(account, name=f"K{number}"), alice)
    busy_team(account, support_group, widget, 3)
    assert count() == few
