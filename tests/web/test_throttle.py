"""Too many failed sign-ins lock an e-mail and a client address out for a while."""

from __future__ import annotations

from tests.web.conftest import ALICE_PASSWORD, is_signed_in, sign_in

ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
OFFICE = {"REMOTE_ADDR": "198.51.100.7"}


def fail(client, email, times, **extra):
    for _ in range(times):
        sign_in(client, email, "wrong-password", **extra)


def test_after_too_many_failures_even_the_right_password_is_refused(
    client, alice, throttle_settings, clock
):
    fail(client, "alice@acme.test", 3)

    response = sign_in(client, "alice@acme.test", ALICE_PASSWORD)

    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "wait 10 minutes" in response.content.decode()
    assert not is_signed_in(client)


def test_failures_below_the_limit_do_not_lock_out(client, alice, throttle_settings, clock):
    fail(client, "alice@acme.test", 2)

    sign_in(client, "alice@acme.test", ALICE_PASSWORD)

    assert is_signed_in(client)


def test_lock_out_ends_when_the_failures_leave_the_window(client, alice, throttle_settings, clock):
    fail(client, "alice@acme.test", 3)
    clock.shift(601)

    sign_in(client, "alice@acme.test", ALICE_PASSWORD)

    assert is_signed_in(client)


def test_lock_out_still_holds_just_before_the_window_ends(client, alice, throttle_settings, clock):
    fail(client, "alice@acme.test", 3)
    clock.shift(599)

    sign_in(client, "alice@acme.test", ALICE_PASSWORD)

    assert not is_signed_in(client)


def test_an_emails_lock_out_holds_from_every_address(client, alice, throttle_settings, clock):
    fail(client, "alice@acme.test", 3, **ATTACKER)

    sign_in(client, "alice@acme.test", ALICE_PASSWORD, **OFFICE)

    assert not is_signed_in(client)


def test_an_address_trying_many_emails_is_locked_out(client, alice, throttle_settings, clock):
    for email in ["a@acme.test", "b@acme.test", "c@acme.test"]:
        fail(client, email, 1, **ATTACKER)

    sign_in(client, "alice@acme.test", ALICE_PASSWORD, **ATTACKER)

    assert not is_signed_in(client)


def test_an_address_lock_out_does_not_stop_others(client, alice, throttle_settings, clock):
    for email in ["a@acme.test", "b@acme.test", "c@acme.test"]:
        fail(client, email, 1, **ATTACKER)

    sign_in(client, "alice@acme.test", ALICE_PASSWORD, **OFFICE)

    assert is_signed_in(client)


def test_successful_sign_in_clears_the_emails_failures(client, alice, throttle_settings, clock):
    """GIVEN two failures and then a success, WHEN two more failures follow from another
    address, THEN alice can still sign in: only failures after her success count."""
    fail(client, "alice@acme.test", 2, **OFFICE)
    sign_in(client, "alice@acme.test", ALICE_PASSWORD, **OFFICE)
    client.logout()
    fail(client, "alice@acme.test", 2, **ATTACKER)

    sign_in(client, "alice@acme.test", ALICE_PASSWORD, **ATTACKER)

    assert is_signed_in(client)
