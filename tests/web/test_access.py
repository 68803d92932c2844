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


# --- one access module for the UI apps (web/access.py) ------------------------------------------


@pytest.mark.parametrize(("path", "section"), [
    ("/settings/widgets/", "settings"),
    ("/settings/contact-fields/", "settings"),
])  # fmt: skip
def test_every_admin_page_refuses_a_teammate_with_the_same_403_page(client, bob, path, section):
    """GIVEN Bob, a teammate WHEN he opens a settings page of the team app or of the contacts
    app THEN both answer with the one 403 page, in the shell, which offers him no Settings
    entry (accounts.permissions: Settings are for administrators)."""
    client.force_login(bob)

    response = client.get(path)

    html = response.content.decode()
    assert response.status_code == 403
    assert "Only administrators can open this page" in html
    assert "The account settings of Acme are managed by its administrators." in html
    assert f'data-nav="{section}"' not in html
    assert 'data-nav="inbox"' in html


def test_the_ui_apps_share_one_access_module():
    """team and directory views take their decorators from web/access.py; the two copies
    that were there are gone."""
    import importlib.util
    from pathlib import Path

    import messagecenter

    for copy in ("messagecenter.team.access", "messagecenter.directory.access"):
        assert importlib.util.find_spec(copy) is None, copy
    root = Path(messagecenter.__file__).parent
    for views in [*root.glob("team/views/*.py"), *root.glob("directory/views/*.py")]:
        text = views.read_text(encoding="utf-8")
        assert "login_required" not in text, views.name
