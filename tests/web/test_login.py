"""Signing in with e-mail and password, and signing out."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.web.conftest import ALICE_PASSWORD, is_signed_in, sign_in


def test_login_page_shows_the_sign_in_form(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'type="password"' in html
    assert "csrfmiddlewaretoken" in html
    assert reverse("password_reset") in html


def test_operator_signs_in_and_lands_on_home_with_their_name(client, alice):
    response = sign_in(client, "alice@acme.test", ALICE_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert "Alice Admin" in home.content.decode()
    assert "Acme" in home.content.decode()


def test_email_is_matched_without_regard_to_case(client, alice):
    sign_in(client, "Alice@ACME.test", ALICE_PASSWORD)

    assert is_signed_in(client)


def test_wrong_password_is_refused_with_a_message(client, alice):
    response = sign_in(client, "alice@acme.test", "not-her-password")

    assert response.status_code == 200
    assert "That e-mail and password do not match" in response.content.decode()
    assert not is_signed_in(client)


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client, db):
    response = sign_in(client, "nobody@acme.test", "whatever-password")

    assert "That e-mail and password do not match" in response.content.decode()


def test_deactivated_operator_cannot_sign_in(client, alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    sign_in(client, "alice@acme.test", ALICE_PASSWORD)

    assert not is_signed_in(client)


def test_sign_in_returns_to_the_page_first_asked_for(client, alice):
    response = client.post(
        reverse("login"),
        {"username": "alice@acme.test", "password": ALICE_PASSWORD, "next": "/security/"},
    )

    assert response["Location"] == "/security/"


def test_sign_in_never_redirects_to_another_site(client, alice):
    response = client.post(
        reverse("login"),
        {"username": "alice@acme.test", "password": ALICE_PASSWORD, "next": "https://evil.test/"},
    )

    assert response["Location"] == reverse("home")


def test_signed_in_operator_visiting_login_goes_home(client, alice):
    client.force_login(alice)

    response = client.get(reverse("login"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_sign_out_ends_the_session(client, alice):
    client.force_login(alice)

    response = client.post(reverse("logout"), follow=True)

    assert response.redirect_chain[0] == (reverse("login"), 302)
    assert "You have been signed out." in response.content.decode()
    assert not is_signed_in(client)


def test_sign_out_needs_a_post_so_links_cannot_sign_people_out(client, alice):
    client.force_login(alice)

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert is_signed_in(client)


def test_sign_in_form_is_protected_against_cross_site_posts(alice):
    browser = Client(enforce_csrf_checks=True)

    response = sign_in(browser, "alice@acme.test", ALICE_PASSWORD)

    assert response.status_code == 403
    assert not is_signed_in(browser)
