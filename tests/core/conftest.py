"""Fixtures of the outbound-HTTP tests (a local server, a fake resolver, a socket guard)."""

from tests.core.local_http import fake_dns, http_server, loopback_only  # noqa: F401
