"""The reminder template before the 24-hour window closes, with the controllable clock: sent
once, N minutes before, to a conversation that waits for the contact; not to one the team
still owes an answer, not after the window closed, again after the contact wrote anew."""

from __future__ import annotations

import pytest

from messagecenter.conversations import services
from messagecenter.conversations.models import AuthorKind, Message
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed
from messagecenter.transports.whatsapp import reminders, templates
from messagecenter.transports.whatsapp.models import WhatsAppTemplate, WhatsAppTemplateMessage
from tests.conftest import capture_events
from tests.transports.whatsapp.conftest import post
from tests.transports.whatsapp.payloads import text

pytestmark = pytest.mark.django_db

HOUR = 3600


@pytest.fixture
def reminder(whatsapp, whatsapp_api, alice):
    whatsapp_api.add_template("still_there", "Hallo {{1}}, können wir noch helfen?")
    templates.sync(whatsapp)
    template = WhatsAppTemplate.objects.get()
    reminders.configure(whatsapp, template, 30, actor=Actor.for_operator(alice))
    return template


@pytest.fixture
def waiting(provider, whatsapp, alice, clock):
    post(provider, whatsapp, text("wamid.IN1", "Wann kommt das Paket?"))
    conversation = Message.objects.get().conversation
    actor = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=actor)
    with capture_events():
        services.post_operator_message(conversation, "Wir prüfen das.", actor=actor)
    return conversation


def run():
    with capture_events():
        return reminders.send_due()


def test_sent_once_n_minutes_before_the_window_closes(reminder, waiting, clock, whatsapp_api):
    clock.shift(23 * HOUR)  # 60 minutes left
    assert run() == 0
    clock.shift(31 * 60)  # 29 minutes left
    assert run() == 1
    clock.shift(60)
    assert run() == 0  # once per window

    sent = whatsapp_api.templates_sent()
    assert [t["name"] for t in sent] == ["still_there"]
    assert sent[0]["components"][0]["parameters"][0]["text"] == "Kim Berg"
    row = WhatsAppTemplateMessage.objects.get()
    assert row.purpose == "reminder" and row.message.author_kind == AuthorKind.BOT


def test_not_when_the_team_owes_the_answer(reminder, provider, whatsapp, clock, whatsapp_api):
    post(provider, whatsapp, text("wamid.IN1", "Hallo?"))  # OPEN/NEW: nobody answered yet
    clock.shift(23 * HOUR + 45 * 60)
    assert run() == 0
    assert whatsapp_api.sent == []


def test_not_after_the_window_closed(reminder, waiting, clock, whatsapp_api):
    clock.shift(24 * HOUR + 60)
    assert run() == 0


def test_again_in_the_next_window(reminder, waiting, provider, whatsapp, alice, clock):
    clock.shift(23 * HOUR + 45 * 60)
    assert run() == 1
    post(provider, whatsapp, text("wamid.IN2", "Danke, noch eine Frage"))
    with capture_events():
        services.post_operator_message(waiting, "Gern", actor=Actor.for_operator(alice))
    clock.shift(23 * HOUR + 45 * 60)
    assert run() == 1


def test_switched_off_sends_nothing(reminder, waiting, whatsapp, alice, clock, whatsapp_api):
    reminders.configure(whatsapp, None, 30, actor=Actor.for_operator(alice))
    clock.shift(23 * HOUR + 45 * 60)
    assert run() == 0


def test_only_admins_with_an_approved_template_and_sane_minutes(whatsapp, whatsapp_api, alice, bob):
    whatsapp_api.add_template("draft", "Hallo", status="PENDING")
    templates.sync(whatsapp)
    draft = WhatsAppTemplate.objects.get()
    with pytest.raises(PermissionDenied):
        reminders.configure(whatsapp, None, 30, actor=Actor.for_operator(bob))
    with pytest.raises(ValidationFailed, match="approved"):
        reminders.configure(whatsapp, draft, 30, actor=Actor.for_operator(alice))
    with pytest.raises(ValidationFailed):
        reminders.configure(whatsapp, None, 0, actor=Actor.for_operator(alice))
