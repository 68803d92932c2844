"""Settings › Security: an administrator requires two-factor sign-in of everyone (operators
without it are sent to set it up after signing in) and resets an operator's lost second
factor (audit-logged, the operator told by e-mail); teammates are refused, outsiders 404."""

from __future__ import annotations

import pyotp
import pytest
from django.core import mail
from django.test import Client

from messagecenter.accounts import totp
from messagecenter.accounts.models import AuditEntry, RecoveryCode
from messagecenter.administration import profile, security
from messagecenter.core.errors import Conflict, NotFound, PermissionDenied
from tests.conftest import as_actor

pytestmark = pytest.mark.django_db

URL = "/settings/security/"


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def with_two_factor(operator) -> str:
    secret = totp.new_secret()
    totp.enable(operator, secret=secret, code=pyotp.TOTP(secret).now(), actor=as_actor(operator))
    return secret


@pytest.fixture
def required(alice, account):
    profile.set_two_factor_required(account, True, actor=as_actor(alice))


def test_an_admin_requires_two_factor_sign_in(alice, account):
    with_two_factor(alice)  # else the rule sends her to set it up before she can undo it
    answer = signed_in(alice).post(URL, {"require_two_factor": "on"})
    assert answer.status_code == 302
    assert profile.profile_of(account).require_two_factor
    signed_in(alice).post(URL, {})
    assert not profile.profile_of(account).require_two_factor
    assert AuditEntry.objects.filter(action="account.updated").count() == 2


def test_an_operator_without_it_is_sent_to_set_it_up(bob, required):
    client = signed_in(bob)
    for page in ("/", "/inbox/", "/help/", "/me/settings/"):
        answer = client.get(page)
        assert answer.status_code == 302 and answer["Location"] == "/security/two-factor/setup/"
    assert client.get("/security/two-factor/setup/").status_code == 200
    htmx = client.get("/inbox/rows/", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == "/security/two-factor/setup/"


def test_after_signing_in_with_a_password_the_setup_comes_first(bob, required):
    client = Client()
    answer = client.post(
        "/login/", {"username": "bob@acme.test", "password": "bob-pass-1234"}, follow=True
    )
    assert answer.redirect_chain[-1][0] == "/security/two-factor/setup/"


def test_once_set_up_every_page_opens_and_it_cannot_be_switched_off(bob, required):
    with_two_factor(bob)
    client = signed_in(bob)
    assert client.get("/inbox/").status_code == 200
    answer = client.post("/security/two-factor/disable/", {"code": "123456"})
    assert answer.status_code == 403
    bob.refresh_from_db()
    assert bob.totp_enabled


def test_without_the_rule_nobody_is_redirected(bob):
    assert signed_in(bob).get("/inbox/").status_code == 200


def test_an_admin_resets_an_operators_second_factor(
    alice, bob, account, django_capture_on_commit_callbacks
):
    with_two_factor(bob)
    with django_capture_on_commit_callbacks(execute=True):
        answer = signed_in(alice).post(f"{URL}{bob.public_id}/reset/")
    assert answer.status_code == 302
    bob.refresh_from_db()
    assert not bob.totp_enabled and bob.totp_secret == ""
    assert not RecoveryCode.objects.filter(operator=bob).exists()
    entry = AuditEntry.objects.get(action="operator.2fa_reset")
    assert entry.actor_id == alice.public_id and entry.target_id == bob.public_id
    assert [m.to for m in mail.outbox] == [["bob@acme.test"]]
    assert "Alice Admin" in mail.outbox[0].body and "/security/" in mail.outbox[0].body


def test_the_reset_mail_speaks_the_operators_language(
    alice, bob, django_capture_on_commit_callbacks
):
    bob.language = "de"
    bob.save(update_fields=["language"])
    with_two_factor(bob)
    with django_capture_on_commit_callbacks(execute=True):
        security.reset_second_factor(bob, actor=as_actor(alice))
    assert "zurückgesetzt" in mail.outbox[0].subject


def test_a_reset_needs_a_second_factor_and_another_operator(alice, bob):
    with pytest.raises(Conflict):
        security.reset_second_factor(bob, actor=as_actor(alice))
    with_two_factor(alice)
    with pytest.raises(PermissionDenied):
        security.reset_second_factor(alice, actor=as_actor(alice))
    assert mail.outbox == []


def test_a_teammate_is_refused(alice, bob, account):
    with_two_factor(alice)
    client = signed_in(bob)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"require_two_factor": "on"}).status_code == 403
    assert client.post(f"{URL}{alice.public_id}/reset/").status_code == 403
    with pytest.raises(PermissionDenied):
        security.reset_second_factor(alice, actor=as_actor(bob))
    alice.refresh_from_db()
    assert alice.totp_enabled and not profile.profile_of(account).require_two_factor


def test_an_outsider_gets_404(bob, charlie):
    with_two_factor(bob)
    assert signed_in(charlie).post(f"{URL}{bob.public_id}/reset/").status_code == 404
    with pytest.raises(NotFound):
        security.reset_second_factor(bob, actor=as_actor(charlie))
    bob.refresh_from_db()
    assert bob.totp_enabled


def test_the_security_page_lists_operators_and_speaks_german(alice, bob):
    with_two_factor(bob)
    alice.language = "de"
    alice.save(update_fields=["language"])
    text = signed_in(alice).get(URL).content.decode()
    assert "Zweiten Faktor zurücksetzen" in text and bob.public_id in text
