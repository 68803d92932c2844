"""Files to Telegram: the text, then each file uploaded (sendPhoto for JPEG/PNG/WebP up to
10 MB, sendDocument for anything else); a file over the channel's limit goes as a link."""

from __future__ import annotations

import pytest

from messagecenter.conversations import services
from messagecenter.conversations.models import Message
from messagecenter.core.actors import Actor
from tests.conftest import capture_events
from tests.files.channel_helpers import finished_upload
from tests.files.conftest import png
from tests.transports.telegram.conftest import post
from tests.transports.telegram.updates import USER, update

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(provider, telegram, alice, clock):
    post(provider, telegram, update(1, 11, "Hallo"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    return conversation


def send(conversation, alice, body, uploads):
    with capture_events():
        return services.post_operator_message(
            conversation, body, actor=Actor.for_operator(alice), uploads=uploads
        )


def test_text_then_a_photo_and_a_document(conversation, alice, telegram_api):
    image = png()
    uploads = [finished_upload(alice, "foto.png", image), finished_upload(alice, "a.txt", b"hi")]
    send(conversation, alice, "Anbei", uploads)

    text, photo, document = telegram_api.sent
    assert text["text"] == "Anbei" and text["chat_id"] == USER["id"]
    assert photo["photo"]["filename"] == "foto.png" and photo["photo"]["content"] == image
    assert document["document"]["content"] == b"hi"


def test_a_file_over_the_channels_limit_goes_as_a_lasting_link(
    conversation, alice, telegram_api, monkeypatch, settings
):
    import dataclasses

    from messagecenter.transports.telegram.transport import TelegramTransport

    settings.PUBLIC_URL = "https://support.acme.test"
    small = dataclasses.replace(TelegramTransport.capabilities, max_file_bytes=10)
    monkeypatch.setattr(TelegramTransport, "capabilities", small)
    send(conversation, alice, "", [finished_upload(alice, "gross.txt", b"x" * 11)])

    [message] = telegram_api.sent
    assert message["text"].startswith("gross.txt: https://support.acme.test/f/")
