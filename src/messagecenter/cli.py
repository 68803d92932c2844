"""The ``messagecenter`` command.

Own commands: serve, worker, demo, createaccount, createoperator, token, backup, restore. Anything
else goes to Django's management commands (``messagecenter migrate``, ``messagecenter shell``,
``messagecenter check --deploy``…). Each command is an adapter: it parses arguments, calls one
service (or the server/backup module), and prints the result; domain errors become a message
on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

USAGE = """\
usage: messagecenter <command> [options]

Message Center commands:
  serve            run the Message Center (embedded default: http://127.0.0.1:8000)
  worker           run the job consumer alone (scale-out: M of these beside the servers)
  demo             add the demo account to an empty database
  createaccount    create an account (a company)
  createoperator   create an operator (a login) in an account
  token            create a REST API token for an operator (shown once)
  backup PATH      write a consistent copy of the database to PATH (SQLite)
  restore PATH     replace the database with a backup (SQLite; the server must be stopped)
  watch-mail       watch the e-mail channels' IMAP mailboxes (scale-out: one beside the servers)

Any other command is one of Django's management commands, e.g.
  messagecenter migrate | shell | dbshell | check --deploy | changepassword EMAIL | help

Run `messagecenter <command> --help` for a command's options.
"""

ROLES = ("admin", "supervisor", "operator")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, end="")
        return 0
    if args[0] == "--version":
        print(_version())
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "messagecenter.settings")
    try:
        _setup_django()
        command = COMMANDS.get(args[0])
        if command is None:
            return _django(args)
        return command(args[1:])
    except KeyboardInterrupt:
        return 130


def _setup_django() -> None:
    import django

    from messagecenter.env import ConfigError

    try:
        django.setup()
    except ConfigError as exc:
        raise SystemExit(f"Configuration error: {exc}") from None


def _django(args: list[str]) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["messagecenter", *args])
    return 0


def _say(text: str) -> None:
    print(text, flush=True)


def _fail(message: str) -> int:
    print(f"messagecenter: {message}", file=sys.stderr)
    return 1


# --- serve and worker ----------------------------------------------------------------------


def serve(argv: list[str]) -> int:
    from messagecenter import server

    parser = argparse.ArgumentParser(
        prog="messagecenter serve",
        description="Run the Message Center: migrate, add the demo to an empty database, "
        "then serve HTTP and WebSockets. In embedded mode (no REDIS_URL) the job consumer "
        "runs in this process.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (8000)")
    jobs = parser.add_mutually_exclusive_group()
    jobs.add_argument(
        "--with-jobs",
        action="store_true",
        help="also run the job consumer in this process in scale-out mode",
    )
    jobs.add_argument(
        "--no-embedded-jobs",
        dest="no_jobs",
        action="store_true",
        help="never run the job consumer here (run `messagecenter worker` instead)",
    )
    parser.add_argument("--workers", type=int, help="job worker threads (MC_JOB_WORKERS)")
    parser.add_argument(
        "--no-migrate", dest="migrate", action="store_false", help="do not apply migrations"
    )
    parser.add_argument(
        "--no-demo", dest="demo", action="store_false", help="never add the demo account"
    )
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning"))
    parser.add_argument("--no-access-log", dest="access_log", action="store_false")
    parser.add_argument(
        "--forwarded-allow-ips",
        help="proxies trusted for X-Forwarded-For/-Proto (uvicorn's default: 127.0.0.1)",
    )
    options = parser.parse_args(argv)
    return server.serve(server.ServeOptions(**vars(options)), say=_say)


def worker(argv: list[str]) -> int:
    from django.conf import settings

    if settings.EMBEDDED:
        print(
            "messagecenter: warning: without REDIS_URL, `serve` already runs the jobs, and a "
            "separate worker cannot push live events to the server's WebSockets.",
            file=sys.stderr,
        )
    # Django's LOGGING already prints huey's records through the root handler; run_huey adds a
    # handler of its own to a "huey" logger without one, and every line would appear twice.
    logging.getLogger("huey").addHandler(logging.NullHandler())
    logging.getLogger("huey.consumer").setLevel(logging.INFO)  # a worker says what it runs
    from django.core.management import call_command

    from messagecenter import server

    server.resume_interrupted_jobs()
    call_command("run_huey", *argv)  # not via execute_from_command_line: it resets logging
    return 0


# --- accounts ------------------------------------------------------------------------------


def demo(argv: list[str]) -> int:
    from django.conf import settings

    from messagecenter import demo as demo_data

    argparse.ArgumentParser(
        prog="messagecenter demo", description="Add the demo account to an empty database."
    ).parse_args(argv)
    try:
        login = demo_data.seed()
    except demo_data.DemoRefused as exc:
        return _fail(str(exc))
    path = demo_data.save_login(settings.DATA_DIR, login)
    _say(f"Demo account “{demo_data.ACCOUNT_NAME}” created.")
    _say(f"  Log in as:  {login.email}\n  Password:   {login.password}")
    _say(f"  (kept in {path} while it works)")
    return 0


def createaccount(argv: list[str]) -> int:
    from messagecenter.accounts import services
    from messagecenter.core.errors import DomainError

    parser = argparse.ArgumentParser(prog="messagecenter createaccount")
    parser.add_argument("name", help="the company's name")
    options = parser.parse_args(argv)
    try:
        account = services.create_account(options.name)
    except DomainError as exc:
        return _fail(str(exc))
    _say(f"Created account “{account.name}” ({account.public_id}).")
    _say(
        f"Next: messagecenter createoperator --account {account.public_id} "
        "--email EMAIL --name NAME --role admin"
    )
    return 0


def createoperator(argv: list[str]) -> int:
    from messagecenter.accounts import services
    from messagecenter.core.errors import DomainError

    parser = argparse.ArgumentParser(prog="messagecenter createoperator")
    parser.add_argument("--account", required=True, help="account id (acc_…) or exact name")
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--role", choices=ROLES, default="operator")
    parser.add_argument("--language", choices=("en", "de"), default="en")
    parser.add_argument("--group", action="append", default=[], help="group name (repeatable)")
    password = parser.add_mutually_exclusive_group()
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    password.add_argument(
        "--no-password",
        action="store_true",
        help="no password: the operator sets one through a password-reset link",
    )
    options = parser.parse_args(argv)
    try:
        account = _find_account(options.account)
        groups = _find_groups(account, options.group)
        secret = None if options.no_password else _read_password(options)
        operator = services.create_operator(
            account,
            name=options.name,
            email=options.email,
            password=secret,
            role=options.role,
            language=options.language,
            groups=groups,
        )
    except (DomainError, LookupError, ValueError) as exc:
        return _fail(str(exc))
    _say(f"Created {operator.role} {operator.name} <{operator.email}> in “{account.name}”.")
    return 0


def token(argv: list[str]) -> int:
    """A personal token for an operator, or with ``--integration`` an integration token of
    the operator's account made by that operator (an administrator). Printed once."""
    from messagecenter.accounts import tokens
    from messagecenter.accounts.models import Operator
    from messagecenter.core.actors import Actor
    from messagecenter.core.errors import DomainError

    parser = argparse.ArgumentParser(prog="messagecenter token")
    parser.add_argument("--operator", required=True, help="the operator's e-mail address")
    parser.add_argument("--name", required=True, help="what will use the token")
    parser.add_argument(
        "--scope",
        action="append",
        choices=sorted(tokens.SCOPES),
        help="repeatable; default: conversations:read",
    )
    parser.add_argument(
        "--integration",
        action="store_true",
        help="an integration token (acts as a bot); the operator must be an administrator",
    )
    options = parser.parse_args(argv)
    scopes = options.scope or ["conversations:read"]
    found = Operator.objects.filter(email__iexact=options.operator.strip(), is_active=True)
    operator = found.select_related("account").first()
    if operator is None:
        return _fail(f"No active operator “{options.operator}”.")
    try:
        if options.integration:
            account, me = operator.account, Actor.for_operator(operator)
            made = tokens.create_integration_token(account, options.name, scopes, actor=me)
        else:
            made = tokens.create_personal_token(operator, options.name, scopes)
    except DomainError as exc:
        return _fail(str(exc))
    kind = "integration" if options.integration else "personal"
    _say(f"Created {kind} token “{made.token.name}” ({made.token.public_id}) for {operator.email}.")
    _say("It is shown only this once:")
    _say(made.secret)
    return 0


def _find_account(key: str):
    from messagecenter.accounts.models import Account

    account = Account.objects.filter(public_id=key).first()
    if account is not None:
        return account
    matches = list(Account.objects.filter(name=key)[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise LookupError(f"Several accounts are called “{key}”: use the account id.")
    raise LookupError(f"No account “{key}”: see `messagecenter createaccount`.")


def _find_groups(account, names: list[str]) -> list:
    groups = []
    for name in names:
        group = account.groups.filter(name=name).first()
        if group is None:
            raise LookupError(f"No group “{name}” in “{account.name}”.")
        groups.append(group)
    return groups


def _read_password(options: argparse.Namespace) -> str:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from messagecenter.accounts.models import Operator

    if options.password_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        secret = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != secret:
            raise ValueError("The passwords do not match.")
    else:
        raise ValueError("No terminal to ask for a password: use --password-stdin.")
    try:
        validate_password(secret, Operator(email=options.email, name=options.name))
    except ValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from None
    return secret


# --- backup and restore --------------------------------------------------------------------


def backup(argv: list[str]) -> int:
    from django.conf import settings

    from messagecenter import backup as backups

    parser = argparse.ArgumentParser(
        prog="messagecenter backup",
        description="Write a consistent copy of the SQLite database to PATH, also while the "
        "server runs. For PostgreSQL it prints the pg_dump command to use.",
    )
    parser.add_argument("path")
    parser.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    options = parser.parse_args(argv)
    database = settings.DATABASES["default"]
    if settings.DATABASE_IS_POSTGRES:
        dump, _restore = backups.postgres_commands(database, options.path)
        print("This installation uses PostgreSQL. Back it up with pg_dump:", file=sys.stderr)
        print(f"  {dump}", file=sys.stderr)
        return 2  # nothing was written: a cron job must not mistake this for a backup
    try:
        target = backups.backup_sqlite(database["NAME"], options.path, force=options.force)
    except backups.BackupError as exc:
        return _fail(str(exc))
    _say(f"Database backed up to {target} ({target.stat().st_size // 1024} KiB).")
    _say(f"Uploaded files are not in it: copy {settings.MEDIA_ROOT} as well.")
    return 0


def restore(argv: list[str]) -> int:
    from django.conf import settings

    from messagecenter import backup as backups
    from messagecenter import server

    parser = argparse.ArgumentParser(
        prog="messagecenter restore",
        description="Replace the SQLite database with a backup. Stop the server first.",
    )
    parser.add_argument("path")
    parser.add_argument("--force", action="store_true", help="replace a database that holds data")
    options = parser.parse_args(argv)
    database = settings.DATABASES["default"]
    if settings.DATABASE_IS_POSTGRES:
        _dump, command = backups.postgres_commands(database, options.path)
        print("This installation uses PostgreSQL. Restore with pg_restore:", file=sys.stderr)
        print(f"  {command}", file=sys.stderr)
        return 2
    try:
        kept = backups.restore_sqlite(
            options.path,
            database["NAME"],
            force=options.force,
            server_running=server.server_running(settings.DATA_DIR),
        )
    except backups.BackupError as exc:
        return _fail(str(exc))
    _say(f"Database restored from {options.path}.")
    if kept is not None:
        _say(f"The database it replaced is kept as {kept}.")
    _say("`messagecenter serve` applies any newer migrations on start.")
    return 0


def _version() -> str:
    try:
        return f"messagecenter {version('messagecenter')}"
    except PackageNotFoundError:
        return "messagecenter (not installed)"


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "serve": serve,
    "worker": worker,
    "demo": demo,
    "createaccount": createaccount,
    "createoperator": createoperator,
    "token": token,
    "backup": backup,
    "restore": restore,
    "watch-mail": lambda argv: _django(["watch_mail", *argv]),
}


if __name__ == "__main__":
    sys.exit(main())
