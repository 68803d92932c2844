"""Backup and restore of the database.

SQLite (embedded): ``backup`` uses SQLite's online backup API (``sqlite3.Connection.backup``),
which copies a consistent snapshot while the server keeps reading and writing; the copy is a
single self-contained file (journal mode DELETE), written under a temporary name and renamed,
so a backup file is never half-written. ``restore`` writes the backup back through the same
API (so the live database's WAL is handled by SQLite, not by copying files around), refuses
while a server uses the data folder, refuses to overwrite data without ``--force``, and keeps
the replaced database as ``<name>.before-restore-<time>``.

PostgreSQL (scale-out): the right tools are ``pg_dump``/``pg_restore``; we print the exact
commands for this installation instead of wrapping them.

Uploaded files live in the storage (``$MC_DATA_DIR/files`` or S3) and are backed up with it;
see the README.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

StrPath = str | os.PathLike[str]
REQUIRED_TABLES = ("django_migrations", "accounts_account")


class BackupError(Exception):
    """Backup or restore refused or failed; the message says why and what to do."""


def backup_sqlite(database: StrPath, target: StrPath, *, force: bool = False) -> Path:
    """Write a consistent copy of ``database`` to ``target``."""
    database, target = Path(database), Path(target)
    if not database.exists():
        raise BackupError(f"There is no database at {database}.")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; use --force to overwrite it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _copy(database, partial)
        with _connect(partial) as copy:
            # A backup is one file: no -wal beside it to forget when it is moved.
            copy.execute("PRAGMA journal_mode=DELETE")
        partial.chmod(0o600)  # it holds every conversation and personal data
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore_sqlite(
    backup: StrPath, database: StrPath, *, force: bool = False, server_running: bool = False
) -> Path | None:
    """Replace the content of ``database`` with ``backup``. Returns where the replaced
    database was kept (None when there was nothing to keep)."""
    backup, database = Path(backup), Path(database)
    if server_running:
        raise BackupError("The Message Center is running on this data folder: stop it first.")
    check_backup(backup)
    kept = None
    if _has_tables(database):
        if not force:
            raise BackupError(
                f"{database} already holds data; use --force to replace it "
                "(the current database is kept as a .before-restore copy)."
            )
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = database.with_name(f"{database.name}.before-restore-{stamp}")
        backup_sqlite(database, kept)
    database.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup, database)
    with _connect(database) as restored:
        restored.execute("PRAGMA journal_mode=WAL")  # the server's mode (settings sets it too)
    return kept


def check_backup(path: StrPath) -> None:
    """Refuse anything that is not an intact Message Center database."""
    if not Path(path).is_file():
        raise BackupError(f"There is no backup file at {path}.")
    try:
        with _connect(path, read_only=True) as connection:
            result = connection.execute("PRAGMA quick_check").fetchone()
            tables = _tables(connection)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite database ({exc}).") from None
    if result is None or result[0] != "ok":
        raise BackupError(f"{path} is damaged: {result[0] if result else 'no answer'}.")
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        raise BackupError(f"{path} is not a Message Center database (no {', '.join(missing)}).")


def postgres_commands(database: Mapping[str, Any], path: str) -> tuple[str, str]:
    """The pg_dump and pg_restore command lines for this installation. The password is
    not printed: pg_dump reads it from PGPASSWORD or ~/.pgpass."""
    connection = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            connection.append(f"{flag}={shlex.quote(str(database[key]))}")
    name = shlex.quote(str(database.get("NAME", "")))
    target = shlex.quote(path)
    options = " ".join(connection)
    dump = f"pg_dump --format=custom --no-owner {options} --file={target} {name}"
    restore = (
        f"pg_restore --clean --if-exists --no-owner --single-transaction {options} "
        f"--dbname={name} {target}"
    )
    return dump, restore


def _copy(source: Path, target: Path) -> None:
    with _connect(source) as src, _connect(target) as dst:
        src.backup(dst)  # one step: the snapshot is consistent even while others write


def _connect(path: StrPath, *, read_only: bool = False) -> _Connection:
    uri = f"file:{Path(path).resolve()}{'?mode=ro' if read_only else ''}"
    return _Connection(sqlite3.connect(uri, uri=True, timeout=30))


class _Connection:
    """``with`` closes the connection (sqlite3's own context manager only commits)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.connection.commit()
        self.connection.close()


def _has_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    with _connect(path, read_only=True) as connection:
        return bool(_tables(connection))


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    return {row[0] for row in rows}
