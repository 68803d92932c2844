"""Optional two-factor sign-in with an authenticator app (TOTP)."""

from __future__ import annotations

import pyotp
import pytest
from django.urls import reverse

from messagecenter.accounts import totp
from messagecenter.accounts.models import AuditEntry, Operator
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from messagecenter.web.views.security import SETUP_SECRET_KEY
from tests.web.conftest import ALICE_PASSWORD, current_code, is_signed_in, sign_in


def setup_secret(client) -> str:
    """Open the setup page and read the secret it offers (as a person reads it off the page)."""
    client.get(reverse("totp_setup"))
    return client.session[SETUP_SECRET_KEY]


def test_setup_page_shows_a_qr_code_and_the_secret(client, alice):
    client.force_login(alice)

    response = client.get(reverse("totp_setup"))

    html = response.content.decode()
    assert "<svg" in html
    secret = client.session[SETUP_SECRET_KEY]
    assert secret[:4] in html
    assert "QR code for your authenticator app" in html


def test_operator_turns_on_2fa_by_confirming_a_code(client, alice, clock):
    client.force_login(alice)
    secret = setup_secret(client)

    response = client.post(reverse("totp_setup"), {"code": current_code(secret)}, follow=True)

    assert "Two-factor authentication is now on." in response.content.decode()
    alice.refresh_from_db()
    assert alice.totp_enabled
    assert AuditEntry.objects.filter(action="operator.2fa_enabled").count() == 1


def test_a_wrong_code_does_not_turn_on_2fa(client, alice, clock):
    client.force_login(alice)
    setup_secret(client)

    response = client.post(reverse("totp_setup"), {"code": "000000"})

    assert response.status_code == 400
    assert "That code is not valid" in response.content.decode()
    alice.refresh_from_db()
    assert not alice.totp_enabled


def test_the_secret_stays_the_same_while_setting_up(client, alice):
    client.force_login(alice)

    assert setup_secret(client) == setup_secret(client)


def test_with_2fa_the_password_alone_does_not_sign_in(client, alice_with_2fa, clock):
    response = sign_in(client, "alice@acme.test", ALICE_PASSWORD)

    assert response["Location"] == reverse("login_code")
    assert not is_signed_in(client)


def test_two_step_sign_in_with_password_then_code(client, alice_with_2fa, clock):
    sign_in(client, "alice@acme.test", ALICE_PASSWORD)

    response = client.post(
        reverse("login_code"), {"code": current_code(alice_with_2fa.totp_secret)}
    )

    assert response["Location"] == reverse("home")
    assert is_signed_in(client)


def test_a_code_with_a_space_as_apps_show_it_is_accepted(client, alice_with_2fa, clock):
    sign_in(client, "alice@acme.test", ALICE_PASSWORD)
    code = current_code(alice_with_2fa.totp_secret)

    client.post(reverse("login_code"), {"code": f"{code[:3]} {code[3:]}"})

    assert is_signed_in(client)


def test_a_wrong_code_keeps_the_operator_out(client, alice_with_2fa, clock):
    sign_in(client, "alice@acme.test", ALICE_PASSWORD)
    wrong = pyotp.TOTP(pyotp.random_base32()).now()

    response = client.post(reverse("login_code"), {"code": wrong})

    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()
    assert not is_signed_in(client)


def test_an_old_code_is_refused(client, alice_with_2fa, clock):
    code = current_code(alice_with_2fa.totp_secret)
    clock.shift(120)
    sign_in(client, "alice@acme.test", ALICE_PASSWORD)

    client.post(reverse("login_code"), {"code": code})

    assert not is_signed_in(client)


def test_the_code_step_without_the_password_step_goes_back_to_login(client, alice_with_2fa):
    response = client.post(reverse("login_code"), {"code": "123456"})

    assert response["Location"] == reverse("login")
    assert not is_signed_in(client)


def test_a_half_finished_sign_in_expires(client, alice_with_2fa, clock):
    sign_in(client, "alice@acme.test", ALICE_PASSWORD)
    clock.shift(301)

    response = client.post(
        reverse("login_code"), {"code": current_code(alice_with_2fa.totp_secret)}, follow=True
    )

    assert "Your sign-in has expired" in response.content.decode()
    assert not is_signed_in(client)


def test_the_page_asked_for_survives_the_code_step(client, alice_with_2fa, clock):
    client.post(
        reverse("login"),
        {"username": "alice@acme.test", "password": ALICE_PASSWORD, "next": "/security/"},
    )

    response = client.post(
        reverse("login_code"), {"code": current_code(alice_with_2fa.totp_secret)}
    )

    assert response["Location"] == "/security/"


def test_wrong_codes_count_toward_the_lock_out(client, alice_with_2fa, throttle_settings, clock):
    sign_in(client, "alice@acme.test", ALICE_PASSWORD)
    for _ in range(3):
        client.post(reverse("login_code"), {"code": "000000"})

    response = client.post(
        reverse("login_code"), {"code": current_code(alice_with_2fa.totp_secret)}
    )

    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not is_signed_in(client)


def test_turning_2fa_off_needs_a_current_code(client, alice_with_2fa, clock):
    client.force_login(alice_with_2fa)

    response = client.post(reverse("totp_disable"), {"code": "000000"})

    assert response.status_code == 400
    assert "That code is not valid" in response.content.decode()
    assert Operator.objects.get(pk=alice_with_2fa.pk).totp_enabled


def test_operator_turns_2fa_off_with_a_code_and_signs_in_with_password_only(
    client, alice_with_2fa, clock
):
    client.force_login(alice_with_2fa)
    code = current_code(alice_with_2fa.totp_secret)

    response = client.post(reverse("totp_disable"), {"code": code}, follow=True)

    assert "Two-factor authentication is now off." in response.content.decode()
    client.logout()
    sign_in(client, "alice@acme.test", ALICE_PASSWORD)
    assert is_signed_in(client)


def test_security_page_shows_whether_2fa_is_on(client, alice, clock):
    client.force_login(alice)
    assert reverse("totp_setup") in client.get(reverse("security")).content.decode()

    secret = setup_secret(client)
    client.post(reverse("totp_setup"), {"code": current_code(secret)})

    html = client.get(reverse("security")).content.decode()
    assert reverse("totp_disable") in html
    assert reverse("totp_setup") not in html


def test_the_service_refuses_to_turn_2fa_off_without_a_valid_code(alice_with_2fa, clock):
    """Other adapters (API, CLI) call the service directly; it checks the code itself."""
    with pytest.raises(ValidationFailed):
        totp.disable(alice_with_2fa, code="000000", actor=Actor.for_operator(alice_with_2fa))

    assert Operator.objects.get(pk=alice_with_2fa.pk).totp_enabled


def test_nobody_else_can_turn_an_operators_2fa_off(alice_with_2fa, bob, clock):
    code = current_code(alice_with_2fa.totp_secret)

    with pytest.raises(PermissionDenied):
        totp.disable(alice_with_2fa, code=code, actor=Actor.for_operator(bob))

    assert Operator.objects.get(pk=alice_with_2fa.pk).totp_enabled
