"""Password reset by e-mail and password change."""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse

from messagecenter.accounts import services as accounts
from tests.web.conftest import ALICE_PASSWORD, is_signed_in, sign_in

NEW_PASSWORD = "a-brand-new-secret-42"


def request_reset(client, email):
    return client.post(reverse("password_reset"), {"email": email})


def link_in(message) -> str:
    """The path of the reset link in an e-mail."""
    match = re.search(r"https?://[^/\s]+(/password/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def choose_password(client, link, password=NEW_PASSWORD):
    """Open the e-mailed link and submit a new password, as the operator's browser would."""
    form_page = client.get(link, follow=True)
    return client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )


def test_reset_sends_an_email_with_a_link(client, alice, settings):
    settings.PUBLIC_URL = "https://support.acme.test"

    response = request_reset(client, "alice@acme.test")

    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@acme.test"]
    assert "Choose a new password" in message.subject
    assert "Hello Alice Admin," in message.body
    assert "https://support.acme.test/password/reset/" in message.body


def test_the_link_sets_a_new_password_that_signs_in(client, alice):
    request_reset(client, "alice@acme.test")

    response = choose_password(client, link_in(mail.outbox[0]))

    assert "Password saved" in response.content.decode()
    assert not sign_in(client, "alice@acme.test", ALICE_PASSWORD).has_header("Location")
    sign_in(client, "alice@acme.test", NEW_PASSWORD)
    assert is_signed_in(client)


def test_the_link_works_only_once(client, alice):
    request_reset(client, "alice@acme.test")
    link = link_in(mail.outbox[0])
    choose_password(client, link)

    response = client.get(link, follow=True)

    assert "This link no longer works" in response.content.decode()


def test_unknown_email_sees_the_same_page_and_no_mail_is_sent(client, alice):
    response = request_reset(client, "nobody@acme.test")

    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_the_email_is_written_in_the_operators_language(client, account):
    accounts.create_operator(
        account, name="Dora", email="dora@acme.test", password="dora-pass-1234", language="de"
    )

    request_reset(
        client,
        "dora@acme.test",
    )

    message = mail.outbox[0]
    assert "Hallo Dora," in message.body
    assert "Neues Passwort" in message.subject


def test_invited_operator_without_password_sets_one_through_the_link(client, account):
    accounts.create_operator(account, name="Erin", email="erin@acme.test")

    request_reset(client, "erin@acme.test")
    choose_password(client, link_in(mail.outbox[0]))

    sign_in(client, "erin@acme.test", NEW_PASSWORD)
    assert is_signed_in(client)


def test_a_reset_lifts_the_lock_out(client, alice, throttle_settings, clock):
    for _ in range(3):
        sign_in(client, "alice@acme.test", "wrong", REMOTE_ADDR="203.0.113.9")
    request_reset(client, "alice@acme.test")
    choose_password(client, link_in(mail.outbox[0]))

    sign_in(client, "alice@acme.test", NEW_PASSWORD)

    assert is_signed_in(client)


def test_operator_changes_password_and_stays_signed_in(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": ALICE_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )

    assert "Your password has been changed." in response.content.decode()
    assert is_signed_in(client)
    client.logout()
    sign_in(client, "alice@acme.test", NEW_PASSWORD)
    assert is_signed_in(client)


def test_password_change_needs_the_old_password(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(ALICE_PASSWORD)


def test_password_change_refuses_a_too_short_password(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("password_change"),
        {"old_password": ALICE_PASSWORD, "new_password1": "short1", "new_password2": "short1"},
    )

    assert "too short" in response.content.decode()


SPAMMER = {"REMOTE_ADDR": "203.0.113.66"}


def without_csrf_token(response) -> str:
    # The only part of a page that differs between two requests by design.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_a_mailbox_gets_no_more_reset_mails_than_the_limit(client, alice, settings, clock):
    """GIVEN a limit of 3 mails per address, WHEN 30 resets are asked for alice's address,
    THEN 3 mails are sent and every answer is the same neutral page."""
    settings.PASSWORD_RESET_THROTTLE_PER_EMAIL = 3

    responses = [request_reset(client, "alice@acme.test") for _ in range(30)]

    assert len(mail.outbox) == 3
    assert {r["Location"] for r in responses} == {reverse("password_reset_done")}


def test_the_reset_limit_ends_with_its_window(client, alice, settings, clock):
    settings.PASSWORD_RESET_THROTTLE_PER_EMAIL = 1
    settings.PASSWORD_RESET_THROTTLE_WINDOW = 3600
    request_reset(client, "alice@acme.test")
    request_reset(client, "alice@acme.test")
    clock.shift(3601)

    request_reset(client, "alice@acme.test")

    assert len(mail.outbox) == 2


def test_one_client_cannot_ask_resets_for_many_addresses(client, alice, bob, settings, clock):
    """GIVEN a limit of 2 requests per client address, WHEN a client asks for two unknown
    addresses first, THEN its request for bob sends nothing, while alice from elsewhere
    still gets her mail."""
    settings.PASSWORD_RESET_THROTTLE_PER_ADDRESS = 2
    for email in ["x@acme.test", "y@acme.test"]:
        client.post(reverse("password_reset"), {"email": email}, **SPAMMER)

    refused = client.post(reverse("password_reset"), {"email": "bob@acme.test"}, **SPAMMER)
    request_reset(client, "alice@acme.test")

    assert refused["Location"] == reverse("password_reset_done")
    assert [m.to for m in mail.outbox] == [["alice@acme.test"]]


def test_a_throttled_reset_answers_like_one_for_an_unknown_address(client, alice, settings, clock):
    """No enumeration: known, unknown and throttled requests all lead to the same page."""
    settings.PASSWORD_RESET_THROTTLE_PER_EMAIL = 1
    request_reset(client, "alice@acme.test")

    throttled = client.post(reverse("password_reset"), {"email": "alice@acme.test"}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@acme.test"}, follow=True)

    assert throttled.redirect_chain == unknown.redirect_chain
    assert without_csrf_token(throttled) == without_csrf_token(unknown)
    assert len(mail.outbox) == 1
