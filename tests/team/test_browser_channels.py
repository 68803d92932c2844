"""Settings › Channels in a real browser: connect an e-mail channel (a private Dovecot for
IMAP, aiosmtpd for SMTP) with a wrong password first, then the right one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from messagecenter.widgets.models import ChannelConnection
from tests.browser_fixtures import ARTIFACTS, wait_until
from tests.realtime.conftest import session_cookie
from tests.transports.email import conftest as mail_servers
from tests.transports.email.smtp_sink import SmtpSink

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

SMTP_PASSWORD = "smtp-Geheim-4711"
FOLDER = mail_servers.FOLDER
# The private Dovecot of the IMAP tests (tests/transports/email/conftest.py).
tls_authority = mail_servers.tls_authority
tls_certificate = mail_servers.tls_certificate
dovecot_server = mail_servers.dovecot_server
dovecot = mail_servers.dovecot


@pytest.fixture
def app(asgi_server):
    return f"http://127.0.0.1:{asgi_server.port}"


@pytest.fixture
def sink():
    server = SmtpSink(login="support@acme.test", password=SMTP_PASSWORD).start()
    yield server
    server.stop()


def open_as(page, app, operator, path):
    cookie = session_cookie(operator).split("=", 1)[1]
    page.context.add_cookies([{"name": "mc_session", "value": cookie, "url": app}])
    page.goto(app + path)


def test_connect_an_email_channel_wrong_password_then_right(
    page, app, alice, widget, dovecot, sink
):
    open_as(page, app, alice, "/settings/channels/")
    page.get_by_role("link", name=f"E-mail · {widget.name}").click()

    page.get_by_label("E-mail address").fill("support@acme.test")
    page.get_by_label("Sender name").fill("Acme Support")
    page.get_by_label("We fetch it from an IMAP mailbox").check()
    imap = page.get_by_role("group", name="Incoming mail (IMAP)")
    imap.get_by_label("IMAP server").fill(dovecot.host)
    imap.get_by_label("Security").select_option("none")
    imap.get_by_label("Port").fill(str(dovecot.port))
    imap.get_by_label("User name").fill(dovecot.username)
    imap.get_by_label("Password").fill("wrong-password")
    imap.get_by_label("Folder").fill(FOLDER)
    smtp = page.get_by_role("group", name="Outgoing mail (SMTP)")
    smtp.get_by_label("SMTP server").fill("127.0.0.1")
    smtp.get_by_label("Security").select_option("none")
    smtp.get_by_label("Port").fill(str(sink.port))
    smtp.get_by_label("User name").fill("support@acme.test")
    smtp.get_by_label("Password").fill(SMTP_PASSWORD)
    page.get_by_role("button", name="Connect channel").click()

    failed = page.locator('[data-server="imap"][data-ok="no"]')
    expect(failed).to_contain_text("check the user name and password")
    expect(page.locator('[data-server="smtp"][data-ok="yes"]')).to_be_visible()
    assert "wrong-password" not in page.content()
    assert not ChannelConnection.objects.filter(kind="email").exists()

    # Passwords are never sent back: both are entered again.
    imap.get_by_label("Password").fill(dovecot.password)
    smtp.get_by_label("Password").fill(SMTP_PASSWORD)
    page.get_by_role("button", name="Connect channel").click()

    wait_until(page, "location.pathname === '/settings/channels/'")
    row = page.locator('tr[data-kind="email"]')
    expect(row).to_contain_text("support@acme.test")
    expect(row).to_contain_text("Connected")
    connection = ChannelConnection.objects.get(kind="email")
    assert connection.widget == widget and connection.config["imap"]["folder"] == FOLDER
    assert connection.credentials["imap_password"] == dovecot.password
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "settings-channels-en.png", full_page=True)
