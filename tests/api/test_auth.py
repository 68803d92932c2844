"""Tokens: shown once, stored hashed, scoped, revocable; personal tokens act as their
operator, integration tokens as a bot."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messagecenter.accounts import tokens
from messagecenter.accounts.models import ApiToken, AuditEntry, TokenKind
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from tests.api.conftest import ApiClient, assert_problem, personal
from tests.conftest import as_actor
from tests.helpers import start

pytestmark = pytest.mark.django_db


# --- the token service ------------------------------------------------------------------------


def test_new_token_is_shown_once_and_stored_only_as_a_hash(alice):
    new = tokens.create_personal_token(alice, "CLI", ["conversations:read"])

    stored = ApiToken.objects.get(pk=new.token.pk)
    assert new.secret.startswith(stored.prefix + "_")
    assert stored.prefix.startswith("mc_") and len(stored.prefix) == 11
    assert stored.token_hash == tokens.hash_token(new.secret)
    assert new.secret not in str(ApiToken.objects.filter(pk=stored.pk).values().get())
    assert (stored.kind, stored.operator, stored.scopes) == (
        TokenKind.PERSONAL,
        alice,
        ["conversations:read"],
    )
    assert AuditEntry.objects.filter(
        action="api_token.created", target_id=stored.public_id
    ).exists()


def test_only_the_operator_creates_their_personal_token(alice, bob):
    with pytest.raises(PermissionDenied):
        tokens.create_personal_token(bob, "x", ["conversations:read"], actor=as_actor(alice))


def test_only_an_admin_creates_integration_tokens(account, bob):
    with pytest.raises(PermissionDenied):
        tokens.create_integration_token(account, "Bot", ["conversations:read"], actor=as_actor(bob))


def test_admin_of_another_account_cannot_create_integration_tokens(account, charlie):
    with pytest.raises(PermissionDenied):
        tokens.create_integration_token(
            account, "Bot", ["conversations:read"], actor=as_actor(charlie)
        )


@pytest.mark.parametrize("scopes", [[], ["conversations:delete"]])
def test_scopes_must_be_known_and_not_empty(alice, scopes):
    with pytest.raises(ValidationFailed):
        tokens.create_personal_token(alice, "x", scopes)


def test_integration_token_acts_as_a_bot_never_as_an_operator(bot_token):
    actor = Actor.for_token(tokens.authenticate(bot_token.secret))

    assert (actor.kind, actor.operator, actor.name) == ("token", None, "Shop bot")


def test_personal_token_acts_as_its_operator(alice):
    actor = Actor.for_token(
        tokens.authenticate(tokens.create_personal_token(alice, "x", ["conversations:read"]).secret)
    )

    assert (actor.kind, actor.operator) == ("operator", alice)
    assert actor.token is not None


def test_authentication_stamps_last_used_at_most_once_a_minute(alice, clock):
    new = tokens.create_personal_token(alice, "x", ["conversations:read"])
    tokens.authenticate(new.secret)
    first = ApiToken.objects.get(pk=new.token.pk).last_used_at
    clock.shift(30)
    tokens.authenticate(new.secret)
    assert ApiToken.objects.get(pk=new.token.pk).last_used_at == first
    clock.shift(60)
    tokens.authenticate(new.secret)
    assert ApiToken.objects.get(pk=new.token.pk).last_used_at == first + timedelta(seconds=90)


# --- over HTTP --------------------------------------------------------------------------------


def test_missing_token_is_401_with_a_bearer_challenge(db):
    response = ApiClient(None).get("/conversations")

    assert_problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "secret", ["nonsense", "mc_abcdefgh_" + "x" * 40, "mc_abc_def", "", "Basic dXNlcjpwYXNz"]
)
def test_bad_token_is_401(db, secret):
    response = ApiClient(secret).get("/conversations")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_wrong_scheme_is_401(alice):
    secret = tokens.create_personal_token(alice, "x", ["conversations:read"]).secret
    client = ApiClient(None)

    response = client.client.get("/api/v1/conversations", HTTP_AUTHORIZATION=f"Token {secret}")

    assert_problem(response, 401, "unauthenticated")


def test_revoked_token_is_401(alice_api, alice):
    token = ApiToken.objects.get(operator=alice)
    tokens.revoke(token, actor=as_actor(alice))

    body = assert_problem(alice_api.get("/conversations"), 401, "invalid_token")
    assert "revoked" in body["detail"]


def test_token_of_deactivated_operator_is_401(bob_api, bob):
    type(bob).objects.filter(pk=bob.pk).update(is_active=False)

    assert_problem(bob_api.get("/conversations"), 401, "invalid_token")


def test_read_scope_cannot_write(reader_api, widget, contact):
    conversation = start(widget, contact)

    assert reader_api.get("/conversations").status_code == 200
    response = reader_api.post(f"/conversations/{conversation.public_id}/notes", {"body": "x"})
    body = assert_problem(response, 403, "insufficient_scope")
    assert body["required_scope"] == "conversations:write"


def test_write_scope_alone_cannot_read(bob):
    writer = personal(bob, ["conversations:write"])

    assert_problem(writer.get("/conversations"), 403, "insufficient_scope")


def test_me_describes_the_caller(alice_api, bot_api, alice, account):
    mine = alice_api.get("/me").json()
    bots = bot_api.get("/me").json()

    assert (mine["kind"], mine["operator"], mine["account"]) == (
        "operator",
        alice.public_id,
        account.public_id,
    )
    assert (bots["kind"], bots["operator"], bots["name"]) == ("token", None, "Shop bot")
    assert bots["token"]["kind"] == "integration"


# --- listing and revoking over HTTP -----------------------------------------------------------


def test_operator_lists_only_own_tokens(bob_api, alice_api, bob):
    listed = bob_api.get("/tokens").json()["items"]

    assert [t["operator"] for t in listed] == [bob.public_id]
    assert "token_hash" not in listed[0]


def test_admin_lists_the_accounts_tokens(alice_api, bob_api, bot_api):
    listed = alice_api.get("/tokens").json()["items"]

    assert sorted(t["kind"] for t in listed) == ["integration", "personal", "personal"]


def test_token_management_needs_its_scope(reader_api):
    assert_problem(reader_api.get("/tokens"), 403, "insufficient_scope")


def test_revoke_own_token_over_the_api(bob_api, bob):
    token = ApiToken.objects.get(operator=bob)

    response = bob_api.delete(f"/tokens/{token.public_id}")

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert_problem(bob_api.get("/me"), 401, "invalid_token")


def test_operator_cannot_revoke_a_teammates_token(alice_api, bob_api, alice):
    alices = ApiToken.objects.get(operator=alice)

    assert_problem(bob_api.delete(f"/tokens/{alices.public_id}"), 404, "not_found")
    assert ApiToken.objects.get(pk=alices.pk).revoked_at is None


def test_admin_revokes_an_integration_token(alice_api, bot_api, bot_token):
    response = alice_api.delete(f"/tokens/{bot_token.token.public_id}")

    assert response.status_code == 200
    assert_problem(bot_api.get("/me"), 401, "invalid_token")
