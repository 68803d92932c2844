"""Settings › Add-ons: administrators register an add-on (the secret shown once), edit it,
switch it off, rotate its secret, read its run log and delete it. Operators are refused;
another account's add-on is a 404. The URL must be HTTPS (or a named internal host) and
passes the SSRF guard."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.accounts.models import AuditEntry
from messagecenter.addons import runs, services
from messagecenter.addons.models import Addon, AddonRun
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from tests.addons.conftest import after_commit

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def test_an_admin_registers_an_add_on_and_sees_the_secret_once(alice_client, addon_server):
    response = alice_client.post(
        reverse("settings_addon_new"),
        {
            "name": "Shop orders",
            "url": addon_server.url,
            "description": "The shop team's",
            "placement": ["conversation", "bulk"],
        },
    )

    assert response.status_code == 200
    addon = Addon.objects.get()
    page = response.content.decode()
    secret = page.split('id="addon-secret">', 1)[1].split("<", 1)[0].strip()
    assert secret.startswith("whsec_") and response["Cache-Control"] == "no-store"
    assert (addon.name, addon.in_conversation, addon.in_bulk) == ("Shop orders", True, True)
    assert services.signing_secrets(addon) == [secret]
    # Never shown again.
    assert (
        secret
        not in alice_client.get(reverse("settings_addon", args=[addon.public_id])).content.decode()
    )
    assert AuditEntry.objects.filter(action="addon.created", target_id=addon.public_id).exists()
    listed = alice_client.get(reverse("settings_addons")).content.decode()
    assert "Shop orders" in listed and addon_server.url in listed


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.215.14/addon", "must start with https://"),
        ("https://127.0.0.1/addon", "127.0.0.1 is a loopback address"),
        ("https://10.1.2.3/addon", "is a private network address"),
        ("https://169.254.169.254/latest", "is a cloud metadata service"),
        ("ftp://example.com/", "Only http:// and https:// URLs are allowed."),
    ],
)
def test_unsafe_urls_are_refused_and_nothing_is_saved(alice_client, url, message):
    response = alice_client.post(
        reverse("settings_addon_new"), {"name": "X", "url": url, "placement": ["conversation"]}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Addon.objects.exists()


def test_a_named_internal_host_may_use_plain_http(account, alice, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["crm.internal", "10.0.0.0/8"]
    made = services.create_addon(
        account, name="CRM", url="http://10.1.2.3/addon", actor=Actor.for_operator(alice)
    )
    assert made.addon.url == "http://10.1.2.3/addon"


def test_a_name_and_a_place_are_required(account, alice, addon_server):
    actor = Actor.for_operator(alice)
    with pytest.raises(ValidationFailed, match="name"):
        services.create_addon(account, name="  ", url=addon_server.url, actor=actor)
    with pytest.raises(ValidationFailed, match="Choose where"):
        services.create_addon(
            account, name="A", url=addon_server.url, in_conversation=False, actor=actor
        )
    services.create_addon(account, name="A", url=addon_server.url, actor=actor)
    with pytest.raises(ValidationFailed, match="already has this name"):
        services.create_addon(account, name="A", url=addon_server.url, actor=actor)


def test_edit_disable_rotate_and_delete(alice_client, alice, addon, addon_server):
    edit = reverse("settings_addon", args=[addon.public_id])
    response = alice_client.post(
        edit, {"name": "Orders", "url": addon_server.url, "placement": ["bulk"]}
    )
    assert response.status_code == 302
    addon.refresh_from_db()
    assert (addon.name, addon.in_conversation, addon.in_bulk) == ("Orders", False, True)

    alice_client.post(reverse("settings_addon_enabled", args=[addon.public_id]), {"enabled": "0"})
    addon.refresh_from_db()
    assert not addon.enabled

    old = services.signing_secrets(addon)
    rotated = alice_client.post(reverse("settings_addon_rotate", args=[addon.public_id]))
    addon.refresh_from_db()
    new = services.signing_secrets(addon)
    assert new[0] in rotated.content.decode() and new[1:] == old

    alice_client.post(reverse("settings_addon_delete", args=[addon.public_id]))
    assert not Addon.objects.exists()


def test_the_run_log_shows_who_ran_it_where_and_what_came_back(
    alice_client, bob, conversation, addon, addon_server
):
    addon_server.status = 503
    addon_server.body = b"maintenance"
    with after_commit():
        runs.start_run(addon, conversation, actor=Actor.for_operator(bob))

    page = alice_client.get(reverse("settings_addon_runs", args=[addon.public_id]))

    html = page.content.decode()
    run = AddonRun.objects.get()
    assert run.public_id in html and conversation.public_id in html
    assert "Bob Builder" in html and "The add-on answered HTTP 503." in html
    assert "maintenance" in html and ">503<" in html
    only_done = alice_client.get(
        reverse("settings_addon_runs", args=[addon.public_id]), {"state": "succeeded"}
    )
    assert run.public_id not in only_done.content.decode()


def test_operators_are_refused_and_outsiders_get_404(client, bob, charlie, addon, account):
    client.force_login(bob)
    assert client.get(reverse("settings_addons")).status_code == 403
    assert (
        client.post(
            reverse("settings_addon_new"), {"name": "X", "url": "https://example.com/"}
        ).status_code
        == 403
    )
    assert client.post(reverse("settings_addon_delete", args=[addon.public_id])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.create_addon(
            account, name="X", url="https://example.com/", actor=Actor.for_operator(bob)
        )

    client.force_login(charlie)
    for name in ("settings_addon", "settings_addon_runs"):
        assert client.get(reverse(name, args=[addon.public_id])).status_code == 404
    for name in ("settings_addon_delete", "settings_addon_rotate", "settings_addon_enabled"):
        assert client.post(reverse(name, args=[addon.public_id])).status_code == 404
    assert Addon.objects.filter(pk=addon.pk, enabled=True).exists()


def test_the_pages_speak_german(client, account, addon, conversation):
    from messagecenter.accounts import services as accounts
    from messagecenter.accounts.models import Role

    anna = accounts.create_operator(
        account,
        name="Anna",
        email="anna@acme.test",
        password="anna-pass-1234",
        role=Role.ADMIN,
        language="de",
    )
    client.force_login(anna)

    listing = client.get(reverse("settings_addons")).content.decode()
    assert "Neues Add-on" in listing and "Ausführungsprotokoll" in listing
    page = client.get(reverse("conversation", args=[conversation.public_id])).content.decode()
    assert "Shop orders ausführen" in page
    assert "Führen Sie ein Add-on über das Bedienfeld aus" in page
