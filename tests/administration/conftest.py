"""Browser fixtures for the administration pages, and a signed-in browser helper."""

from __future__ import annotations

from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: F401
from tests.realtime.conftest import asgi_server, session_cookie  # noqa: F401


def sign_in(page, server, operator) -> str:  # noqa: F811
    """Give ``page`` ``operator``'s session on ``server``; returns the app's base URL."""
    app = f"http://127.0.0.1:{server.port}"
    cookie = session_cookie(operator).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    return app
