"""Files on SMS: images only (JPEG, PNG, GIF) as MMS MediaUrl, signed public URLs; other
types are refused with the reason before anything is sent."""

from __future__ import annotations

import pytest

from messagecenter.conversations import services
from messagecenter.conversations.models import Message, OutboundDelivery
from messagecenter.core.actors import Actor
from messagecenter.transports.base import CapabilityRefused
from tests.conftest import capture_events
from tests.files.channel_helpers import finished_upload
from tests.files.conftest import png
from tests.transports.sms.conftest import post

pytestmark = pytest.mark.django_db

KIM = "+491701234567"


@pytest.fixture
def conversation(provider, sms, twilio_api, alice, clock):
    post(provider, sms, twilio_api.incoming("Hallo", sender=KIM))
    conversation = Message.objects.order_by("-entry_id").first().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def send(conversation, alice, body, uploads):
    with capture_events():
        return services.post_operator_message(
            conversation, body, actor=Actor.for_operator(alice), uploads=uploads
        )


def test_an_image_goes_as_mms_media_url(conversation, alice, twilio_api, client):
    send(conversation, alice, "Ihr Beleg", [finished_upload(alice, "beleg.png", png())])

    [message] = twilio_api.sent
    [url] = message["media_url"]
    assert message["body"] == "Ihr Beleg"
    assert url.startswith("https://support.acme.test/f/")
    fetched = client.get(url.removeprefix("https://support.acme.test"))
    assert fetched.status_code == 200 and fetched["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("liste.pdf", b"%PDF-1.4 Preisliste"),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
        ("bild.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40),
    ],
)
def test_only_jpeg_png_and_gif_are_sent_by_sms(conversation, alice, twilio_api, name, data):
    upload = finished_upload(alice, name, data)
    with pytest.raises(CapabilityRefused) as refused:
        send(conversation, alice, "Anbei", [upload])
    assert refused.value.code in ("channel_file_type", "channel_media_type")
    assert "SMS" in str(refused.value)
    assert twilio_api.sent == [] and not OutboundDelivery.objects.exists()


def test_the_composer_offers_only_what_sms_carries(conversation, alice):
    from django.test import Client

    client = Client()
    client.force_login(alice)
    page = client.get(f"/inbox/{conversation.public_id}/").content.decode()
    assert 'accept="image/gif,image/jpeg,image/png"' in page
