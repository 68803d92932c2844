"""A TOTP code signs in once, and recovery codes stand in for a lost phone, once each."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connections
from django.urls import reverse

from messagecenter.accounts import totp
from messagecenter.accounts.models import AuditEntry, RecoveryCode
from messagecenter.core.actors import Actor
from messagecenter.web.views.security import SETUP_SECRET_KEY
from tests.web.conftest import ALICE_PASSWORD, current_code, is_signed_in, sign_in

CODE_SHOWN = re.compile(r'<code class="secret">([a-z2-9]{5}-[a-z2-9]{5})</code>')


def sign_in_with(client, code: str):
    sign_in(client, "alice@acme.test", ALICE_PASSWORD)
    return client.post(reverse("login_code"), {"code": code})


def codes_on(response) -> list[str]:
    return CODE_SHOWN.findall(response.content.decode())


# --- one code, one sign-in ---------------------------------------------------------------


def test_a_code_signs_in_only_once(client, alice_with_2fa, clock):
    code = current_code(alice_with_2fa.totp_secret)
    sign_in_with(client, code)
    assert is_signed_in(client)
    client.logout()

    response = sign_in_with(client, code)

    assert "That code is not valid" in response.content.decode()
    assert not is_signed_in(client)


def test_an_earlier_step_is_refused_after_a_later_one(client, alice_with_2fa, clock):
    """GIVEN the code of the next step was accepted (a phone running fast), WHEN the
    current step's code comes later, THEN it is refused: steps only move forward."""
    secret = alice_with_2fa.totp_secret
    current = current_code(secret)
    clock.shift(30)
    sign_in_with(client, current_code(secret))
    client.logout()
    clock.shift(-30)

    sign_in_with(client, current)

    assert not is_signed_in(client)


def test_the_next_step_signs_in_after_the_current_one(client, alice_with_2fa, clock):
    sign_in_with(client, current_code(alice_with_2fa.totp_secret))
    client.logout()
    clock.shift(30)

    sign_in_with(client, current_code(alice_with_2fa.totp_secret))

    assert is_signed_in(client)


@pytest.mark.django_db(transaction=True)
def test_parallel_uses_of_one_code_accept_exactly_one(alice_with_2fa, clock):
    code = current_code(alice_with_2fa.totp_secret)
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def attempt():
        barrier.wait()
        try:
            results.append(totp.check_login_code(alice_with_2fa, code))
        finally:
            connections.close_all()  # this thread's own connection; PostgreSQL's are few

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 7 + [True]


# --- recovery codes --------------------------------------------------------------------------


def turn_on_2fa(client) -> list[str]:
    """Set up 2FA through the pages; the recovery codes the confirmation page shows."""
    client.get(reverse("totp_setup"))
    secret = client.session[SETUP_SECRET_KEY]
    return codes_on(client.post(reverse("totp_setup"), {"code": current_code(secret)}))


def test_turning_on_2fa_shows_ten_recovery_codes_once(client, alice, clock):
    client.force_login(alice)

    codes = turn_on_2fa(client)

    assert len(set(codes)) == 10
    assert codes_on(client.get(reverse("security"))) == []
    stored = set(RecoveryCode.objects.filter(operator=alice).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & set(codes)


def test_a_recovery_code_signs_in_once(client, alice, clock):
    client.force_login(alice)
    code = turn_on_2fa(client)[0]
    client.logout()

    sign_in_with(client, code.upper().replace("-", " "))
    assert is_signed_in(client)
    client.logout()
    response = sign_in_with(client, code)

    assert "That code is not valid" in response.content.decode()
    assert not is_signed_in(client)
    assert AuditEntry.objects.filter(action="operator.recovery_code_used").count() == 1


def test_the_security_page_shows_how_many_recovery_codes_are_left(client, alice, clock):
    client.force_login(alice)
    code = turn_on_2fa(client)[0]
    client.logout()
    sign_in_with(client, code)

    html = client.get(reverse("security")).content.decode()

    assert "9 recovery codes left" in html
    assert reverse("recovery_codes") in html


def test_regenerating_shows_new_codes_and_retires_the_old_ones(client, alice, clock):
    client.force_login(alice)
    old = turn_on_2fa(client)
    alice.refresh_from_db()
    clock.shift(30)

    response = client.post(reverse("recovery_codes"), {"code": current_code(alice.totp_secret)})

    new = codes_on(response)
    assert len(new) == 10 and not set(new) & set(old)
    client.logout()
    sign_in_with(client, old[0])
    assert not is_signed_in(client)
    sign_in_with(client, new[0])
    assert is_signed_in(client)


def test_regenerating_needs_a_valid_code(client, alice_with_2fa, clock):
    client.force_login(alice_with_2fa)
    before = RecoveryCode.objects.filter(operator=alice_with_2fa).count()

    response = client.post(reverse("recovery_codes"), {"code": "000000"})

    assert response.status_code == 400
    assert codes_on(response) == []
    assert RecoveryCode.objects.filter(operator=alice_with_2fa).count() == before


def test_turning_2fa_off_removes_the_recovery_codes(alice_with_2fa, clock):
    clock.shift(30)
    me = Actor.for_operator(alice_with_2fa)

    totp.disable(alice_with_2fa, code=current_code(alice_with_2fa.totp_secret), actor=me)

    assert not RecoveryCode.objects.filter(operator=alice_with_2fa).exists()
