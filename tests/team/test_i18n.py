"""R-NAV-2: every team page speaks the operator's profile language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.accounts.services import update_profile
from tests.conftest import as_actor

pytestmark = pytest.mark.django_db

PAGES = {
    "operators": ("Operatoren", "Operators"),
    "notifications": ("Noch keine Benachrichtigungen", "No notifications yet"),
    "personal_settings": ("Töne und Benachrichtigungen", "Sounds and notifications"),
    "settings_operators": ("Operator einladen", "Invite operator"),
    "settings_operator_invite": ("Einladung senden", "Send invitation"),
    "settings_groups": ("Neue Gruppe", "New group"),
    "settings_topics": ("Neues Thema", "New topic"),
    "settings_widgets": ("Neues Widget", "New widget"),
    "settings_widget_new": ("Widget anlegen", "Create widget"),
}


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("language", ["de", "en"])
def test_pages_follow_the_profile_language(admin_client, alice, widget, name, language):
    update_profile(alice, actor=as_actor(alice), language=language)

    html = admin_client.get(reverse(name)).content.decode()

    german, english = PAGES[name]
    assert f'<html lang="{language}">' in html
    assert (german if language == "de" else english) in html
    assert (english if language == "de" else german) not in html


def test_service_messages_are_german_for_a_german_admin(admin_client, alice, support_group):
    update_profile(alice, actor=as_actor(alice), language="de")

    response = admin_client.post(reverse("settings_groups"), {"name": "Support"})

    assert "Es gibt schon eine Gruppe mit diesem Namen." in response.content.decode()


def test_the_403_page_is_german_for_a_german_teammate(teammate_client, bob):
    update_profile(bob, actor=as_actor(bob), language="de")

    html = teammate_client.get(reverse("settings_widgets")).content.decode()

    assert "Nur Administratoren können diese Seite öffnen" in html


def test_notification_titles_are_german(admin_client, alice, bob, widget, contact):
    from messagecenter.conversations import notes
    from tests.conftest import capture_events
    from tests.helpers import start

    update_profile(alice, actor=as_actor(alice), language="de")
    conversation = start(widget, contact)
    with capture_events():
        notes.add_note(conversation, "@alice schau mal", actor=as_actor(bob))

    html = admin_client.get(reverse("notifications")).content.decode()

    assert "Bob Builder hat Sie in einer Notiz erwähnt" in html
    assert "Unterhaltung mit Clara Kundin" in html
    assert "gerade eben" in html


@pytest.mark.parametrize(
    ("language", "started", "message"),
    [
        ("de", "Ein Besucher hat eine Unterhaltung begonnen", "Neue Nachricht von einem Besucher"),
        ("en", "A visitor started a conversation", "New message from a visitor"),
    ],
)
def test_an_unnamed_visitor_is_named_in_the_right_case(
    admin_client, alice, widget, language, started, message
):
    """GIVEN a visitor without a name WHEN their conversation notifies Alice THEN the title
    starts with "Ein Besucher" (the subject), and "von einem Besucher" follows a preposition."""
    from messagecenter.contacts.services import create_contact
    from messagecenter.conversations.models import Status
    from tests.conftest import capture_events
    from tests.helpers import conversation_in, start

    update_profile(alice, actor=as_actor(alice), language=language)
    with capture_events():
        start(widget, create_contact(widget.account, name=""))
        # Open and Alice's: the visitor's second message notifies her.
        conversation_in(Status.OPEN, widget, create_contact(widget.account), alice)

    html = admin_client.get(reverse("notifications")).content.decode()

    assert started in html
    assert message in html
    assert "einem Besucher hat" not in html
