"""The composer's phone button: offered only where a call can happen (a webchat conversation,
the widget's Calls switch, a TURN relay on the server), with video only where it is allowed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.core.actors import Actor
from messagecenter.widgets import services as widgets

pytestmark = pytest.mark.django_db


def page(client, alice, conversation) -> str:
    client.force_login(alice)
    return client.get(reverse("conversation", args=[conversation.public_id])).content.decode()


def test_the_phone_offers_audio_and_video(client, alice, chat):
    html = page(client, alice, chat)
    assert 'data-call-offer="audio"' in html and 'data-call-offer="video"' in html
    assert "calls/js/call.js" in html


def test_a_widget_without_video_offers_audio_only(client, alice, chat):
    widgets.update_widget(chat.widget, actor=Actor.for_operator(alice), video_enabled=False)
    html = page(client, alice, chat)
    assert 'data-call-offer="audio"' in html and 'data-call-offer="video"' not in html


def test_a_widget_without_calls_has_no_phone(client, alice, chat):
    widgets.update_widget(chat.widget, actor=Actor.for_operator(alice), calls_enabled=False)
    assert 'data-tool="call"' not in page(client, alice, chat)


def test_a_server_without_relay_has_no_phone(client, alice, chat, settings):
    settings.TURN_URLS = []
    assert 'data-tool="call"' not in page(client, alice, chat)


def test_the_call_texts_speak_german(client, alice, chat):
    alice.language = "de"
    alice.save(update_fields=["language"])
    assert "Audio- oder Videoanruf" in page(client, alice, chat)
    catalogue = client.get("/jsi18n/").content.decode()
    assert "Auflegen" in catalogue and "Verpasster Anruf" in catalogue
