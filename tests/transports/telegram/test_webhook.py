"""The webhook: the secret token checked (fail closed), the update committed before the 200,
processed once whatever Telegram redelivers, group chats left without an answer."""

from __future__ import annotations

import logging
import random

import pytest

from messagecenter.conversations.models import Message
from messagecenter.transports.telegram.models import TelegramUpdate
from tests.transports.telegram.conftest import post
from tests.transports.telegram.fake_api import TOKEN
from tests.transports.telegram.updates import USER, group_update, update

pytestmark = pytest.mark.django_db


def test_an_update_with_the_secret_becomes_a_message(provider, telegram):
    response = post(provider, telegram, update(1, 11, "Wo bleibt mein Paket?"))

    assert response.status_code == 200
    message = Message.objects.get()
    assert message.body == "Wo bleibt mein Paket?"
    assert message.provider_message_id == f"{USER['id']}:11"
    assert message.conversation.contact.name == "Kim Berg"
    assert message.conversation.contact.identities.get(kind="telegram").value == str(USER["id"])
    assert TelegramUpdate.objects.get().outcome == "message"


@pytest.mark.parametrize("secret", ["wrong-secret", "", None])
def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_kept(provider, telegram, secret):
    response = post(provider, telegram, update(1, 11), secret=secret)

    assert response.status_code == 401
    assert not TelegramUpdate.objects.exists() and not Message.objects.exists()


def test_a_connection_without_a_secret_refuses_everything(provider, telegram):
    telegram.credentials = {"bot_token": TOKEN}
    telegram.save()

    assert post(provider, telegram, update(1, 11), secret="").status_code == 401
    assert post(provider, telegram, update(1, 11), secret="anything").status_code == 401
    assert not TelegramUpdate.objects.exists()


def test_a_disconnected_or_unknown_channel_is_not_found(provider, telegram):
    telegram.is_active = False
    telegram.save()

    assert post(provider, telegram, update(1, 11)).status_code == 404


def test_a_body_that_is_no_update_is_refused(provider, telegram):
    assert post(provider, telegram, None, raw=b"not json").status_code == 422
    assert post(provider, telegram, {"message": {}}).status_code == 422


def test_updates_replayed_ten_times_and_shuffled_are_one_message_each(provider, telegram):
    deliveries = [update(100 + n, 10 + n, f"Nachricht {n}") for n in range(5)] * 10
    random.Random(14).shuffle(deliveries)

    answers = {post(provider, telegram, u).status_code for u in deliveries}

    assert answers == {200}
    bodies = sorted(Message.objects.values_list("body", flat=True))
    assert bodies == [f"Nachricht {n}" for n in range(5)]
    assert TelegramUpdate.objects.count() == 5
    assert Message.objects.values("conversation").distinct().count() == 1


def test_the_same_message_under_another_update_id_is_still_one_message(provider, telegram):
    post(provider, telegram, update(1, 11, "Hallo"))
    post(provider, telegram, update(2, 11, "Hallo"))

    assert Message.objects.count() == 1
    assert TelegramUpdate.objects.get(update_id=2).outcome == "duplicate"


def test_a_group_chat_is_refused_politely(provider, telegram, telegram_api, caplog):
    with caplog.at_level(logging.INFO, logger="messagecenter.transports.telegram"):
        response = post(provider, telegram, group_update(1, 11))

    assert response.status_code == 200  # Telegram must not redeliver it
    assert not Message.objects.exists()
    assert telegram_api.sent == []  # no answer in the group
    assert TelegramUpdate.objects.get().outcome == "ignored"
    assert "group" in caplog.text


def test_other_kinds_of_updates_are_left(provider, telegram):
    response = post(provider, telegram, {"update_id": 5, "callback_query": {"id": "1"}})

    assert response.status_code == 200
    assert TelegramUpdate.objects.get().outcome == "ignored"
    assert not Message.objects.exists()


def test_the_token_is_never_in_the_webhook_url_or_the_logs(provider, telegram, caplog):
    with caplog.at_level(logging.DEBUG):
        post(provider, telegram, update(1, 11))

    assert TOKEN not in telegram.public_id
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text
