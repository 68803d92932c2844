"""Pages speak the operator's language: German or English (R-NAV-2)."""

from __future__ import annotations

import pyotp
from django.urls import reverse

from messagecenter.accounts import services as accounts
from messagecenter.accounts import totp
from tests.conftest import as_actor
from tests.web.conftest import previous_code, sign_in


def test_login_page_is_german_for_a_german_browser(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")

    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Anmelden" in html
    assert "Passwort vergessen?" in html
    assert response["Content-Language"] == "de"


def test_login_page_is_english_for_an_english_browser(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "Anmelden" not in html


def test_the_language_switch_changes_the_sign_in_pages(client, db):
    client.post(reverse("set_language"), {"language": "de", "next": reverse("login")})

    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")

    assert "Anmelden" in response.content.decode()


def test_german_operator_sees_german_pages_whatever_the_browser(client, account):
    dora = accounts.create_operator(
        account, name="Dora", email="dora@acme.test", password="dora-pass-1234", language="de"
    )
    client.force_login(dora)

    response = client.get(reverse("security"), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Zwei-Faktor-Authentifizierung" in html
    assert "Abmelden" in html


def test_english_operator_sees_english_pages_in_a_german_browser(client, alice):
    client.force_login(alice)

    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de")

    assert "Sign out" in response.content.decode()


def test_failed_sign_in_message_is_german_for_a_german_browser(client, alice):
    response = sign_in(client, "alice@acme.test", "wrong", HTTP_ACCEPT_LANGUAGE="de")

    assert "E-Mail-Adresse und Passwort passen nicht zusammen" in response.content.decode()


def test_lock_out_message_is_german_for_a_german_browser(client, alice, throttle_settings, clock):
    for _ in range(3):
        sign_in(client, "alice@acme.test", "wrong")

    response = sign_in(client, "alice@acme.test", "wrong", HTTP_ACCEPT_LANGUAGE="de")

    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.content.decode()


def test_recovery_codes_speak_german(client, account, clock):
    """GIVEN a German operator with 2FA, THEN the security page counts her recovery codes
    in German."""
    dora = accounts.create_operator(
        account, name="Dora", email="dora@acme.test", password="dora-pass-1234", language="de"
    )
    secret = pyotp.random_base32()
    totp.enable(dora, secret=secret, code=previous_code(secret), actor=as_actor(dora))
    client.force_login(dora)

    html = client.get(reverse("security")).content.decode()

    assert "Noch 10 Wiederherstellungscodes." in html
    assert "Neue Wiederherstellungscodes" in html


def test_the_script_catalogue_has_the_mention_picker_in_german(client, db):
    """The composer's strings live in the web app's own djangojs catalogue, merged with the
    project-wide one by /jsi18n/."""
    german = client.get(reverse("javascript-catalog") + "?l=de", HTTP_ACCEPT_LANGUAGE="de")
    text = german.content.decode()

    assert "Kollegen erw\\u00e4hnen" in text or "Kollegen erwähnen" in text
    assert "Chat-Befehle" in text  # the project-wide strings are still there
