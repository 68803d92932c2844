"""The operator app's one socket client (web/js/socket.js), shared by every page's modules.

Frames travel over the real server's WebSocket; where the test must play the server's part
(a ``resync`` request, the close after signing out), Playwright's WebSocket route sits in
between and passes everything else through.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from messagecenter.contacts.services import create_contact
from tests.browser_fixtures import wait_until
from tests.helpers import start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Counts the operator sockets a page opens.
SOCKET_SPY = """
window.__sockets = 0;
const Original = window.WebSocket;
window.WebSocket = class extends Original {
  constructor(url, protocols) {
    super(url, protocols);
    if (String(url).includes("/ws/operator")) window.__sockets += 1;
  }
};
"""
HELLO_SPY = """
addEventListener("mc:event", (event) => {
  if (event.detail.type === "hello") window.__hello = true;
});
"""


class Relay:
    """Stands between page and server: passes frames through, unless told to drop them."""

    def __init__(self, page):
        self.client = None
        self.dropping = False
        self.dropped: list[str] = []
        page.route_web_socket(re.compile(r".*/ws/operator"), self.attach)

    def attach(self, ws):
        server = ws.connect_to_server()
        self.client = ws
        server.on_message(lambda frame: self.from_server(ws, frame))
        ws.on_message(server.send)

    def from_server(self, ws, frame) -> None:
        if self.dropping:
            self.dropped.append(json.loads(frame)["type"])
        else:
            ws.send(frame)

    def wait_until_dropped(self, page, frame_type: str) -> None:
        """Poll (each round trip lets Playwright run the relay's callbacks), never sleep."""
        for _ in range(500):
            if frame_type in self.dropped:
                return
            page.evaluate("1")
        raise AssertionError(f"no {frame_type} reached the relay")

    def send_to_page(self, frame: str) -> None:
        self.client.send(frame)


def open_live(app, path: str, spy: str = SOCKET_SPY):
    page = app.page
    page.add_init_script(spy + HELLO_SPY)
    app.open(path)
    wait_until(page, "window.__hello === true")
    return page


@pytest.mark.parametrize("path", ["/", "/inbox/", "/notifications/", "/operators/"])
def test_every_page_holds_one_socket(app_for, alice, path):
    page = app_for(alice).page
    page.clock.install()
    page = open_live(app_for(alice), path)

    page.clock.run_for(30_000)  # past any grace period a module might wait for

    assert page.evaluate("window.__sockets") == 1
    assert page.evaluate("typeof window.__mcShellSocket") == "undefined"


def test_signed_out_close_leads_to_the_sign_in_page(app_for, alice):
    """GIVEN the inbox open
    WHEN the server closes the socket with 4401 (the session ended; realtime/operator.py)
    THEN the page goes to the sign-in page (coming back to the inbox) instead of reconnecting.

    The route plays the server here: it says hello, then closes with the code."""
    page = app_for(alice).page
    sockets = []

    def fake_server(ws):
        sockets.append(ws)
        ws.send(json.dumps({"type": "hello", "operator": alice.public_id}))

    page.route_web_socket(re.compile(r".*/ws/operator"), fake_server)
    page = open_live(app_for(alice), "/inbox/?tab=mine", spy="")

    Session.objects.all().delete()  # signed out (in another tab, or the session expired)
    sockets[0].close(code=4401, reason="signed out")

    page.wait_for_url(re.compile(r"/login/\?next=%2Finbox%2F%3Ftab%3Dmine$"))
    assert len(sockets) == 1  # no reconnect attempt


def test_a_server_resync_makes_the_inbox_read_again(app_for, alice, widget, account):
    """GIVEN the Unassigned list open, and the events of a new conversation lost on the way
    WHEN the server sends ``resync``
    THEN the list reads its rows again and shows the conversation."""
    page = app_for(alice).page
    relay = Relay(page)
    page = open_live(app_for(alice), "/inbox/?tab=unassigned", spy="")
    expect(page.locator(".rows__empty")).to_be_visible()

    relay.dropping = True
    conversation = start(widget, create_contact(account, name="Verena Verloren"))
    relay.wait_until_dropped(page, "conversation.changed")
    expect(page.locator(".row")).to_have_count(0)
    relay.dropping = False
    relay.send_to_page('{"type": "resync"}')

    expect(page.locator(f".row[data-id='{conversation.public_id}']")).to_contain_text(
        "Verena Verloren"
    )
    expect(page.locator("[data-count=unassigned]")).to_have_text("1")
