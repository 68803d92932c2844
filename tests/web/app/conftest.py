"""The operator app: personas signed in, conversations built through the services."""

from __future__ import annotations

import pytest

from messagecenter.contacts.services import create_contact
from messagecenter.conversations import services
from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from tests.helpers import conversation_in, start


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


@pytest.fixture
def charlie_client(client, charlie):
    client.force_login(charlie)
    return client


@pytest.fixture
def unassigned(widget, contact):
    """A NEW conversation nobody took: it waits in Unassigned."""
    return start(widget, contact, "Hallo, ist jemand da?")


@pytest.fixture
def alices(widget, contact, alice):
    """An OPEN conversation assigned to Alice (the contact wrote last)."""
    return conversation_in(Status.OPEN, widget, contact, alice)


def another_contact(account, name: str):
    return create_contact(account, name=name)


def reply(conversation, operator, body="Gern geschehen"):
    return services.post_operator_message(conversation, body, actor=Actor.for_operator(operator))


JSON = {"HTTP_ACCEPT": "application/json"}


# --- live browser tests: a real uvicorn (tests/realtime) and Chromium (tests/browser_fixtures) --

from tests.browser_fixtures import ARTIFACTS, browser, page, pytest_runtest_makereport, wait_until  # noqa: E402,F401
from tests.realtime.conftest import asgi_server, session_cookie  # noqa: E402,F401


class App:
    """Chromium signed in as an operator against the live server."""

    def __init__(self, page, server, operator):  # noqa: F811
        self.page, self.server = page, server
        self.base = f"http://127.0.0.1:{server.port}"
        name, value = session_cookie(operator).split("=", 1)
        page.context.add_cookies([{"name": name, "value": value, "url": self.base}])

    def open(self, path: str):
        self.page.goto(self.base + path)
        # The shell's socket says hello once the page is live; the personal module may then still
        # put its notification prompt above the content, which moves whatever a test clicks next.
        wait_until(
            self.page,
            "document.querySelector('.toasts') !== null"
            " && document.documentElement.dataset.mcPersonal === 'ready'",
        )
        return self.page

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{name}.png")


@pytest.fixture
def app_for(page, asgi_server):  # noqa: F811
    return lambda operator: App(page, asgi_server, operator)
