"""Settings › Channels › Telegram: an administrator tests a bot token (the bot's name, or a
clear reason), connects it (the webhook registered with our public URL and a secret),
changes the token and disconnects; the token never comes back to a page, and teammates and
other accounts get nowhere."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from messagecenter.accounts.models import AuditEntry
from messagecenter.transports.telegram import config
from messagecenter.widgets.models import ChannelConnection
from tests.transports.telegram.fake_api import TOKEN

pytestmark = pytest.mark.django_db

OTHER_TOKEN = "7000002:AAG-another_token_for_the_tests_98765"


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def admin(alice):
    return signed_in(alice)


def test_add_a_channel_offers_telegram(admin, widget):
    html = admin.get(reverse("settings_channels")).content.decode()

    assert reverse("settings_telegram_new") + f"?widget={widget.public_id}" in html


def test_test_shows_the_bots_username_and_saves_nothing(admin, widget, telegram_api):
    response = admin.post(
        reverse("settings_telegram_new"),
        {"widget": widget.public_id, "token": TOKEN, "action": "test"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "@acme_support_bot" in html
    assert TOKEN not in html and TOKEN.split(":")[1] not in html
    assert not ChannelConnection.objects.filter(kind="telegram").exists()


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("not a token", "This is not a bot token"),
        ("7000009:AAZ-unknown_token_telegram_does_not_know", "Telegram does not know this token"),
    ],
)
def test_a_bad_token_gets_a_clear_error(admin, widget, telegram_api, token, says):
    response = admin.post(
        reverse("settings_telegram_new"),
        {"widget": widget.public_id, "token": token, "action": "save"},
    )

    assert response.status_code == 400
    assert says in response.content.decode()
    assert token not in response.content.decode()
    assert not ChannelConnection.objects.filter(kind="telegram").exists()


def test_connecting_registers_the_webhook_with_our_url_and_a_secret(admin, widget, telegram_api):
    response = admin.post(
        reverse("settings_telegram_new"),
        {"widget": widget.public_id, "token": TOKEN, "action": "save"},
    )

    assert response.status_code == 302
    connection = ChannelConnection.objects.get(kind="telegram")
    hook = telegram_api.bots[TOKEN].webhook
    assert hook["url"] == f"https://mc.example.com/channels/telegram/{connection.public_id}/webhook"
    assert hook["secret_token"] == config.webhook_secret(connection)
    assert len(hook["secret_token"]) >= 32
    assert hook["allowed_updates"] == ["message", "edited_message"]
    assert config.username(connection) == "acme_support_bot"
    assert connection.widget == widget
    audit = AuditEntry.objects.get(action="channel.created")
    assert TOKEN not in str(audit.__dict__)
    listed = admin.get(reverse("settings_channels")).content.decode()
    assert "@acme_support_bot" in listed and TOKEN not in listed


def test_a_public_url_telegram_refuses_is_said_and_nothing_kept(
    admin, widget, telegram_api, settings
):
    settings.PUBLIC_URL = "http://127.0.0.1:8000"

    response = admin.post(
        reverse("settings_telegram_new"),
        {"widget": widget.public_id, "token": TOKEN, "action": "save"},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "An HTTPS URL must be provided for webhook" in html
    assert not ChannelConnection.objects.filter(kind="telegram").exists()


def test_a_bot_connected_already_is_refused(admin, widget, telegram):
    response = admin.post(
        reverse("settings_telegram_new"),
        {"widget": widget.public_id, "token": TOKEN, "action": "save"},
    )

    assert response.status_code == 400
    assert "is connected already" in response.content.decode()


def test_the_edit_page_shows_the_bot_but_never_the_token(admin, telegram):
    html = admin.get(reverse("settings_telegram", args=[telegram.public_id])).content.decode()

    assert "@acme_support_bot" in html
    assert config.webhook_url(telegram) in html
    assert TOKEN not in html and config.webhook_secret(telegram) not in html


def test_changing_the_token_registers_the_webhook_again(admin, telegram, telegram_api):
    telegram_api.add_bot(OTHER_TOKEN, id=7000001)  # the same bot, after /revoke
    old_secret = config.webhook_secret(telegram)

    response = admin.post(
        reverse("settings_telegram", args=[telegram.public_id]),
        {"token": OTHER_TOKEN, "action": "save"},
    )

    assert response.status_code == 302
    telegram.refresh_from_db()
    assert config.token(telegram) == OTHER_TOKEN
    assert config.webhook_secret(telegram) != old_secret
    assert telegram_api.bots[OTHER_TOKEN].webhook["secret_token"] == config.webhook_secret(telegram)


def test_disconnecting_deletes_the_webhook(admin, telegram, telegram_api):
    response = admin.post(reverse("settings_telegram_disconnect", args=[telegram.public_id]))

    assert response.status_code == 302
    telegram.refresh_from_db()
    assert not telegram.is_active
    assert telegram_api.bots[TOKEN].webhook == {}


def test_disconnecting_when_telegram_cannot_be_told_says_so(admin, telegram, telegram_api):
    telegram_api.fail("deleteWebhook", 401, "Unauthorized")

    response = admin.post(
        reverse("settings_telegram_disconnect", args=[telegram.public_id]), follow=True
    )

    telegram.refresh_from_db()
    assert not telegram.is_active
    assert "Telegram could not be told: Unauthorized" in response.content.decode()


def test_teammates_and_other_accounts_get_nowhere(bob, charlie, telegram):
    for operator in (bob, charlie):
        client = signed_in(operator)
        assert client.get(reverse("settings_telegram", args=[telegram.public_id])).status_code in (
            403,
            404,
        )
        client.post(reverse("settings_telegram_disconnect", args=[telegram.public_id]))
    telegram.refresh_from_db()
    assert telegram.is_active


@pytest.mark.parametrize(
    ("language", "expected", "error"),
    [
        ("de", "Telegram verbinden", "Telegram kennt dieses Token nicht"),
        ("en", "Connect Telegram", "Telegram does not know this token"),
    ],
)
def test_the_page_speaks_the_admins_language(
    admin, alice, widget, telegram_api, language, expected, error
):
    from messagecenter.accounts.services import update_profile
    from messagecenter.core.actors import Actor

    update_profile(alice, actor=Actor.for_operator(alice), language=language)

    page = admin.get(reverse("settings_telegram_new")).content.decode()
    refused = admin.post(
        reverse("settings_telegram_new"),
        {"widget": widget.public_id, "token": "7000009:AAZ-unknown_token_telegram_does_not_know"},
    ).content.decode()
    assert expected in page and error in refused
