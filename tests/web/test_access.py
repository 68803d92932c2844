"""Signed-out visitors reach only the sign-in pages; an outsider sees nothing of Acme."""

from __future__ import annotations

import pytest
from django.urls import reverse

PRIVATE_PAGES = ["home", "security", "password_change", "totp_setup"]


@pytest.mark.parametrize("name", PRIVATE_PAGES)
def test_signed_out_visitor_is_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_signed_out_visitor_cannot_turn_off_2fa(client, alice_with_2fa):
    response = client.post(reverse("totp_disable"), {"code": "123456"})

    assert response.status_code == 302
    alice_with_2fa.refresh_from_db()
    assert alice_with_2fa.totp_enabled


def test_outsider_sees_only_their_own_account(client, alice, bob, charlie):
    client.force_login(charlie)

    html = client.get(reverse("home")).content.decode()

    assert "Charlie Outsider" in html
    assert "Globex" in html
    assert "Acme" not in html
    assert "Alice" not in html
    assert "Bob" not in html


@pytest.mark.parametrize("page", ["home", "security", "totp_setup", "password_change"])
def test_pages_carry_no_other_operators_data(client, alice, charlie, page):
    client.force_login(charlie)

    html = client.get(reverse(page)).content.decode()

    assert "alice@acme.test" not in html
    assert "Alice Admin" not in html
