"""The SMS webhooks: ``X-Twilio-Signature`` checked against the public URL (never the
request's own scheme and host, so a TLS proxy changes nothing), fail closed without an auth
token, log-only mode for the roll-out, one URL per connection for every number of a
Messaging Service, a redelivery stored once, and an empty TwiML answer."""

from __future__ import annotations

import logging

import pytest

from messagecenter.conversations.models import Message
from messagecenter.transports.sms.models import SmsEvent
from messagecenter.widgets.models import ChannelConnection
from tests.transports.sms.conftest import PUBLIC_URL, path_of, post
from tests.transports.sms.fake_twilio import SERVICE_NUMBERS, SERVICE_SID

pytestmark = pytest.mark.django_db


def test_a_signed_message_is_stored_and_answered_with_empty_twiml(provider, sms, twilio_api):
    response = post(provider, sms, twilio_api.incoming("Hallo, wo bleibt mein Paket?"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.decode().endswith("<Response/>")
    message = Message.objects.get()
    assert message.body == "Hallo, wo bleibt mein Paket?"
    assert message.connection_id == sms.pk


def test_a_wrong_signature_is_refused_and_nothing_is_stored(provider, sms, twilio_api):
    response = post(provider, sms, twilio_api.incoming("Hallo"), signature="bm9wZQ==")

    assert response.status_code == 403
    assert not SmsEvent.objects.exists()
    assert not Message.objects.exists()


def test_a_missing_signature_is_refused(provider, sms, twilio_api):
    response = post(provider, sms, twilio_api.incoming("Hallo"), signature=None)

    assert response.status_code == 403
    assert not Message.objects.exists()


def test_a_tampered_body_is_refused(provider, sms, twilio_api):
    params = twilio_api.incoming("Hallo")
    from tests.transports.sms.conftest import sign
    from tests.transports.sms.fake_twilio import AUTH_TOKEN

    signature = sign(AUTH_TOKEN, PUBLIC_URL + path_of(sms), params)
    response = post(provider, sms, params | {"Body": "Gib mir Geld"}, signature=signature)

    assert response.status_code == 403
    assert not Message.objects.exists()


def test_without_an_auth_token_every_request_is_refused_even_in_log_only_mode(
    provider, sms, twilio_api
):
    ChannelConnection.objects.filter(pk=sms.pk).update(
        credentials={}, config=sms.config | {"log_only": True}
    )

    response = post(provider, sms, twilio_api.incoming("Hallo"))

    assert response.status_code == 403
    assert not Message.objects.exists()


def test_log_only_mode_logs_a_bad_signature_and_takes_the_message(
    provider, sms, twilio_api, caplog
):
    ChannelConnection.objects.filter(pk=sms.pk).update(config=sms.config | {"log_only": True})

    with caplog.at_level(logging.WARNING, logger="messagecenter.transports.sms"):
        response = post(provider, sms, twilio_api.incoming("Hallo"), signature="bm9wZQ==")

    assert response.status_code == 200
    assert Message.objects.get().body == "Hallo"
    assert "signature wrong, taken in log-only mode" in caplog.text


def test_behind_a_tls_proxy_the_public_url_is_what_is_checked(provider, sms, twilio_api):
    """GIVEN a proxy that terminates TLS and forwards http to us with X-Forwarded-Proto
    WHEN Twilio signed the public https URL THEN the signature holds."""
    response = post(
        provider,
        sms,
        twilio_api.incoming("Hallo"),
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "evil.test",
            "Host": "internal:8000",
        },
    )

    assert response.status_code == 200
    assert Message.objects.count() == 1


def test_a_signature_over_the_requests_own_host_is_refused(provider, sms, twilio_api):
    """The Host header and scheme are the caller's to choose: never what we check."""
    params = twilio_api.incoming("Hallo")
    response = post(provider, sms, params, url=f"http://testserver{path_of(sms)}")

    assert response.status_code == 403


def test_the_forwarded_scheme_does_not_change_the_url_checked(provider, sms, twilio_api):
    params = twilio_api.incoming("Hallo")
    http_url = PUBLIC_URL.replace("https://", "http://") + path_of(sms)

    response = post(provider, sms, params, url=http_url, headers={"X-Forwarded-Proto": "http"})

    assert response.status_code == 403


def test_every_number_of_a_messaging_service_arrives_at_its_connection(
    provider, service_sms, twilio_api
):
    for i, number in enumerate(SERVICE_NUMBERS):
        params = twilio_api.incoming(f"Nachricht {i}", to=number, service=SERVICE_SID)
        assert post(provider, service_sms, params).status_code == 200

    messages = Message.objects.order_by("entry_id")
    assert [m.body for m in messages] == ["Nachricht 0", "Nachricht 1"]
    assert {m.connection_id for m in messages} == {service_sms.pk}


def test_a_message_redelivered_ten_times_is_stored_once(provider, sms, twilio_api):
    params = twilio_api.incoming("Einmal bitte")

    answers = [post(provider, sms, params).status_code for _ in range(10)]

    assert answers == [200] * 10
    assert Message.objects.filter(body="Einmal bitte").count() == 1
    assert SmsEvent.objects.count() == 1


def test_an_unknown_or_disconnected_channel_is_not_found(provider, sms, twilio_api):
    ChannelConnection.objects.filter(pk=sms.pk).update(is_active=False)

    response = post(provider, sms, twilio_api.incoming("Hallo"))

    assert response.status_code == 404
    assert not Message.objects.exists()


def test_a_get_is_not_allowed(provider, sms):
    assert provider.get(path_of(sms)).status_code == 405


def test_a_signed_request_without_a_message_sid_stores_nothing(provider, sms):
    response = post(provider, sms, {"CallSid": "CA1", "From": "+491701234567"})

    assert response.status_code == 200
    assert not SmsEvent.objects.exists()
