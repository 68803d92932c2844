"""Incoming SMS and MMS become messages of the contact with that phone number (E.164);
MMS images (JPEG, PNG, GIF) are downloaded with our credentials, other media are named with
the reason they were not kept; STOP/START (Twilio's keywords, or its OptOutType) are
recorded as the contact's SMS consent."""

from __future__ import annotations

import base64

import pytest

from messagecenter.contacts import consent
from messagecenter.contacts.models import ContactIdentity
from messagecenter.conversations.models import Message, MessageAttachment
from messagecenter.transports.sms import inbound
from messagecenter.transports.sms.models import EventOutcome, SmsEvent
from tests.transports.sms.conftest import post
from tests.transports.sms.fake_twilio import ACCOUNT_SID, AUTH_TOKEN

pytestmark = pytest.mark.django_db

KIM = "+491701234567"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"  # noqa: E501


def receive(provider, sms, twilio_api, body="Hallo", **kwargs):
    post(provider, sms, twilio_api.incoming(body, sender=kwargs.pop("sender", KIM), **kwargs))
    return Message.objects.order_by("-entry_id").first()


def test_the_sender_is_the_contact_with_that_phone_number(provider, sms, twilio_api):
    message = receive(provider, sms, twilio_api, "Hallo")

    identity = ContactIdentity.objects.get(kind="phone")
    assert identity.value == KIM
    assert message.conversation.contact_id == identity.contact_id
    assert message.provider_message_id.startswith("SM")


def test_a_second_sms_continues_the_conversation(provider, sms, twilio_api):
    first = receive(provider, sms, twilio_api, "Hallo")
    second = receive(provider, sms, twilio_api, "Noch eine Frage")

    assert second.conversation_id == first.conversation_id


def test_mms_images_are_downloaded_with_our_credentials(provider, sms, twilio_api):
    png = twilio_api.add_media(PNG, "image/png")
    gif = twilio_api.add_media(GIF, "image/gif")

    message = receive(provider, sms, twilio_api, "Foto", media=((png, "image/png"),
                                                                 (gif, "image/gif")))  # fmt: skip

    parts = list(MessageAttachment.objects.filter(message=message))
    assert [(p.filename.rsplit(".", 1)[1], p.size, p.not_kept_reason) for p in parts] == [
        ("png", len(PNG), ""),
        ("gif", len(GIF), ""),
    ]
    media_gets = [r for r in twilio_api.requests if "/Media/" in r[1]]
    assert [user for _m, _p, user in media_gets] == [ACCOUNT_SID, ACCOUNT_SID]
    # The media store behind the redirect never sees our credentials.
    assert twilio_api.media_auth == ["", ""]


def test_media_that_are_not_images_are_named_with_the_reason(provider, sms, twilio_api):
    pdf = twilio_api.add_media(b"%PDF-1.4", "application/pdf")
    vcard = twilio_api.add_media(b"BEGIN:VCARD", "text/vcard")

    message = receive(provider, sms, twilio_api, "", media=((pdf, "application/pdf"),
                                                             (vcard, "text/vcard")))  # fmt: skip

    parts = list(MessageAttachment.objects.filter(message=message))
    assert [p.file_id for p in parts] == [None, None]
    assert all("JPEG, PNG, GIF" in p.not_kept_reason for p in parts)
    assert not [r for r in twilio_api.requests if "/Media/" in r[1]]  # never downloaded
    assert message.body  # names the parts


def test_a_media_url_outside_twilio_gets_no_credentials(provider, sms, twilio_api, settings):
    png = twilio_api.add_media(PNG, "image/png")
    settings.TWILIO_API_URL = "https://api.twilio.invalid"

    receive(provider, sms, twilio_api, "Foto", media=((png, "image/png"),))

    assert [user for _m, path, user in twilio_api.requests if "/Media/" in path] == [""]


def test_a_failed_download_keeps_the_message_pending_for_the_sweep(
    provider, sms, twilio_api, clock
):
    png = twilio_api.add_media(PNG, "image/png")
    twilio_api.stop()  # Twilio cannot be reached
    post(provider, sms, twilio_api.incoming("Foto", sender=KIM, media=((png, "image/png"),)))

    row = SmsEvent.objects.get()
    assert row.outcome == EventOutcome.PENDING and row.processed_at is None
    assert not Message.objects.exists()
    clock.shift(120)
    assert inbound.sweep() == [row.pk]


@pytest.mark.parametrize("word", ["STOP", "stop", " Stopall ", "UNSUBSCRIBE", "cancel", "END",
                                  "quit"])  # fmt: skip
def test_an_opt_out_keyword_withdraws_sms_consent(provider, sms, twilio_api, word):
    message = receive(provider, sms, twilio_api, word)

    contact = message.conversation.contact
    decision = consent.current(contact, "sms")
    assert (decision.granted, decision.source) == (False, "sms_keyword")
    assert SmsEvent.objects.get().outcome == EventOutcome.OPTED_OUT


@pytest.mark.parametrize("word", ["START", "yes", "Unstop"])
def test_an_opt_in_keyword_gives_it_back(provider, sms, twilio_api, word):
    receive(provider, sms, twilio_api, "STOP")
    message = receive(provider, sms, twilio_api, word)

    contact = message.conversation.contact
    assert [c.granted for c in consent.history(contact)] == [True, False]


def test_a_keyword_inside_a_sentence_is_no_keyword(provider, sms, twilio_api):
    message = receive(provider, sms, twilio_api, "Bitte nicht stop sagen")

    assert consent.current(message.conversation.contact, "sms") is None


def test_twilios_opt_out_type_decides(provider, sms, twilio_api):
    """Advanced Opt-Out: the Messaging Service's own keyword (here German) comes with
    OptOutType."""
    message = receive(provider, sms, twilio_api, "ABMELDEN", OptOutType="STOP")

    assert consent.allows(message.conversation.contact, "sms") is False


def test_stop_twice_is_one_decision(provider, sms, twilio_api):
    receive(provider, sms, twilio_api, "STOP")
    message = receive(provider, sms, twilio_api, "STOP")

    assert len(consent.history(message.conversation.contact)) == 1


def test_keyword_rules():
    assert inbound.keyword({"Body": "stop"}) is False
    assert inbound.keyword({"Body": "start"}) is True
    assert inbound.keyword({"Body": "HELP"}) is None
    assert inbound.keyword({"Body": "hallo", "OptOutType": "START"}) is True


def test_a_sender_that_is_no_phone_number_is_refused(provider, sms, twilio_api):
    post(provider, sms, twilio_api.incoming("Hallo", sender="ACME"))

    row = SmsEvent.objects.get()
    assert row.outcome == EventOutcome.REFUSED
    assert not Message.objects.exists()


def test_the_auth_token_is_never_logged(provider, sms, twilio_api, caplog):
    with caplog.at_level("DEBUG"):
        receive(provider, sms, twilio_api, "Hallo")
        post(provider, sms, twilio_api.incoming("x"), signature="bm9wZQ==")

    assert AUTH_TOKEN not in caplog.text


def test_a_blocked_contacts_stop_is_recorded_though_the_message_is_refused(
    provider, sms, twilio_api, alice
):
    from messagecenter.contacts import services as contacts
    from messagecenter.core.actors import Actor

    contact = receive(provider, sms, twilio_api, "Hallo").conversation.contact
    contacts.set_blocked(contact, True, actor=Actor.for_operator(alice))

    post(provider, sms, twilio_api.incoming("STOP", sender=KIM))

    assert SmsEvent.objects.order_by("-pk").first().outcome == EventOutcome.REFUSED
    assert consent.allows(contact, "sms") is False


def test_replayed_and_shuffled_messages_are_each_stored_once(provider, sms, twilio_api):
    import random

    requests = [twilio_api.incoming(f"Nachricht {n}", sender=KIM) for n in range(5)] * 3
    random.Random(14).shuffle(requests)

    for params in requests:
        assert post(provider, sms, params).status_code == 200

    bodies = sorted(Message.objects.values_list("body", flat=True))
    assert bodies == [f"Nachricht {n}" for n in range(5)]


@pytest.mark.parametrize("typed", ["+491701234567", "0170 1234567", "+49 170 1234567"])
def test_the_conversation_is_found_by_the_contacts_number(provider, sms, twilio_api, typed):
    from messagecenter.conversations.models import Conversation
    from messagecenter.search.query import search

    message = receive(provider, sms, twilio_api, "Hallo")

    found = search(sms.account, typed).apply(Conversation.objects.all())

    assert list(found) == [message.conversation]


def test_processed_requests_are_deleted_after_a_week(provider, sms, twilio_api, clock):
    receive(provider, sms, twilio_api, "Hallo")
    clock.shift(6 * 86400)
    inbound.sweep()
    assert SmsEvent.objects.count() == 1

    clock.shift(2 * 86400)
    inbound.sweep()

    assert not SmsEvent.objects.exists()
    assert Message.objects.count() == 1
