"""Settings → Widgets: create and edit through the services, the embed snippet and the
identity secret."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import AuditEntry
from messagecenter.widgets.models import MEDIA_TYPES, Widget

pytestmark = pytest.mark.django_db

ALL_ON = {"files": True, "voice": True, "calls": True}


@pytest.fixture
def all_features(settings):
    """The installation turned on files, voice messages and calls (MC_FEATURE_*)."""
    settings.FEATURES = ALL_ON


def widget_form(**changes) -> dict:
    data = {
        "name": "Shop",
        "operator_group": "",
        "language": "de",
        "conversation_timeout_minutes": 20,
        "auto_end_days": 14,
        "continue_ended_days": 30,
        "backlog_drain": "on",
        "media_enabled": "on",
        "media_types": ["image", "document"],
        "calls_enabled": "on",
        "rating_enabled": "on",
        "allowed_origins": "https://shop.example.com\n\nhttps://www.example.com\n",
        "unread_email_delay_minutes": 10,
        "accent_color": "#3a56d4",
        "position": "right",
        "launcher_style": "icon",
        "show_avatars": "on",
        "prechat_name": "off",
        "prechat_email": "off",
        "prechat_phone": "off",
        "sticky_operator": "on",
        "max_queue": 0,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_creating_a_widget_with_every_setting(admin_client, account, support_group, all_features):
    response = admin_client.post(
        reverse("settings_widget_new"),
        widget_form(operator_group=support_group.public_id, privacy_mode="on"),
    )

    widget = Widget.objects.get(account=account, name="Shop")
    assert response["Location"] == reverse("settings_widget", args=[widget.public_id])
    assert widget.operator_group == support_group
    assert (widget.language, widget.conversation_timeout_minutes, widget.auto_end_days) == (
        "de",
        20,
        14,
    )
    assert widget.media == {"enabled": True, "types": ["image", "document"]}
    assert (widget.calls_enabled, widget.video_enabled) == (True, False)
    assert (widget.rating_enabled, widget.privacy_mode, widget.backlog_drain) == (True, True, True)
    assert widget.allowed_origins == ["https://shop.example.com", "https://www.example.com"]
    assert widget.connections.filter(kind="webchat").exists()
    assert AuditEntry.objects.filter(action="widget.created", target_id=widget.public_id).exists()


def test_the_new_widget_form_starts_from_the_defaults(admin_client, all_features):
    html = admin_client.get(reverse("settings_widget_new")).content.decode()

    assert 'name="conversation_timeout_minutes" value="30"' in html
    for media in MEDIA_TYPES:
        assert f'value="{media}" id="id_media_types_' in html


def test_a_bad_origin_shows_the_services_message_on_the_field(admin_client, account):
    response = admin_client.post(
        reverse("settings_widget_new"), widget_form(allowed_origins="shop.example.com/cart")
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "shop.example.com/cart is not an origin like https://shop.example.com." in html
    field = html[html.index('name="allowed_origins"') :]
    assert 'aria-invalid="true"' in field[: field.index(">")]
    assert not Widget.objects.filter(account=account).exists()


def test_the_edit_page_has_the_snippet_and_the_identity_secret(admin_client, widget):
    html = admin_client.get(reverse("settings_widget", args=[widget.public_id])).content.decode()

    snippet = (
        f"&lt;script type=&quot;module&quot; src=&quot;{settings.PUBLIC_URL}/messenger.js&quot; "
        f"data-widget=&quot;{widget.key}&quot; async&gt;&lt;/script&gt;"
    )
    assert snippet in html
    assert widget.identity_secret in html
    assert 'data-copy="embed-snippet"' in html and 'data-copy="identity-secret"' in html
    assert "How signed identities work" in html


def test_editing_saves_what_changed(admin_client, account, widget, all_features):
    sales = accounts.create_group(account, "Sales")

    response = admin_client.post(
        reverse("settings_widget", args=[widget.public_id]),
        widget_form(name="Website", operator_group=sales.public_id, video_enabled="on"),
        follow=True,
    )

    assert "The widget settings have been saved." in response.content.decode()
    widget.refresh_from_db()
    assert widget.operator_group == sales
    assert widget.media["types"] == ["image", "document"]
    entry = AuditEntry.objects.get(action="widget.updated", target_id=widget.public_id)
    assert "name" not in entry.data["fields"]  # unchanged settings are not named
    assert "operator_group" in entry.data["fields"]


def test_the_continuation_window_is_edited_in_the_widget_editor(admin_client, widget):
    page = admin_client.get(reverse("settings_widget", args=[widget.public_id])).content.decode()
    assert 'name="continue_ended_days" value="30"' in page

    admin_client.post(
        reverse("settings_widget", args=[widget.public_id]),
        widget_form(name="Website", continue_ended_days=5),
    )
    widget.refresh_from_db()
    assert widget.continue_ended_days == 5

    response = admin_client.post(
        reverse("settings_widget", args=[widget.public_id]),
        widget_form(name="Website", continue_ended_days=400),
    )
    assert response.status_code == 400
    widget.refresh_from_db()
    assert widget.continue_ended_days == 5


def test_a_refused_timeout_shows_the_message_and_changes_nothing(admin_client, widget):
    response = admin_client.post(
        reverse("settings_widget", args=[widget.public_id]),
        widget_form(conversation_timeout_minutes=0, name="Neu"),
    )

    assert response.status_code == 400
    assert "The conversation timeout must be between 1 minute and 7 days." in (
        response.content.decode()
    )
    widget.refresh_from_db()
    assert (widget.name, widget.conversation_timeout_minutes) == ("Website", 30)


def test_a_widget_needs_a_name(admin_client, widget):
    response = admin_client.post(
        reverse("settings_widget", args=[widget.public_id]), widget_form(name="  ")
    )

    assert response.status_code == 400
    assert "A widget needs a name." in response.content.decode()


def test_the_list(admin_client, widget):
    html = admin_client.get(reverse("settings_widgets")).content.decode()

    assert widget.name in html and widget.key in html
    assert reverse("settings_widget", args=[widget.public_id]) in html


def test_teammate_cannot_create(teammate_client, account):
    assert teammate_client.post(reverse("settings_widget_new"), widget_form()).status_code == 403
    assert not Widget.objects.filter(account=account).exists()


def test_outsider_cannot_edit(outsider_client, widget):
    response = outsider_client.post(
        reverse("settings_widget", args=[widget.public_id]), widget_form(name="Pwned")
    )

    assert response.status_code == 404
    widget.refresh_from_db()
    assert widget.name == "Website"


def test_every_feature_switch_is_offered_by_default(admin_client, widget):
    """GIVEN no MC_FEATURE_* set WHEN an admin opens the widget editor THEN it offers the
    file, voice message and call switches (all work end to end)."""
    html = admin_client.get(reverse("settings_widget", args=[widget.public_id])).content.decode()

    for name in ("media_enabled", "media_types", "calls_enabled", "video_enabled"):
        assert f'name="{name}"' in html
    assert 'value="audio"' in html


def test_switches_of_features_switched_off_are_hidden(admin_client, widget, settings):
    """GIVEN MC_FEATURE_FILES/VOICE/CALLS=false WHEN an admin opens the widget editor THEN it
    offers no file, voice message or call switches."""
    settings.FEATURES = {"files": False, "voice": False, "calls": False}
    html = admin_client.get(reverse("settings_widget", args=[widget.public_id])).content.decode()

    for name in ("media_enabled", "media_types", "calls_enabled", "video_enabled"):
        assert f'name="{name}"' not in html
    assert "Allow file uploads" not in html and "Voice calls" not in html
    assert 'name="rating_enabled"' in html  # the other switches stay


def test_saving_with_features_off_keeps_their_stored_values(admin_client, widget, settings):
    settings.FEATURES = {"files": False, "voice": False, "calls": False}
    before = (widget.media, widget.calls_enabled, widget.video_enabled)

    form = widget_form(media_enabled=None, media_types=None, calls_enabled=None, name="Neu")
    admin_client.post(reverse("settings_widget", args=[widget.public_id]), form)

    widget.refresh_from_db()
    assert widget.name == "Neu"
    assert (widget.media, widget.calls_enabled, widget.video_enabled) == before


@pytest.mark.parametrize(
    ("feature", "offered", "hidden"),
    [
        ("files", ['name="media_enabled"', 'value="image"'], ['value="audio"', "calls_enabled"]),
        ("calls", ['name="calls_enabled"', 'name="video_enabled"'], ["media_enabled"]),
    ],
)
def test_each_feature_flag_offers_its_own_switches(
    admin_client, widget, settings, feature, offered, hidden
):
    settings.FEATURES = {"files": False, "voice": False, "calls": False, feature: True}

    html = admin_client.get(reverse("settings_widget", args=[widget.public_id])).content.decode()

    assert all(text in html for text in offered)
    assert not any(text in html for text in hidden)


def test_voice_messages_off_keeps_the_stored_voice_type(admin_client, widget, settings):
    """GIVEN a widget that allows audio WHEN files are on but voice messages off THEN saving
    the editor (which does not offer audio) keeps audio allowed."""
    settings.FEATURES = {"files": True, "voice": False, "calls": False}
    widget.media = {"enabled": True, "types": ["image", "audio"]}
    widget.save(update_fields=["media"])

    admin_client.post(
        reverse("settings_widget", args=[widget.public_id]), widget_form(media_types=["image"])
    )

    widget.refresh_from_db()
    assert sorted(widget.media["types"]) == ["audio", "image"]
