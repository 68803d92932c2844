"""The SSRF guard (core/ssrf.py, built for custom channels) on webhook endpoints: internal
addresses are refused when the URL is saved and again when a delivery connects (after DNS
resolution, on every redirect, IPv6-mapped forms included); MC_OUTBOUND_ALLOWED_HOSTS lets
named hosts through (the tests' local receivers)."""

from __future__ import annotations

import pytest

from messagecenter.core.actors import Actor
from messagecenter.core.errors import ValidationFailed
from messagecenter.webhooks import services
from messagecenter.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from tests.core.local_http import PUBLIC, Server
from tests.helpers import start
from tests.webhooks.conftest import after_commit

pytestmark = pytest.mark.django_db

TYPES = ["conversation.started"]


def create(account, alice, url):
    with after_commit():
        return services.create_endpoint(account, url, TYPES, actor=Actor.for_operator(alice))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/hook", "loopback"),
        ("http://127.1.2.3:8080/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://[::ffff:7f00:1]/hook", "loopback"),
        ("http://10.0.0.5/hook", "private"),
        ("http://10.255.255.255/hook", "private"),
        ("http://192.168.1.10/hook", "private"),
        ("http://[fd00::1]/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[::ffff:169.254.169.254]/", "metadata"),
        ("http://metadata.google.internal/", "metadata"),
        ("http://169.254.10.1/hook", "link_local"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://localhost:8000/hook", "loopback"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("ftp://hooks.example.com/", "scheme"),
    ],
)
def test_internal_addresses_are_refused_when_saved(account, alice, url, reason, fake_dns):
    with pytest.raises(ValidationFailed) as refused:
        create(account, alice, url)
    assert refused.value.details["reason"] == reason
    assert refused.value.details["field"] == "url"
    assert not WebhookEndpoint.objects.exists()


def test_a_name_that_resolves_to_loopback_is_refused(account, alice, fake_dns):
    fake_dns["evil.example.com"] = ["93.184.215.14", "127.0.0.1"]  # one bad answer is enough
    with pytest.raises(ValidationFailed) as refused:
        create(account, alice, "https://evil.example.com/hook")
    assert refused.value.details["reason"] == "loopback"


def test_a_name_that_resolves_to_loopback_later_is_refused_when_sending(
    account, alice, widget, contact, fake_dns, loopback_only
):
    """DNS rebinding: public when saved, loopback when the delivery connects. The check runs
    when the connection is opened, and the socket connects to the checked address only."""
    fake_dns["hooks.example.com"] = [PUBLIC]
    create(account, alice, "http://hooks.example.com/hook")
    fake_dns["hooks.example.com"] = ["127.0.0.1"]
    with after_commit():
        start(widget, contact)
    row = WebhookDelivery.objects.get()
    assert row.state == DeliveryState.FAILED and "loopback" in row.last_error.lower()
    assert loopback_only == []  # no socket was opened at all


def test_a_redirect_to_loopback_is_not_followed(
    account, alice, widget, contact, fake_dns, settings
):
    target = Server()
    front = Server()
    try:
        target.routes["/steal"] = (200, {}, b"internal secrets")
        front.routes["/hook"] = (
            307,
            {"Location": f"http://127.0.0.1:{target.port}/steal"},
            b"",
        )
        # The receiver's own name is allowed (as a named internal host); loopback is not.
        settings.OUTBOUND_ALLOWED_HOSTS = ["hooks.internal.test"]
        fake_dns["hooks.internal.test"] = ["127.0.0.1"]
        create(account, alice, f"http://hooks.internal.test:{front.port}/hook")
        with after_commit():
            start(widget, contact)
        row = WebhookDelivery.objects.get()
        assert front.paths() == ["/hook"] and target.hits == []
        assert row.state == DeliveryState.FAILED and "loopback" in row.last_error.lower()
    finally:
        target.stop()
        front.stop()


def test_allowed_hosts_let_a_named_receiver_through(account, alice, receiver, widget, contact):
    """The tests' receivers live on 127.0.0.1: allowed by MC_OUTBOUND_ALLOWED_HOSTS."""
    from tests.webhooks.conftest import make_endpoint

    make_endpoint(account, alice, receiver, types=TYPES)
    with after_commit():
        start(widget, contact)
    assert receiver.accepted_types() == ["conversation.started"]


def test_metadata_stays_refused_even_when_allowed(account, alice, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["169.254.0.0/16"]
    with pytest.raises(ValidationFailed) as refused:
        create(account, alice, "http://169.254.169.254/")
    assert refused.value.details["reason"] == "metadata"
    create(account, alice, "http://169.254.10.1/hook")  # the rest of the range is allowed
