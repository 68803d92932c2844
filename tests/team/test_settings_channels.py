"""Settings › Channels: connect an e-mail channel to a widget after testing its servers, edit
it with write-only passwords, disconnect it; admins of the account only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.accounts.models import AuditEntry
from messagecenter.conversations import inbound
from messagecenter.transports.base import InboundMessage
from messagecenter.widgets.models import ChannelConnection
from messagecenter.widgets.services import create_widget
from tests.transports.email.smtp_sink import SmtpSink

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

PASSWORD = "smtp-Geheim-4711"


@pytest.fixture
def sink():
    server = SmtpSink(login="support@acme.test", password=PASSWORD).start()
    yield server
    server.stop()


def channel_form(for_widget, sink, **changes) -> dict:
    data = {
        "widget": for_widget.public_id,
        "address": "Support@Acme.test",
        "name": "Acme Support",
        "inbound": "webhook",
        "imap_security": "ssl",
        "smtp_host": "127.0.0.1",
        "smtp_port": sink.port,
        "smtp_security": "none",
        "smtp_username": "support@acme.test",
        "smtp_password": PASSWORD,
        "action": "save",
    }
    return {k: v for k, v in (data | changes).items() if v is not None}


def email_channel(widget, sink) -> ChannelConnection:
    return ChannelConnection.objects.create(
        account=widget.account,
        widget=widget,
        kind="email",
        name="Acme Support",
        config={
            "address": "support@acme.test",
            "name": "Acme Support",
            "inbound": "webhook",
            "smtp": {
                "host": "127.0.0.1",
                "port": sink.port,
                "security": "none",
                "username": "support@acme.test",
            },
        },
        credentials={"smtp_password": PASSWORD, "webhook_secret": "old-secret"},
    )


def test_connecting_shows_the_inbound_url_and_the_secret_once(admin_client, widget, sink):
    response = admin_client.post(reverse("settings_channel_email_new"), channel_form(widget, sink))

    connection = ChannelConnection.objects.get(widget=widget, kind="email")
    secret = connection.credentials["webhook_secret"]
    html = response.content.decode()
    assert response.status_code == 200 and secret in html
    assert f"/channels/email/{connection.public_id}/inbound" in html
    assert response["Cache-Control"] == "no-store"
    assert connection.config["address"] == "support@acme.test"
    assert connection.credentials["smtp_password"] == PASSWORD
    assert PASSWORD not in html
    entry = AuditEntry.objects.get(action="channel.connected", target_id=connection.public_id)
    assert PASSWORD not in str(entry.data) and secret not in str(entry.data)

    # Later the secret is never shown again, the password never at all.
    edit = admin_client.get(reverse("settings_channel", args=[connection.public_id]))
    assert secret not in edit.content.decode() and PASSWORD not in edit.content.decode()


def test_a_wrong_password_is_refused_with_the_servers_reason(admin_client, widget, sink):
    response = admin_client.post(
        reverse("settings_channel_email_new"),
        channel_form(widget, sink, smtp_password="falsch-123"),
    )

    html = response.content.decode()
    assert "refused the login of &#x27;support@acme.test&#x27;" in html
    assert "check the user name and password" in html
    assert "falsch-123" not in html
    assert not ChannelConnection.objects.filter(widget=widget, kind="email").exists()


def test_test_connection_saves_nothing(admin_client, widget, sink):
    response = admin_client.post(
        reverse("settings_channel_email_new"), channel_form(widget, sink, action="test")
    )

    assert 'data-server="smtp" data-ok="yes"' in response.content.decode()
    assert not ChannelConnection.objects.filter(widget=widget, kind="email").exists()


def test_an_empty_password_keeps_the_stored_one(admin_client, widget, sink):
    connection = email_channel(widget, sink)

    response = admin_client.post(
        reverse("settings_channel", args=[connection.public_id]),
        channel_form(widget, sink, widget=None, name="Acme Hilfe", smtp_password=""),
    )

    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.config["name"] == "Acme Hilfe"
    assert connection.credentials["smtp_password"] == PASSWORD
    assert connection.credentials["webhook_secret"] == "old-secret"
    entry = AuditEntry.objects.get(action="channel.updated", target_id=connection.public_id)
    assert entry.data["fields"] == ["name"]


def test_a_new_secret_replaces_the_old_one_and_is_shown_once(admin_client, widget, sink):
    connection = email_channel(widget, sink)

    response = admin_client.post(reverse("settings_channel_secret", args=[connection.public_id]))

    connection.refresh_from_db()
    assert connection.credentials["webhook_secret"] != "old-secret"
    assert connection.credentials["webhook_secret"] in response.content.decode()


def test_disconnecting_deactivates_the_channel(admin_client, widget, sink):
    connection = email_channel(widget, sink)

    admin_client.post(reverse("settings_channel_disconnect", args=[connection.public_id]))

    connection.refresh_from_db()
    assert not connection.is_active
    assert AuditEntry.objects.filter(action="channel.disconnected").exists()
    page = admin_client.get(reverse("settings_channels")).content.decode()
    assert "Disconnected" in page
    edit = admin_client.get(reverse("settings_channel", args=[connection.public_id]))
    assert edit.status_code == 404


def test_the_messenger_cannot_be_disconnected(admin_client, widget):
    webchat = widget.connections.get(kind="webchat")

    admin_client.post(reverse("settings_channel_disconnect", args=[webchat.public_id]))

    webchat.refresh_from_db()
    assert webchat.is_active


def test_the_list_shows_each_widgets_channels_and_what_can_be_added(
    admin_client, account, widget, sink
):
    email_channel(widget, sink)
    shop = create_widget(account, "Shop")

    html = admin_client.get(reverse("settings_channels")).content.decode()

    assert "<code>support@acme.test</code>" in html
    assert html.count('data-kind="webchat"') == 2
    new = reverse("settings_channel_email_new")
    assert f"{new}?widget={widget.public_id}" in html and f"{new}?widget={shop.public_id}" in html


def test_one_address_is_connected_once(admin_client, widget, sink):
    email_channel(widget, sink)

    response = admin_client.post(reverse("settings_channel_email_new"), channel_form(widget, sink))

    assert response.status_code == 400
    assert "Another channel already uses support@acme.test" in response.content.decode()


def test_only_admins_see_the_channel_pages(teammate_client, widget, sink):
    connection = email_channel(widget, sink)

    for url in (
        reverse("settings_channels"),
        reverse("settings_channel_email_new"),
        reverse("settings_channel", args=[connection.public_id]),
    ):
        assert teammate_client.get(url).status_code == 403
    teammate_client.post(reverse("settings_channel_disconnect", args=[connection.public_id]))
    connection.refresh_from_db()
    assert connection.is_active


def test_another_accounts_channel_is_not_found(outsider_client, widget, sink):
    connection = email_channel(widget, sink)

    edit = outsider_client.get(reverse("settings_channel", args=[connection.public_id]))
    outsider_client.post(reverse("settings_channel_disconnect", args=[connection.public_id]))
    listing = outsider_client.get(reverse("settings_channels")).content.decode()

    assert edit.status_code == 404
    connection.refresh_from_db()
    assert connection.is_active
    assert "support@acme.test" not in listing


def test_another_accounts_widget_cannot_be_chosen(outsider_client, widget, sink):
    response = outsider_client.post(
        reverse("settings_channel_email_new"), channel_form(widget, sink)
    )

    assert response.status_code == 400
    assert not ChannelConnection.objects.filter(kind="email").exists()


def test_mail_conversations_follow_the_widgets_routing(widget, support_group, sink):
    connection = email_channel(widget, sink)

    received = inbound.receive(
        connection,
        InboundMessage(
            body="Hallo",
            identity_kind="email",
            identity_value="kim@example.com",
            provider_message_id="m-1@example.com",
        ),
    )

    assert received.conversation.widget == widget
    assert received.conversation.assigned_group == support_group


def test_the_pages_speak_german(admin_client, alice, widget, sink):
    from messagecenter.accounts.services import update_profile
    from messagecenter.core.actors import Actor

    update_profile(alice, actor=Actor.for_operator(alice), language="de")
    connection = email_channel(widget, sink)

    listing = admin_client.get(reverse("settings_channels")).content.decode()
    edit = admin_client.get(reverse("settings_channel", args=[connection.public_id])).content
    tested = channel_form(widget, sink, address="x@y.test", action="test")
    wrong = admin_client.post(reverse("settings_channel_email_new"), tested).content.decode()

    assert "Kanäle" in listing and "Kanal hinzufügen:" in listing
    assert "Ausgehende E-Mails (SMTP)" in edit.decode()
    assert "Leer lassen, um das gespeicherte Passwort zu behalten." in edit.decode()
    assert "Die Verbindung funktioniert." in wrong


def test_custom_channels_are_listed_and_added_for_the_widget(admin_client, account, widget):
    custom = ChannelConnection.objects.create(
        account=account,
        widget=widget,
        kind="custom",
        name="Shop-App",
        config={"icon": "phone", "webhook_url": "https://hooks.shop.example/mc"},
    )

    html = admin_client.get(reverse("settings_channels")).content.decode()

    assert "Shop-App · <code>https://hooks.shop.example/mc</code>" in html
    assert reverse("settings_custom_channel_log", args=[custom.public_id]) in html
    add = f"{reverse('settings_custom_channel_new')}?widget={widget.public_id}"
    assert add in html
    form = admin_client.get(add).content.decode()
    assert f'value="{widget.public_id}" selected' in form


def test_the_list_shows_each_mailboxs_reading_state_and_last_error(
    admin_client, widget, sink, clock
):
    from messagecenter.core import clock as mc_clock
    from messagecenter.transports.email.models import Mailbox, MailboxStatus

    channel = email_channel(widget, sink)
    channel.config = {**channel.config, "inbound": "imap", "imap": {"host": "imap.acme.test"}}
    channel.save()
    page = reverse("settings_channels")
    assert 'data-mailbox="new"' in admin_client.get(page).content.decode()

    Mailbox.objects.create(
        connection=channel,
        status=MailboxStatus.ERROR,
        last_error="imap.acme.test refused the login of 'support'",
        last_error_at=mc_clock.now(),
    )
    html = admin_client.get(page).content.decode()

    assert 'data-mailbox="error"' in html
    assert "imap.acme.test refused the login of &#x27;support&#x27;" in html
