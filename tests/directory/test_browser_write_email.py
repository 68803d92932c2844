"""Real browser: Write e-mail from the contact profile opens the new conversation, and the
contact gets the mail (aiosmtpd)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.conversations.models import Conversation
from messagecenter.widgets.models import ChannelConnection
from tests.browser_fixtures import wait_until
from tests.realtime import conftest as realtime
from tests.transports.email.smtp_sink import SmtpSink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
asgi_server = realtime.asgi_server  # the conversation page it opens needs the sockets


@pytest.fixture
def app(asgi_server):
    return f"http://127.0.0.1:{asgi_server.port}"


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


def test_write_an_email_from_the_profile(page, app, bob, contact, widget, sink):
    ChannelConnection.objects.create(
        account=widget.account,
        widget=widget,
        kind="email",
        name="Acme Support",
        config={
            "address": "support@acme.test",
            "name": "Acme Support",
            "inbound": "webhook",
            "smtp": {"host": "127.0.0.1", "port": sink.port, "security": "none"},
        },
    )
    cookie = realtime.session_cookie(bob).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    page.goto(f"{app}/contacts/{contact.public_id}/")

    page.get_by_role("button", name="Write e-mail").click()
    dialog = page.locator("#email-dialog")
    dialog.get_by_label("Subject").fill("Ihre Rücksendung")
    dialog.get_by_label("Message").fill("Hallo Clara, das Paket ist angekommen.")
    dialog.get_by_role("button", name="Send e-mail").click()

    expect(page.get_by_text("Hallo Clara, das Paket ist angekommen.").first).to_be_visible()
    conversation = Conversation.objects.get(contact=contact)
    wait_until(page, f"location.pathname.includes('{conversation.public_id}')")
    assert conversation.connection.kind == "email"
    for _ in range(100):
        if sink.messages:
            break
        page.wait_for_timeout(50)
    [mail] = sink.messages
    assert str(mail["Subject"]) == "Ihre Rücksendung"
    assert str(mail["To"]) == "Clara Kundin <clara@example.com>"
