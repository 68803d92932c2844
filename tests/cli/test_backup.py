"""backup and restore: a consistent SQLite copy while the server runs; a careful way back."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from messagecenter import backup, cli
from messagecenter.server import hold_server_lock, server_running
from tests.cli.procs import run


def _database(path, *names: str):
    """A minimal database with the tables a Message Center backup must have, WAL like live."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS django_migrations (id INTEGER PRIMARY KEY)")
        db.execute("CREATE TABLE IF NOT EXISTS accounts_account (name TEXT)")
        db.executemany("INSERT INTO accounts_account VALUES (?)", [(n,) for n in names])
    db.close()
    return path


def _names(path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT name FROM accounts_account ORDER BY name")]
    finally:
        db.close()


def test_restore_brings_back_the_state_of_the_backup(tmp_path):
    live = _database(tmp_path / "live.sqlite3", "Before")
    copy = backup.backup_sqlite(live, tmp_path / "backup.sqlite3")
    _database(live, "After")
    kept = backup.restore_sqlite(copy, live, force=True)
    assert _names(live) == ["Before"]
    assert kept is not None and _names(kept) == ["After", "Before"]


def test_a_backup_is_one_private_file(tmp_path):
    live = _database(tmp_path / "live.sqlite3", "Acme")
    copy = backup.backup_sqlite(live, tmp_path / "backup.sqlite3")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    db.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("backup")) == [
        "backup.sqlite3"
    ]


def test_backup_is_consistent_while_a_writer_is_mid_transaction(tmp_path):
    """GIVEN a server connection holding uncommitted writes WHEN backing up THEN the copy has
    exactly the committed state."""
    live = _database(tmp_path / "live.sqlite3", "Committed")
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO accounts_account VALUES ('Uncommitted')")
    try:
        copy = backup.backup_sqlite(live, tmp_path / "backup.sqlite3")
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert _names(copy) == ["Committed"]


def test_backup_does_not_overwrite_without_force(tmp_path):
    live = _database(tmp_path / "live.sqlite3", "Acme")
    (tmp_path / "backup.sqlite3").write_text("precious")
    with pytest.raises(backup.BackupError, match="--force"):
        backup.backup_sqlite(live, tmp_path / "backup.sqlite3")
    assert (tmp_path / "backup.sqlite3").read_text() == "precious"
    backup.backup_sqlite(live, tmp_path / "backup.sqlite3", force=True)
    assert _names(tmp_path / "backup.sqlite3") == ["Acme"]


def test_restore_refuses_to_replace_data_without_force(tmp_path):
    live = _database(tmp_path / "live.sqlite3", "Current")
    copy = backup.backup_sqlite(_database(tmp_path / "old.sqlite3", "Old"), tmp_path / "b.sq3")
    with pytest.raises(backup.BackupError, match="--force"):
        backup.restore_sqlite(copy, live)
    assert _names(live) == ["Current"]


def test_restore_into_a_fresh_installation_needs_no_force(tmp_path):
    copy = backup.backup_sqlite(_database(tmp_path / "old.sqlite3", "Old"), tmp_path / "b.sq3")
    assert backup.restore_sqlite(copy, tmp_path / "new" / "live.sqlite3") is None
    assert _names(tmp_path / "new" / "live.sqlite3") == ["Old"]


def test_restore_refuses_while_the_server_runs(tmp_path):
    lock = hold_server_lock(tmp_path)
    try:
        assert server_running(tmp_path)
        copy = backup.backup_sqlite(_database(tmp_path / "a.sqlite3", "A"), tmp_path / "b.sq3")
        with pytest.raises(backup.BackupError, match="stop it first"):
            backup.restore_sqlite(copy, tmp_path / "live.sqlite3", force=True, server_running=True)
    finally:
        lock.close()
    assert not server_running(tmp_path)


@pytest.mark.parametrize("content", [b"not a database at all", b""])
def test_restore_refuses_what_is_not_a_backup(tmp_path, content):
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(content)
    with pytest.raises(backup.BackupError):
        backup.restore_sqlite(bogus, tmp_path / "live.sqlite3")


def test_restore_refuses_a_foreign_sqlite_database(tmp_path):
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    db.close()
    with pytest.raises(backup.BackupError, match="not a Message Center database"):
        backup.restore_sqlite(other, tmp_path / "live.sqlite3")


def test_postgres_gets_the_pg_dump_and_pg_restore_commands(settings, capsys):
    settings.DATABASE_IS_POSTGRES = True
    database = {"HOST": "db.internal", "PORT": 5432, "USER": "mc", "NAME": "messagecenter"}
    dump, restore = backup.postgres_commands(database, "/backups/mc 1.dump")
    assert dump == (
        "pg_dump --format=custom --no-owner --host=db.internal --port=5432 --username=mc "
        "--file='/backups/mc 1.dump' messagecenter"
    )
    assert restore.startswith("pg_restore --clean --if-exists --no-owner --single-transaction")
    assert cli.main(["backup", "/tmp/x.dump"]) == 2
    assert "pg_dump --format=custom" in capsys.readouterr().err


def test_backup_and_restore_commands_round_trip_a_real_installation(tmp_path):
    """GIVEN a migrated installation WHEN backed up, changed and restored THEN what was
    written after the backup is gone, and restore asked for --force before replacing data."""
    _ok(tmp_path, "migrate", "-v0")
    _ok(tmp_path, "createaccount", "Before")
    _ok(tmp_path, "backup", str(tmp_path / "mc.backup"))
    _ok(tmp_path, "createaccount", "After")

    refused = run(tmp_path, "restore", str(tmp_path / "mc.backup"))
    assert refused.returncode == 1
    assert "--force" in refused.stderr
    _ok(tmp_path, "restore", "--force", str(tmp_path / "mc.backup"))

    database = tmp_path / "messagecenter.sqlite3"
    assert _names(database) == ["Before"]
    assert list(tmp_path.glob("messagecenter.sqlite3.before-restore-*"))
    _ok(tmp_path, "check")


def _ok(data_dir, *args: str) -> None:
    result = run(data_dir, *args)
    assert result.returncode == 0, f"messagecenter {' '.join(args)}:\n{result.stderr}"
