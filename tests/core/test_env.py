"""Strict configuration parsing: a bad value stops the start with a message naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from messagecenter.env import (
    ConfigError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_url,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("OFF", False), ("", True)]
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", True) is expected


def test_env_bool_rejects_typos(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(ConfigError, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_env_int_bounds(monkeypatch):
    monkeypatch.setenv("X_NUM", "10s")
    with pytest.raises(ConfigError, match="whole number"):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "0")
    with pytest.raises(ConfigError, match="at least 1"):
        env_int("X_NUM", 1, minimum=1)
    monkeypatch.setenv("X_NUM", " 42 ")
    assert env_int("X_NUM", 1) == 42


def test_env_choice_list_url(monkeypatch):
    monkeypatch.setenv("X_MODE", "Production")
    assert env_choice("X_MODE", "local", ("local", "production")) == "production"
    monkeypatch.setenv("X_MODE", "prod")
    with pytest.raises(ConfigError):
        env_choice("X_MODE", "local", ("local", "production"))
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert env_list("X_LIST") == ["a.example", "b.example"]
    monkeypatch.setenv("X_URL", "ftp://x")
    with pytest.raises(ConfigError, match="X_URL"):
        env_url("X_URL", schemes=("http", "https"))


def test_env_secret_reads_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cr3t\n")
    monkeypatch.setenv("X_KEY_FILE", str(secret))
    assert env_secret("X_KEY") == "s3cr3t"
    monkeypatch.setenv("X_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="X_KEY_FILE"):
        env_secret("X_KEY")


def load_settings(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MC_", "DATABASE", "REDIS"))}
    clean.pop("SECRET_KEY", None)
    clean |= {"MC_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT / "src"), **env}
    code = (
        "import messagecenter.settings as s;"
        "print(s.SESSION_COOKIE_SECURE if hasattr(s,'SESSION_COOKIE_SECURE') else False,"
        " getattr(s,'SECURE_HSTS_SECONDS',0), s.DATABASES['default']['ENGINE'])"
    )
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True)


def test_production_requires_secret_key_and_hosts(tmp_path):
    result = load_settings(tmp_path, MC_PROFILE="production")
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) is required" in result.stderr


def test_production_profile_is_https_only(tmp_path):
    result = load_settings(
        tmp_path, MC_PROFILE="production", SECRET_KEY="x" * 50, MC_ALLOWED_HOSTS="chat.example.com"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["True", "31536000"]


def test_local_profile_generates_and_keeps_a_secret_key(tmp_path):
    assert load_settings(tmp_path).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert load_settings(tmp_path).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key


def test_bad_database_url_stops_start_up(tmp_path):
    result = load_settings(tmp_path, DATABASE_URL="mysql://x")
    assert result.returncode != 0 and "DATABASE_URL" in result.stderr


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    assert mode == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
