"""createaccount and createoperator: the installation's own way to add companies and logins."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate

from messagecenter import cli
from messagecenter.accounts.models import Account, Operator, Role


def test_createaccount_creates_an_account_and_says_what_next(db, capsys):
    assert cli.main(["createaccount", "Initech AG"]) == 0
    account = Account.objects.get(name="Initech AG")
    out = capsys.readouterr().out
    assert account.public_id in out
    assert "createoperator" in out


def test_createaccount_refuses_a_blank_name(db, capsys):
    assert cli.main(["createaccount", "  "]) == 1
    assert "name" in capsys.readouterr().err
    assert not Account.objects.exists()


@pytest.fixture
def stdin(monkeypatch):
    def feed(text: str) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    return feed


def test_createoperator_with_password_from_stdin_can_sign_in(account, support_group, stdin):
    stdin("a-long-secret-42\n")
    status = cli.main(
        [
            "createoperator",
            "--account",
            account.public_id,
            "--email",
            "Dana@Acme.test",
            "--name",
            "Dana Admin",
            "--role",
            "admin",
            "--language",
            "de",
            "--group",
            "Support",
            "--password-stdin",
        ]
    )
    assert status == 0
    operator = authenticate(username="dana@acme.test", password="a-long-secret-42")
    assert operator is not None
    assert (operator.role, operator.language, operator.account) == (Role.ADMIN, "de", account)
    assert list(operator.groups.values_list("name", flat=True)) == ["Support"]


def test_createoperator_finds_the_account_by_name(account, stdin):
    stdin("a-long-secret-42\n")
    args = ["--email", "erin@acme.test", "--name", "Erin", "--password-stdin"]
    assert cli.main(["createoperator", "--account", "Acme", *args]) == 0
    assert Operator.objects.get(email="erin@acme.test").role == Role.OPERATOR


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "too short"), ("1234567890123", "entirely numeric"), ("password123", "common")],
)
def test_createoperator_refuses_weak_passwords(account, stdin, capsys, password, message):
    stdin(password + "\n")
    args = ["--account", "Acme", "--email", "weak@acme.test", "--name", "W", "--password-stdin"]
    assert cli.main(["createoperator", *args]) == 1
    assert message in capsys.readouterr().err
    assert not Operator.objects.filter(email="weak@acme.test").exists()


def test_createoperator_refuses_unknown_account_group_and_duplicate_email(alice, stdin, capsys):
    base = ["createoperator", "--name", "X", "--no-password"]
    assert cli.main([*base, "--account", "Nope", "--email", "x@acme.test"]) == 1
    assert "No account" in capsys.readouterr().err
    args = ["--account", "Acme", "--email", "x@acme.test", "--group", "Nope"]
    assert cli.main([*base, *args]) == 1
    assert "No group" in capsys.readouterr().err
    assert cli.main([*base, "--account", "Acme", "--email", "alice@acme.test"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_createoperator_without_a_terminal_asks_for_password_stdin(account, stdin, capsys):
    stdin("")  # not a terminal
    args = ["--account", "Acme", "--email", "y@acme.test", "--name", "Y"]
    assert cli.main(["createoperator", *args]) == 1
    assert "--password-stdin" in capsys.readouterr().err


def test_createoperator_without_password_cannot_sign_in_until_invited(account):
    args = ["--account", "Acme", "--email", "z@acme.test", "--name", "Z", "--no-password"]
    assert cli.main(["createoperator", *args]) == 0
    assert not Operator.objects.get(email="z@acme.test").has_usable_password()


def test_other_commands_pass_through_to_django(db, capsys):
    assert cli.main(["check"]) == 0
    assert "no issues" in capsys.readouterr().out


def test_help_lists_the_commands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("serve", "worker", "demo", "createaccount", "createoperator", "backup"):
        assert command in out
