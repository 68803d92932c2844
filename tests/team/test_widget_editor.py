"""Settings › Widgets, the widget editor: appearance, texts per language, the pre-chat and
offline form and the routing options are saved through the widget service, every refusal
names its field and changes nothing, only admins may edit, outsiders get 404; the live
preview page is the admin's own and framed only by this server."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.accounts import services as accounts
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.widgets import services as widgets
from messagecenter.widgets.presenters import messenger_settings
from tests.conftest import as_actor
from tests.team.test_settings_widgets import widget_form

pytestmark = pytest.mark.django_db


def edit(client, widget, **changes):
    return client.post(reverse("settings_widget", args=[widget.public_id]), widget_form(**changes))


def field_errors(response, field: str) -> str:
    html = response.content.decode()
    start = html.index(f'name="{field}"')
    return html[start : start + 3000]


def test_the_editor_saves_appearance_texts_form_and_routing(admin_client, account, widget):
    sales = accounts.create_group(account, "Sales")
    support = widget.operator_group

    response = edit(
        admin_client,
        widget,
        accent_color="#E4572E",
        position="left",
        launcher_style="label",
        show_avatars=None,
        text_greeting_en="Ahoy!",
        text_greeting_de="Moin!",
        text_launcher_de="Schreiben Sie uns",
        prechat_name="optional",
        prechat_email="required",
        prechat_groups=[support.public_id, sales.public_id],
        offline_form="on",
        sticky_operator=None,
        backlog_drain=None,
        max_queue=5,
    )

    assert response.status_code == 302
    widget.refresh_from_db()
    assert (widget.accent_color, widget.position, widget.launcher_style) == (
        "#e4572e",
        "left",
        "label",
    )
    assert widget.show_avatars is False
    assert widget.texts == {
        "en": {"greeting": "Ahoy!"},
        "de": {"greeting": "Moin!", "launcher": "Schreiben Sie uns"},
    }
    assert widget.prechat_fields == {"name": "optional", "email": "required"}
    assert widget.prechat_groups == [support.public_id, sales.public_id]
    assert (widget.offline_form, widget.sticky_operator, widget.backlog_drain) == (
        True,
        False,
        False,
    )
    assert widget.max_queue == 5


def test_the_messenger_is_told_the_saved_settings(admin_client, account, widget):
    sales = accounts.create_group(account, "Sales")
    edit(
        admin_client,
        widget,
        accent_color="#112233",
        text_away_en="Back soon",
        prechat_phone="optional",
        prechat_groups=[widget.operator_group.public_id, sales.public_id],
    )
    widget.refresh_from_db()

    told = messenger_settings(widget)

    assert told["accent"] == "#112233" and told["texts"] == {"en": {"away": "Back soon"}}
    assert told["form"]["fields"] == {"phone": "optional"}
    assert [g["name"] for g in told["form"]["groups"]] == ["Support", "Sales"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"accent_color": "blue"}, "accent_color", "Write the colour as # and six hexadecimal"),
        ({"accent_color": "#12345g"}, "accent_color", "Write the colour as #"),
        ({"text_launcher_en": "x" * 31}, "text_launcher_en", "at most 30 characters"),
        ({"text_greeting_de": "x" * 501}, "text_greeting_de", "at most 500 characters"),
        ({"max_queue": 1001}, "max_queue", "between 0 (no limit) and 1000"),
        ({"allowed_origins": "https://shop.example.com/cart"}, "allowed_origins", "not an origin"),
        ({"allowed_origins": "https://shop.example.com?a=1"}, "allowed_origins", "not an origin"),
        ({"allowed_origins": "https://user@shop.example.com"}, "allowed_origins", "not an origin"),
        ({"allowed_origins": "https://shop.example.com:99999"}, "allowed_origins", "not an origin"),
        ({"allowed_origins": "ftp://shop.example.com"}, "allowed_origins", "not an origin"),
    ],
)
def test_a_refused_setting_is_shown_on_its_field_and_nothing_changes(
    admin_client, widget, changes, field, message
):
    response = edit(admin_client, widget, name="Neu", **changes)

    assert response.status_code == 400
    assert message in field_errors(response, field)
    widget.refresh_from_db()
    assert (widget.name, widget.accent_color, widget.max_queue, widget.texts) == (
        "Website",
        "#3a56d4",
        0,
        {},
    )


def test_a_single_group_to_choose_from_is_refused(admin_client, widget):
    response = edit(admin_client, widget, prechat_groups=[widget.operator_group.public_id])

    assert response.status_code == 400
    assert "Offer at least two groups to choose from, or none." in response.content.decode()
    widget.refresh_from_db()
    assert widget.prechat_groups == []


def test_another_accounts_group_cannot_be_offered(widget, alice, other_account):
    foreign = accounts.create_group(other_account, "Fremd")
    with pytest.raises(ValidationFailed):
        widgets.update_widget(
            widget,
            actor=as_actor(alice),
            prechat_groups=[widget.operator_group.public_id, foreign.public_id],
        )


@pytest.mark.parametrize(
    "changes",
    [
        {"accent_color": "#000000"},
        {"position": "left"},
        {"launcher_style": "label"},
        {"show_avatars": False},
        {"texts": {"en": {"greeting": "Hi"}}},
        {"prechat_fields": {"email": "required"}},
        {"offline_form": True},
        {"sticky_operator": False},
        {"backlog_drain": False},
        {"max_queue": 3},
    ],
)
def test_every_setting_is_refused_to_a_teammate_and_hidden_from_an_outsider(
    widget, bob, charlie, changes
):
    with pytest.raises(PermissionDenied):
        widgets.update_widget(widget, actor=as_actor(bob), **changes)
    with pytest.raises(NotFound):
        widgets.update_widget(widget, actor=as_actor(charlie), **changes)
    widget.refresh_from_db()
    assert all(getattr(widget, name) != value for name, value in changes.items())


def test_a_teammate_cannot_post_the_editor(teammate_client, widget):
    response = edit(teammate_client, widget, accent_color="#000000", max_queue=9)
    assert response.status_code == 403
    widget.refresh_from_db()
    assert (widget.accent_color, widget.max_queue) == ("#3a56d4", 0)


def test_an_outsider_gets_404_from_the_editor(outsider_client, widget):
    response = edit(outsider_client, widget, accent_color="#000000", sticky_operator=None)
    assert response.status_code == 404
    widget.refresh_from_db()
    assert (widget.accent_color, widget.sticky_operator) == ("#3a56d4", True)


def test_unknown_texts_and_languages_are_refused_by_the_service(widget, alice):
    for texts in ({"fr": {"greeting": "Salut"}}, {"en": {"motto": "x"}}, {"en": {"title": 5}}):
        with pytest.raises(ValidationFailed):
            widgets.update_widget(widget, actor=as_actor(alice), texts=texts)


def test_the_editor_page_has_the_preview_and_the_snippet_with_the_public_url(
    admin_client, widget, settings
):
    settings.PUBLIC_URL = "https://support.example.com"
    html = admin_client.get(reverse("settings_widget", args=[widget.public_id])).content.decode()

    assert f'src="{reverse("settings_widget_preview")}"' in html
    assert "data-preview-frame" in html and "widget_editor.js" in html
    assert "https://support.example.com/messenger.js" in html
    assert 'data-copy="embed-snippet"' in html
    # The messenger's own text is the placeholder of an empty text field.
    assert 'placeholder="Hallo! Wie können wir Ihnen heute helfen?"' in html


def test_the_new_widget_page_has_the_preview_too(admin_client):
    html = admin_client.get(reverse("settings_widget_new")).content.decode()
    assert "data-preview-frame" in html


def test_the_preview_page_is_framed_only_by_this_server(admin_client):
    response = admin_client.get(reverse("settings_widget_preview"))

    assert response.status_code == 200
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    html = response.content.decode()
    assert 'data-mode="preview"' in html and "webchat/preview.js" in html


def test_the_preview_page_is_for_admins(teammate_client, client):
    assert teammate_client.get(reverse("settings_widget_preview")).status_code == 403
    assert client.get(reverse("settings_widget_preview")).status_code == 302  # sign in first


def test_the_editor_speaks_german(admin_client, alice, widget):
    accounts.update_profile(alice, language="de", actor=as_actor(alice))
    html = admin_client.get(reverse("settings_widget", args=[widget.public_id])).content.decode()
    for text in ("Live-Vorschau", "Akzentfarbe", "Vorab-Formular", "Maximale Warteschlange"):
        assert text in html
