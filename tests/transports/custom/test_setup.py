"""Custom channels are made and changed by the setup service: the webhook URL is checked by
the SSRF guard at save time, secrets are kept encrypted and shown once, rotation keeps the
previous secret until it is retired, and the connection's own capabilities are what the
services check."""

from __future__ import annotations

import pytest

from messagecenter.accounts.models import AuditEntry
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from messagecenter.transports.custom import config, setup
from messagecenter.widgets.models import ChannelConnection
from tests.transports.custom.conftest import CAPS, HOOK

pytestmark = pytest.mark.django_db


def test_a_new_channel_keeps_its_settings_and_encrypted_secrets(custom, created):
    stored = ChannelConnection.objects.get(pk=custom.pk)

    assert stored.name == "Shop app" and stored.kind == "custom"
    assert stored.config["webhook_url"] == HOOK and stored.config["icon"] == "phone"
    assert config.signing_secrets(stored) == [created[1].outbound]
    assert config.inbound_secrets(stored) == [created[1].inbound]
    raw = ChannelConnection.objects.filter(pk=custom.pk).values_list("credentials", flat=True)[0]
    assert created[1].outbound not in raw and created[1].inbound not in raw
    entry = AuditEntry.objects.get(action="channel.created", target_id=custom.public_id)
    assert "whsec_" not in str(entry.data)


def test_the_connection_answers_with_its_own_capabilities(custom):
    capabilities = ChannelConnection.objects.get(pk=custom.pk).capabilities

    assert capabilities.max_text_length == CAPS["max_text_length"]
    assert capabilities.media_types == {"image"}
    assert capabilities.identity_kinds == {"external", "email"}
    assert capabilities.delete_window.total_seconds() == 3600
    assert capabilities.queued_delivery


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("http://169.254.169.254/latest", "metadata"),
        ("http://10.0.0.5/hook", "private"),
        ("ftp://hooks.example.com/x", "scheme"),
        ("https://internal.example.com/x", "private"),
    ],
)
def test_an_internal_webhook_url_is_refused_at_save_time(widget, alice, public_dns, url, reason):
    public_dns["internal.example.com"] = ["192.168.1.10"]

    with pytest.raises(ValidationFailed) as refused:
        setup.create(
            widget, name="X", icon="code", webhook_url=url, actor=Actor.for_operator(alice)
        )

    assert refused.value.details["field"] == "webhook_url"
    assert refused.value.details["reason"] == reason
    assert not ChannelConnection.objects.filter(kind="custom").exists()


def test_capabilities_out_of_range_are_refused(widget, alice, public_dns):
    with pytest.raises(ValidationFailed) as refused:
        setup.create(
            widget,
            name="X",
            icon="code",
            webhook_url=HOOK,
            capabilities={"identity_kinds": ["telegram"]},
            actor=Actor.for_operator(alice),
        )

    assert refused.value.details["field"] == "identity_kinds"


def test_rotation_keeps_the_previous_secret_until_it_is_retired(custom, created, alice):
    me = Actor.for_operator(alice)

    new = setup.rotate_secret(custom, "outbound", actor=me).outbound

    assert config.signing_secrets(custom) == [new, created[1].outbound]
    assert setup.rotation_pending(custom, "outbound")
    setup.retire_previous(custom, "outbound", actor=me)
    assert config.signing_secrets(ChannelConnection.objects.get(pk=custom.pk)) == [new]
    assert AuditEntry.objects.filter(action="channel.secret_rotated").count() == 1


def test_only_an_admin_changes_a_channel(custom, bob):
    with pytest.raises(PermissionDenied):
        setup.deactivate(custom, actor=Actor.for_operator(bob))

    assert ChannelConnection.objects.get(pk=custom.pk).is_active
