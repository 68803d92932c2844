"""The raw-MIME inbound webhook: signed (Standard Webhooks) by the connection's secret, fail
closed without one, idempotent on replay, size-limited, no CSRF token needed."""

from __future__ import annotations

import pytest
from django.test import Client

from messagecenter.conversations.models import Message
from messagecenter.core import clock as mc_clock
from messagecenter.core import webhooks
from messagecenter.widgets.models import ChannelConnection

from .test_inbound import mail

pytestmark = pytest.mark.django_db

SECRET = webhooks.new_secret()


@pytest.fixture
def channel(widget):
    return ChannelConnection.objects.create(
        account=widget.account,
        widget=widget,
        kind="email",
        config={"address": "support@acme.example", "inbound": "webhook"},
        credentials={"webhook_secret": SECRET},
    )


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)  # as a provider calls it: no cookie, no token


def post(client, channel, body: bytes, *, secret=SECRET, msg_id="msg_1", stamp=None, **extra):
    headers = webhooks.sign(secret, msg_id, stamp or mc_clock.now(), body) if secret else {}
    return client.post(
        f"/channels/email/{channel.public_id}/inbound",
        data=body,
        content_type="message/rfc822",
        headers=headers | extra,
    )


def test_a_signed_mail_becomes_a_message(client, channel):
    response = post(client, channel, mail())

    assert response.status_code == 200
    answer = response.json()
    assert answer["outcome"] == "message" and answer["seq"] == 1
    message = Message.objects.get()
    assert message.conversation.public_id == answer["conversation"]
    assert message.connection == channel


def test_a_replay_gives_the_same_one_message(client, channel):
    first = post(client, channel, mail()).json()
    again = post(client, channel, mail(), msg_id="msg_2").json()

    assert again["outcome"] == "duplicate"
    assert again["conversation"] == first["conversation"] and again["seq"] == first["seq"]
    assert Message.objects.count() == 1


def test_a_forged_signature_is_refused(client, channel):
    response = post(client, channel, mail(), secret=webhooks.new_secret())

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"
    assert not Message.objects.exists()


def test_a_body_changed_after_signing_is_refused(client, channel):
    headers = webhooks.sign(SECRET, "msg_1", mc_clock.now(), mail())
    response = client.post(
        f"/channels/email/{channel.public_id}/inbound",
        data=mail(body="Überweisen Sie an mich"),
        content_type="message/rfc822",
        headers=headers,
    )

    assert response.status_code == 401
    assert not Message.objects.exists()


def test_an_old_signature_is_refused(client, channel, clock):
    stamp = mc_clock.now()
    clock.shift(600)

    response = post(client, channel, mail(), stamp=stamp)

    assert response.status_code == 401
    assert response.json()["error"] == "timestamp_too_old"


def test_unsigned_requests_are_refused(client, channel):
    assert post(client, channel, mail(), secret=None).status_code == 401
    assert not Message.objects.exists()


def test_without_a_secret_nothing_is_accepted(client, channel):
    channel.credentials = {}
    channel.save()

    response = post(client, channel, mail())

    assert response.status_code == 401
    assert response.json()["error"] == "no_secret"


def test_an_unknown_or_inactive_connection_is_not_found(client, channel):
    ChannelConnection.objects.filter(pk=channel.pk).update(is_active=False)

    assert post(client, channel, mail()).status_code == 404


def test_a_mail_over_the_size_limit_is_refused(client, channel, settings):
    settings.EMAIL_WEBHOOK_MAX_MB = 1

    response = post(client, channel, mail(body="x" * (1024 * 1024 + 10)))

    assert response.status_code == 413
    assert not Message.objects.exists()


def test_only_post_is_allowed(client, channel):
    assert client.get(f"/channels/email/{channel.public_id}/inbound").status_code == 405


def test_an_attachment_is_served_to_its_accounts_operators_only(client, channel, alice, charlie):
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "kim@example.com"
    msg["Subject"] = "Rechnung"
    msg["Message-ID"] = "<att@example.com>"
    msg.set_content("Anbei")
    msg.add_attachment(b"%PDF-1.4 x", maintype="application", subtype="pdf", filename="r.pdf")
    post(client, channel, bytes(msg))
    from messagecenter.transports.email.models import MailAttachment

    url = f"/channels/email/files/{MailAttachment.objects.get().file.public_id}"
    assert client.get(url).status_code == 302  # to the login
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 x"
    assert "attachment" in response["Content-Disposition"]
