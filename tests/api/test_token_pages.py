"""API tokens in the app: personal tokens in My settings, integration tokens (and every
operator's token) in Settings for administrators, the secret shown once, revoke; and
``messagecenter token`` on the command line."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from messagecenter import cli
from messagecenter.accounts import tokens
from messagecenter.accounts.models import ApiToken, TokenKind
from tests.api.conftest import ApiClient
from tests.conftest import as_actor

PERSONAL = "/me/settings/api-tokens/"
SETTINGS = "/settings/api-tokens/"
SECRET = re.compile(r"mc_[A-Za-z0-9]{8}_[A-Za-z0-9]{40}")


@pytest.fixture(autouse=True)
def _default_language():
    """A German page leaves German active in this thread (the language middleware)."""
    from django.utils import translation

    yield
    translation.deactivate()


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def test_an_operator_creates_a_personal_token_and_sees_its_secret_once(bob):
    client = signed_in(bob)
    answer = client.post(PERSONAL, {"name": "My script", "scopes": ["conversations:read"]})
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    secret = SECRET.search(answer.content.decode()).group(0)
    token = ApiToken.objects.get(operator=bob)
    assert (token.kind, token.name, token.scopes) == (
        TokenKind.PERSONAL,
        "My script",
        ["conversations:read"],
    )
    # It works for the API, as bob…
    assert ApiClient(secret).get("/me").json()["operator"] == bob.public_id
    # …and the list never shows it again, only its prefix.
    listed = client.get(PERSONAL).content.decode()
    assert secret not in listed and token.prefix in listed and "My script" in listed


def test_the_list_shows_scopes_and_last_use(bob, clock):
    made = tokens.create_personal_token(bob, "Sync", ["conversations:read", "tokens:manage"])
    assert "never" in signed_in(bob).get(PERSONAL).content.decode()
    ApiClient(made.secret).get("/me")
    page = signed_in(bob).get(PERSONAL).content.decode()
    assert "tokens:manage" in page and "never" not in page


def test_a_token_needs_a_name_and_a_scope(bob):
    answer = signed_in(bob).post(PERSONAL, {"name": " ", "scopes": []})
    assert answer.status_code == 400
    assert not ApiToken.objects.exists()


def test_an_operator_lists_only_their_own_tokens(alice, bob):
    tokens.create_personal_token(alice, "Alice's", ["conversations:read"])
    page = signed_in(bob).get(PERSONAL).content.decode()
    assert "Alice&#x27;s" not in page and "Alice's" not in page


def test_revoking_a_personal_token_makes_the_api_refuse_it(bob):
    made = tokens.create_personal_token(bob, "Old", ["conversations:read"])
    answer = signed_in(bob).post(f"{SETTINGS}{made.token.public_id}/revoke/", {"from": "personal"})
    assert answer.status_code == 302 and answer["Location"] == PERSONAL
    assert ApiClient(made.secret).get("/me").status_code == 401
    assert "Revoked" in signed_in(bob).get(PERSONAL).content.decode()


def test_a_teammate_cannot_revoke_someone_elses_token(alice, bob):
    made = tokens.create_personal_token(alice, "Alice's", ["conversations:read"])
    answer = signed_in(bob).post(f"{SETTINGS}{made.token.public_id}/revoke/")
    assert answer.status_code == 404
    assert ApiClient(made.secret).get("/me").status_code == 200


def test_an_outsider_cannot_revoke_a_token_of_another_account(alice, charlie):
    made = tokens.create_personal_token(alice, "Alice's", ["conversations:read"])
    assert signed_in(charlie).post(f"{SETTINGS}{made.token.public_id}/revoke/").status_code == 404


def test_revoke_is_post_only(bob):
    made = tokens.create_personal_token(bob, "Old", ["conversations:read"])
    assert signed_in(bob).get(f"{SETTINGS}{made.token.public_id}/revoke/").status_code == 405


def test_an_admin_creates_an_integration_token(alice):
    answer = signed_in(alice).post(
        SETTINGS, {"name": "CRM", "scopes": ["conversations:read", "conversations:write"]}
    )
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    secret = SECRET.search(answer.content.decode()).group(0)
    me = ApiClient(secret).get("/me").json()
    assert (me["kind"], me["operator"], me["name"]) == ("token", None, "CRM")


def test_the_admin_page_lists_every_operators_token_and_revokes_them(alice, bob):
    made = tokens.create_personal_token(bob, "Bob's laptop", ["conversations:read"])
    client = signed_in(alice)
    page = client.get(SETTINGS).content.decode()
    assert "Bob&#x27;s laptop" in page and "Bob Builder" in page
    answer = client.post(f"{SETTINGS}{made.token.public_id}/revoke/", {"from": "settings"})
    assert answer["Location"] == SETTINGS
    assert ApiClient(made.secret).get("/me").status_code == 401


def test_the_admin_page_is_for_admins(bob):
    assert signed_in(bob).get(SETTINGS).status_code == 403
    assert (
        signed_in(bob).post(SETTINGS, {"name": "x", "scopes": ["conversations:read"]}).status_code
        == 403
    )
    assert not ApiToken.objects.exists()


def test_the_admin_page_does_not_show_other_accounts_tokens(alice, charlie):
    tokens.create_integration_token(
        charlie.account, "Globex bot", ["conversations:read"], actor=as_actor(charlie)
    )
    assert "Globex bot" not in signed_in(alice).get(SETTINGS).content.decode()


def test_the_pages_speak_german(bob):
    bob.language = "de"
    bob.save(update_fields=["language"])
    page = signed_in(bob).get(PERSONAL, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "API-Tokens" in page and "Neues persönliches Token" in page


# --- the command line -----------------------------------------------------------------------


def test_the_token_command_prints_a_working_personal_token(bob, capsys):
    status = cli.main(
        [
            "token",
            "--operator",
            "BOB@acme.test",
            "--name",
            "Nightly export",
            "--scope",
            "conversations:read",
        ]
    )
    assert status == 0
    secret = SECRET.search(capsys.readouterr().out).group(0)
    assert ApiClient(secret).get("/me").json()["operator"] == bob.public_id
    assert ApiToken.objects.get().scopes == ["conversations:read"]


def test_the_token_command_makes_integration_tokens_for_admins_only(alice, bob, capsys):
    assert cli.main(["token", "--operator", "bob@acme.test", "--name", "Bot", "--integration"]) == 1
    assert "administrator" in capsys.readouterr().err
    assert (
        cli.main(["token", "--operator", "alice@acme.test", "--name", "Bot", "--integration"]) == 0
    )
    assert ApiToken.objects.get().kind == TokenKind.INTEGRATION


@pytest.mark.parametrize("email", ["nobody@acme.test"])
def test_the_token_command_names_an_unknown_operator(db, capsys, email):
    assert cli.main(["token", "--operator", email, "--name", "x"]) == 1
    assert email in capsys.readouterr().err
