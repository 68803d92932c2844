"""``messagecenter token``: tokens are made on the command line (or in the app), never over
the API; the secret is printed once and works at once."""

from __future__ import annotations

import pytest

from messagecenter import cli
from messagecenter.accounts.models import ApiToken, TokenKind
from tests.api.conftest import ApiClient, assert_problem

pytestmark = pytest.mark.django_db


def _secret(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("mc_"))


def test_a_personal_token_with_scopes_works_at_once(bob, capsys):
    code = cli.main(
        ["token", "--operator", "BOB@acme.test", "--name", "CRM", "--scope", "contacts:read"]
    )

    assert code == 0
    out = capsys.readouterr().out
    token = ApiToken.objects.get(name="CRM")
    assert (token.kind, token.operator, token.scopes) == (
        TokenKind.PERSONAL,
        bob,
        ["contacts:read"],
    )
    client = ApiClient(_secret(out))
    assert client.get("/contacts").status_code == 200
    assert_problem(client.get("/conversations"), 403, "insufficient_scope")


def test_the_default_scope_is_read_only(bob, capsys):
    cli.main(["token", "--operator", "bob@acme.test", "--name", "Lesen"])

    assert ApiToken.objects.get(name="Lesen").scopes == ["conversations:read"]


def test_an_integration_token_needs_an_administrator(alice, bob, capsys):
    assert (
        cli.main(["token", "--operator", "alice@acme.test", "--name", "Bot", "--integration"]) == 0
    )
    assert ApiToken.objects.get(name="Bot").kind == TokenKind.INTEGRATION

    assert cli.main(["token", "--operator", "bob@acme.test", "--name", "X", "--integration"]) == 1
    assert "administrator" in capsys.readouterr().err
    assert not ApiToken.objects.filter(name="X").exists()


def test_an_unknown_operator_is_refused(db, capsys):
    assert cli.main(["token", "--operator", "nobody@acme.test", "--name", "X"]) == 1
    assert not ApiToken.objects.exists()
