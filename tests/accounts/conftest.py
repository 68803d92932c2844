"""Browser fixtures for the roles tests."""

from __future__ import annotations

from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: F401
from tests.realtime.conftest import asgi_server, session_cookie  # noqa: F401
