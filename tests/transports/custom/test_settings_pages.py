"""Settings › Custom channels: an administrator creates a channel and sees its address and
secrets once, edits it, rotates and retires secrets, deactivates it and reads its delivery
log; teammates and other accounts get nowhere."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from messagecenter.accounts.models import AuditEntry
from messagecenter.conversations import inbound, services
from messagecenter.core.actors import Actor
from messagecenter.transports import registry
from messagecenter.transports.custom import config
from messagecenter.widgets.models import ChannelConnection
from tests.conftest import capture_events
from tests.transports.contract import CustomCase
from tests.transports.custom.conftest import HOOK

pytestmark = pytest.mark.django_db


def signed_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def admin(alice):
    return signed_in(alice)


def channel_form(widget, **changes) -> dict:
    data = {
        "widget": widget.public_id,
        "name": "Shop app",
        "icon": "phone",
        "webhook_url": HOOK,
        "max_text_length": 500,
        "media_types": ["image", "document"],
        "max_file_mb": 5,
        "can_delete": "on",
        "delete_window_hours": 2,
        "edit_window_hours": "",
        "identity_kinds": ["external", "phone"],
    }
    return {k: v for k, v in (data | changes).items() if v is not None}


def test_creating_a_channel_shows_its_address_and_secrets_once(admin, widget, public_dns):
    response = admin.post(reverse("settings_custom_channel_new"), channel_form(widget))

    assert response.status_code == 200
    channel = ChannelConnection.objects.get(kind="custom")
    html = response.content.decode()
    assert f"/api/v1/channels/{channel.public_id}/messages" in html
    assert config.inbound_secrets(channel)[0] in html
    assert config.signing_secrets(channel)[0] in html
    assert response["Cache-Control"] == "no-store"
    caps = channel.capabilities
    assert (caps.max_text_length, caps.media_types) == (500, {"image", "document"})
    assert caps.max_file_bytes == 5 * 1024 * 1024 and caps.delete_window.total_seconds() == 7200
    assert caps.identity_kinds == {"external", "phone"} and not caps.can_edit
    # Never again: the edit page names neither secret.
    later = admin.get(reverse("settings_custom_channel", args=[channel.public_id])).content
    assert config.inbound_secrets(channel)[0].encode() not in later
    assert config.signing_secrets(channel)[0].encode() not in later


def test_an_internal_webhook_url_is_shown_on_its_field(admin, widget, public_dns):
    response = admin.post(
        reverse("settings_custom_channel_new"),
        channel_form(widget, webhook_url="http://169.254.169.254/latest/meta-data"),
    )

    assert response.status_code == 400
    assert "cloud metadata service" in response.content.decode()
    assert not ChannelConnection.objects.filter(kind="custom").exists()


def test_editing_keeps_the_secrets_and_changes_the_capabilities(admin, custom, created):
    response = admin.post(
        reverse("settings_custom_channel", args=[custom.public_id]),
        channel_form(custom.widget, name="Shop app 2", max_text_length=120, can_delete=None),
    )

    assert response.status_code == 302
    custom.refresh_from_db()
    assert custom.name == "Shop app 2"
    assert custom.capabilities.max_text_length == 120 and not custom.capabilities.can_delete
    assert config.inbound_secrets(custom) == [created[1].inbound]
    assert AuditEntry.objects.filter(action="channel.updated").exists()


def test_rotating_shows_the_new_secret_once_and_retiring_ends_the_rotation(admin, custom, created):
    rotated = admin.post(
        reverse("settings_custom_channel_rotate", args=[custom.public_id]),
        {"direction": "inbound"},
    )

    custom.refresh_from_db()
    new, old = config.inbound_secrets(custom)
    assert old == created[1].inbound
    assert new in rotated.content.decode() and old not in rotated.content.decode()
    edit = admin.get(reverse("settings_custom_channel", args=[custom.public_id]))
    assert "Retire the previous inbound secret" in edit.content.decode()
    admin.post(
        reverse("settings_custom_channel_retire", args=[custom.public_id]),
        {"direction": "inbound"},
    )
    custom.refresh_from_db()
    assert config.inbound_secrets(custom) == [new]


def test_deactivating(admin, custom):
    response = admin.post(reverse("settings_custom_channel_deactivate", args=[custom.public_id]))

    assert response["Location"] == reverse("settings_custom_channels")
    custom.refresh_from_db()
    assert not custom.is_active


def test_the_list_shows_the_accounts_custom_channels(admin, custom):
    html = admin.get(reverse("settings_custom_channels")).content.decode()

    assert "Shop app" in html and custom.public_id in html


@pytest.fixture
def logged(widget, alice, custom_receiver, clock):
    """A channel whose webhook answered 503, then 200."""
    case = CustomCase(registry.get("custom"), custom_receiver)
    connection = case.connect(widget)
    conversation = inbound.receive(
        connection, case.transport.parse(connection, case.request(1))
    ).conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    case.fail(permanent=False, times=1)
    with capture_events():
        services.post_operator_message(conversation, "Hallo", actor=Actor.for_operator(alice))
    clock.shift(3600)
    from messagecenter.conversations import delivery

    with capture_events():
        delivery.sweep()
    return connection, conversation


def test_the_delivery_log_lists_each_attempt_newest_first(admin, logged):
    connection, conversation = logged

    html = admin.get(reverse("settings_custom_channel_log", args=[connection.public_id]))

    page = html.content.decode()
    assert html.status_code == 200
    assert page.count(conversation.public_id) >= 2
    sent, failed = page.index("2xx"), page.index("503")
    assert sent < failed  # newest first
    assert "nope" in page and " ms" in page
    assert "Failed, will retry" in page


@pytest.mark.parametrize("name", ["settings_custom_channel", "settings_custom_channel_log"])
def test_teammates_and_other_accounts_get_nowhere(custom, bob, charlie, name):
    url = reverse(name, args=[custom.public_id])

    assert signed_in(bob).get(url).status_code == 403
    assert signed_in(charlie).get(url).status_code in (403, 404)


def test_another_accounts_admin_cannot_open_the_channel(custom, other_account):
    from messagecenter.accounts import services as accounts

    other_admin = accounts.create_operator(
        other_account, name="Olga", email="olga@other.test", role="admin"
    )

    response = signed_in(other_admin).get(
        reverse("settings_custom_channel", args=[custom.public_id])
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("language", "expected"), [("de", "Neuer eigener Kanal"), ("en", "New custom channel")]
)
def test_the_pages_speak_the_admins_language(admin, alice, custom, language, expected):
    from messagecenter.accounts.services import update_profile

    update_profile(alice, actor=Actor.for_operator(alice), language=language)

    listing = admin.get(reverse("settings_custom_channels")).content.decode()
    log = admin.get(reverse("settings_custom_channel_log", args=[custom.public_id])).content
    assert expected in listing
    assert ("Zustellprotokoll" in log.decode()) == (language == "de")


OBJECT_PAGES = [
    ("settings_custom_channel", "get"),
    ("settings_custom_channel", "post"),
    ("settings_custom_channel_rotate", "post"),
    ("settings_custom_channel_retire", "post"),
    ("settings_custom_channel_deactivate", "post"),
    ("settings_custom_channel_log", "get"),
]


@pytest.mark.parametrize(("name", "method"), OBJECT_PAGES)
def test_every_channel_page_is_refused_to_teammates_and_other_admins(
    custom, created, bob, other_account, name, method
):
    from messagecenter.accounts import services as accounts

    olga = accounts.create_operator(
        other_account, name="Olga", email="olga@other.test", role="admin"
    )
    url = reverse(name, args=[custom.public_id])
    data = {"direction": "inbound"}

    for client, expected in ((signed_in(bob), 403), (signed_in(olga), 404)):
        response = client.post(url, data) if method == "post" else client.get(url)
        assert response.status_code == expected

    custom.refresh_from_db()
    assert custom.is_active and config.inbound_secrets(custom) == [created[1].inbound]
    assert (
        not AuditEntry.objects.exclude(action="channel.created")
        .filter(target_id=custom.public_id)
        .exists()
    )


@pytest.mark.parametrize("name", ["settings_custom_channels", "settings_custom_channel_new"])
def test_the_list_and_the_new_form_are_for_admins(bob, name):
    assert signed_in(bob).get(reverse(name)).status_code == 403
