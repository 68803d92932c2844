"""Fixtures for the real mail servers: one private Dovecot per session, a clean mailbox per test.

Dovecot comes from Debian (``apt-get install -y dovecot-imapd``; ``.ci/run`` installs it). Without
it the live IMAP tests are skipped locally and fail in CI (CI=true), like the browser tests.
"""

from __future__ import annotations

import os

import pytest
import trustme

from messagecenter.transports.email.imap import ImapSettings, Security

from .servers import DOVECOT, CuttingProxy, remove_dovecot, start_dovecot

FOLDER = "Support"


def _require_dovecot() -> None:
    if DOVECOT.exists():
        return
    message = f"{DOVECOT} is missing: apt-get install -y dovecot-imapd (.ci/run does it as root)"
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def tls_authority():
    """A private certificate authority; ``trust_tls_authority`` makes the code under test
    trust it the way it trusts a real one (through OpenSSL's default verify paths)."""
    return trustme.CA()


@pytest.fixture(scope="session")
def tls_certificate(tls_authority):
    return tls_authority.issue_cert("127.0.0.1", "localhost")


@pytest.fixture
def trust_tls_authority(tls_authority, tmp_path, monkeypatch):
    bundle = tmp_path / "ca.pem"
    tls_authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@pytest.fixture(scope="session")
def dovecot_server(tls_certificate):
    """Speaks IMAP, STARTTLS and IMAPS (``tls_port``) with a certificate of ``tls_authority``."""
    _require_dovecot()
    server = start_dovecot(tls=tls_certificate)
    yield server
    remove_dovecot(server)


@pytest.fixture(scope="session")
def dovecot_server_without_idle():
    """A second Dovecot that does not advertise IDLE (nor TLS): a server that cannot push."""
    _require_dovecot()
    server = start_dovecot(idle=False)
    yield server
    remove_dovecot(server)


@pytest.fixture
def dovecot(dovecot_server):
    """The session's Dovecot with an empty INBOX and an empty folder ``Support``."""
    dovecot_server.reset(FOLDER)
    return dovecot_server


@pytest.fixture
def dovecot_without_idle(dovecot_server_without_idle):
    dovecot_server_without_idle.reset(FOLDER)
    return dovecot_server_without_idle


def settings_for(server, port: int | None = None, **overrides) -> ImapSettings:
    """Channel settings reading ``Support`` on ``server`` (or on a proxy in front of it)."""
    values = {
        "host": server.host,
        "port": port or server.port,
        "security": Security.NONE,
        "username": server.username,
        "password": server.password,
        "folder": FOLDER,
        "connect_timeout": 5.0,
        "read_timeout": 10.0,
        "retry_backoff": 0.01,
    }
    return ImapSettings(**(values | overrides))


@pytest.fixture
def mailbox(dovecot):
    return settings_for(dovecot)


@pytest.fixture
def proxy_to():
    """``proxy_to(server, after_bytes=…, cuts=…)``: a CuttingProxy, closed after the test."""
    proxies = []

    def start(server, *, after_bytes: int = 0, cuts: int = 0) -> CuttingProxy:
        proxy = CuttingProxy((server.host, server.port), after_bytes=after_bytes, cuts=cuts)
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.close()
