"""SMS carries no voice messages (R-FILE-2): the composer offers no microphone there, and a
recording is refused with the reason before anything is stored or sent."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.conversations import services
from messagecenter.conversations.models import Message
from messagecenter.core.actors import Actor
from messagecenter.files.models import StoredFile, Upload
from tests.files.conftest import signed_in
from tests.files.recordings import recording
from tests.transports.sms.conftest import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(provider, sms, twilio_api, alice, clock):
    post(provider, sms, twilio_api.incoming("Hallo", sender="+491701234567"))
    conversation = Message.objects.order_by("-entry_id").first().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def test_a_recording_is_refused_on_sms_with_the_reason(conversation, alice, twilio_api):
    client = signed_in(alice)
    data = recording(1.0)
    url = reverse("conversation_uploads", args=[conversation.public_id])

    refused = client.post(url, {"name": "voice.webm", "size": str(len(data)), "voice": "1",
                                "duration_ms": "1000"})  # fmt: skip

    assert refused.status_code == 409
    assert refused.json() == {"ok": False, "error": "SMS carries no voice messages.",
                              "code": "channel_no_voice"}  # fmt: skip
    assert not Upload.objects.exists() and not StoredFile.objects.exists()
    assert twilio_api.sent == []


def test_the_sms_composer_offers_no_microphone(conversation, alice):
    page = signed_in(alice).get(reverse("conversation", args=[conversation.public_id]))

    assert b"data-voice-record" not in page.content
