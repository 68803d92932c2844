"""Fixtures of the website messenger tests: a real ASGI server and headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser_fixtures import browser, page, pytest_runtest_makereport  # noqa: F401
from tests.realtime.conftest import asgi_server  # noqa: F401


@pytest.fixture
def demo_widget(db):
    """The first widget of an account named like the demo's ("Demo GmbH")."""
    from messagecenter.accounts import services as accounts
    from messagecenter.widgets.services import create_widget

    account = accounts.create_account("Demo GmbH")
    group = accounts.create_group(account, "Support")
    first = create_widget(account, "Website Support", operator_group=group)
    create_widget(account, "Shop Sales Chat", operator_group=group)
    return first


@pytest.fixture
def site(asgi_server, widget):  # noqa: F811
    """The live server's base URL; the widget accepts it as an origin."""
    base = f"http://127.0.0.1:{asgi_server.port}"
    widget.allowed_origins = [base]
    widget.save()
    return base
