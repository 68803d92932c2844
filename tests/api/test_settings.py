"""Widgets, channels and macros over the API: reads for settings tokens, changes through the
widgets and macros services (administrators); channel credentials never leave the server."""

from __future__ import annotations

import pytest

from messagecenter.macros.models import Macro
from messagecenter.macros.services import create_macro
from messagecenter.widgets.models import ChannelConnection, Widget
from tests.api.conftest import assert_problem, personal
from tests.conftest import as_actor

pytestmark = pytest.mark.django_db


def test_widgets_are_listed_with_their_settings(bob_api, widget, support_group):
    body = bob_api.get("/widgets").json()

    assert [row["id"] for row in body["items"]] == [widget.public_id]
    row = body["items"][0]
    assert row["operator_group"] == support_group.public_id
    assert row["key"] == widget.key
    assert row["media"]["enabled"] is True


def test_admin_changes_widget_settings(alice_api, widget):
    response = alice_api.patch(
        f"/widgets/{widget.public_id}",
        {"conversation_timeout_minutes": 45, "operator_group": None, "rating_enabled": False},
    )

    assert response.status_code == 200, response.content
    widget.refresh_from_db()
    assert widget.conversation_timeout_minutes == 45
    assert widget.operator_group is None
    assert widget.rating_enabled is False


def test_a_bad_widget_setting_changes_nothing(alice_api, widget):
    response = alice_api.patch(
        f"/widgets/{widget.public_id}",
        {"name": "Neu", "allowed_origins": ["not an origin"]},
    )

    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["loc"][:3] == ["body", "payload", "allowed_origins"]
    widget.refresh_from_db()
    assert widget.name == "Website"


def test_admin_creates_a_widget_with_its_messenger(alice_api):
    response = alice_api.post("/widgets", {"name": "Shop", "language": "de"}, key="w-1")
    again = alice_api.post("/widgets", {"name": "Shop", "language": "de"}, key="w-1")

    assert response.status_code == 201
    assert again.json() == response.json() and again["Idempotent-Replayed"] == "true"
    widget = Widget.objects.get(public_id=response.json()["id"])
    assert widget.connections.filter(kind="webchat").count() == 1
    assert Widget.objects.filter(name="Shop").count() == 1


def test_operators_cannot_change_widgets(bob_api, widget):
    assert_problem(
        bob_api.patch(f"/widgets/{widget.public_id}", {"name": "X"}), 403, "permission_denied"
    )


def test_channels_are_listed_without_credentials(bob_api, widget):
    connection = ChannelConnection.objects.get(widget=widget)
    connection.config = {"password": "geheim"}
    connection.save()

    body = bob_api.get("/channels").json()
    one = bob_api.get(f"/channels/{connection.public_id}").json()

    assert body["items"] == [one]
    assert one["kind"] == "webchat" and one["widget"] == widget.public_id
    assert "geheim" not in str(body)


def test_admin_manages_macros(alice_api):
    created = alice_api.post("/macros", {"name": "Gruss", "texts": {"de": "Hallo {name}"}})
    macro_id = created.json()["id"]
    changed = alice_api.patch(f"/macros/{macro_id}", {"texts": {"en": "Hello"}})
    listed = alice_api.get("/macros").json()["items"]
    deleted = alice_api.delete(f"/macros/{macro_id}")

    assert created.status_code == 201
    assert changed.json()["texts"] == {"en": "Hello"}
    assert [m["id"] for m in listed] == [macro_id]
    assert deleted.status_code == 204 and not Macro.objects.exists()


def test_a_push_macro_needs_a_web_address(alice_api):
    body = assert_problem(
        alice_api.post("/macros", {"name": "Seite", "kind": "push", "url": "ftp://x"}),
        422,
        "validation_failed",
    )
    assert body["field"] == "url"
    assert not Macro.objects.exists()


def test_operators_read_macros_but_cannot_delete_them(bob_api, account, alice):
    macro = create_macro(account, actor=as_actor(alice), name="Gruss", texts={"de": "Hallo"})

    assert bob_api.get(f"/macros/{macro.public_id}").json()["name"] == "Gruss"
    assert_problem(bob_api.delete(f"/macros/{macro.public_id}"), 403, "permission_denied")


def test_settings_scopes(bob, widget):
    assert_problem(personal(bob, ["team:read"]).get("/widgets"), 403, "insufficient_scope")
    reader = personal(bob, ["settings:read"])
    assert reader.get("/widgets").status_code == 200
    assert_problem(reader.post("/macros", {"name": "X"}), 403, "insufficient_scope")
