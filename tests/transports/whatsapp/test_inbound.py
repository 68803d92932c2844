"""What a contact sends through WhatsApp: text, media downloaded with the token (in two steps:
the media id's URL, then its bytes) within WhatsApp's limits per kind, voice, replies quoting
what they answer, reactions, locations, shared contacts, button replies, unsupported kinds
said as such, edits and revokes kept as revisions; the 2026 user ids: the identity is the user
id with number, username and parent id beside it, a user without a number is listed and found,
a new user id or number changes the identity and leaves a line, never a new conversation;
marketing stop/resume in the consent log; echoes of the WhatsApp Business app as operator
messages marked as sent from the app."""

from __future__ import annotations

import pytest
from django.test import Client

from messagecenter.contacts import consent
from messagecenter.contacts.models import Contact, ContactIdentity
from messagecenter.contacts.services import create_contact
from messagecenter.conversations import services
from messagecenter.conversations.events import entry_payload
from messagecenter.conversations.models import (
    AuthorKind,
    DeliveryState,
    EntryKind,
    Message,
    OutboundDelivery,
)
from messagecenter.core.actors import Actor
from messagecenter.search.query import search
from messagecenter.transports.whatsapp import inbound
from messagecenter.transports.whatsapp.models import WhatsAppDelivery
from tests.conftest import capture_events
from tests.transports.whatsapp.conftest import post
from tests.transports.whatsapp.payloads import (
    PARENT_ID,
    PHONE,
    TS,
    USER_ID,
    contact,
    message,
    value,
    webhook,
)

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def send(provider, connection, *messages, contacts=None):
    return post(
        provider, connection, webhook(("messages", value(messages=messages, contacts=contacts)))
    )


def media(wamid: str, kind: str, media_id: str, **item) -> dict:
    return message(wamid, None, type=kind, **{kind: {"id": media_id, **item}})


def shown(message: Message) -> dict:
    return entry_payload(message.entry)["message"]


# --- media -------------------------------------------------------------------------------------


def test_an_image_is_downloaded_with_the_token(provider, whatsapp, whatsapp_api):
    whatsapp_api.add_media("65463453", b"\xff\xd8jpeg-bytes", "image/jpeg")

    send(provider, whatsapp, media("wamid.M1", "image", "65463453", mime_type="image/jpeg",
                                   caption="Der Schaden"))  # fmt: skip

    stored = Message.objects.get()
    assert stored.body == "Der Schaden"
    (file,) = shown(stored)["files"]
    assert file["name"].endswith(".jpg") and file["size"] == 12
    assert ("GET", "/v21.0/65463453") in whatsapp_api.calls
    assert ("GET", "/download/65463453") in whatsapp_api.calls


def test_a_document_keeps_its_name(provider, whatsapp, whatsapp_api):
    whatsapp_api.add_media("77", b"%PDF-1.7", "application/pdf")

    send(provider, whatsapp, media("wamid.M2", "document", "77", mime_type="application/pdf",
                                   filename="Rechnung.pdf"))  # fmt: skip

    stored = Message.objects.get()
    assert stored.body == "Rechnung.pdf"
    assert [f["name"] for f in shown(stored)["files"]] == ["Rechnung.pdf"]


def test_a_voice_message_is_kept_as_ogg(provider, whatsapp, whatsapp_api):
    whatsapp_api.add_media("88", b"OggS-voice", "audio/ogg; codecs=opus")

    send(provider, whatsapp, media("wamid.M3", "audio", "88", mime_type="audio/ogg; codecs=opus",
                                   voice=True))  # fmt: skip

    stored = Message.objects.get()
    assert stored.body.startswith("Voice message")
    (file,) = shown(stored)["files"]
    assert file["name"].startswith("voice-") and file["name"].endswith(".ogg")


@pytest.mark.parametrize(
    ("kind", "size"), [("image", 5 * MB + 1), ("sticker", 500 * 1024 + 1), ("video", 16 * MB + 1)]
)
def test_media_over_whatsapps_limit_for_its_kind_is_named_not_kept(
    provider, whatsapp, whatsapp_api, kind, size
):
    whatsapp_api.add_media("99", b"x", "image/webp", size=size)

    send(provider, whatsapp, media("wamid.M4", kind, "99", mime_type="image/webp"))

    stored = shown(Message.objects.get())
    assert stored["files"] == []
    (missing,) = stored["not_kept"]
    assert missing["size"] == size and "limit" in missing["reason"]
    assert ("GET", "/download/99") not in whatsapp_api.calls


def test_an_expired_media_id_names_the_file_with_whatsapps_reason(provider, whatsapp):
    send(provider, whatsapp, media("wamid.M5", "image", "404404", mime_type="image/jpeg"))

    (missing,) = shown(Message.objects.get())["not_kept"]
    assert "does not exist" in missing["reason"]


def test_a_failed_download_leaves_the_webhook_for_another_try(provider, whatsapp, whatsapp_api):
    whatsapp_api.add_media("55", b"jpeg", "image/jpeg")
    whatsapp_api.fail("download", 131000, status=502)

    send(provider, whatsapp, media("wamid.M6", "image", "55", mime_type="image/jpeg"))

    row = WhatsAppDelivery.objects.get()
    assert row.processed_at is None and row.outcome == "pending"
    assert not Message.objects.exists()
    with capture_events():
        assert inbound.process(row.pk) == "done"
    assert Message.objects.get().attachments.count() == 1


def test_a_photo_replayed_is_downloaded_and_kept_once(provider, whatsapp, whatsapp_api):
    whatsapp_api.add_media("66", b"jpeg-6", "image/jpeg")
    photo = media("wamid.M7", "image", "66", mime_type="image/jpeg")

    for n in range(3):
        send(provider, whatsapp, photo, *([message(f"wamid.X{n}", "und")] if n else []))

    assert Message.objects.get(provider_message_id="wamid.M7").attachments.count() == 1
    assert whatsapp_api.calls.count(("GET", "/download/66")) == 1


# --- other kinds -------------------------------------------------------------------------------


def test_a_reply_quotes_the_message_it_answers(provider, whatsapp, alice, whatsapp_api):
    send(provider, whatsapp, message("wamid.Q1", "Wann kommt es?"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    with capture_events():
        services.post_operator_message(conversation, "Morgen früh", actor=Actor.for_operator(alice))
    ours = OutboundDelivery.objects.get().provider_message_id

    send(
        provider,
        whatsapp,
        message("wamid.Q2", "Danke!", context={"from": "49301234567", "id": ours}),
    )

    assert Message.objects.get(provider_message_id="wamid.Q2").body == "> Morgen früh\n\nDanke!"


@pytest.mark.parametrize(
    ("item", "says"),
    [
        ({"type": "location", "location": {"latitude": 52.52, "longitude": 13.405,
                                           "name": "Büro", "address": "Berlin"}},
         "Location · Büro, Berlin · 52.52, 13.405 · https://www.openstreetmap.org/?mlat=52.52&mlon=13.405"),
        ({"type": "contacts", "contacts": [{"name": {"formatted_name": "Lea Roth"},
                                            "phones": [{"phone": "+49 30 555"}]}]},
         "Shared contacts:\nLea Roth · +49 30 555"),
        ({"type": "interactive", "interactive": {"type": "button_reply",
                                                 "button_reply": {"id": "b1", "title": "Ja"}}},
         "Ja"),
        ({"type": "interactive", "interactive": {"type": "list_reply", "list_reply": {
            "id": "l1", "title": "Rückgabe", "description": "Ware zurückschicken"}}},
         "Rückgabe · Ware zurückschicken"),
        ({"type": "button", "button": {"payload": "STOP", "text": "Keine Angebote"}},
         "Keine Angebote"),
        ({"type": "unsupported", "unsupported": {"type": "poll"},
          "errors": [{"code": 131051, "title": "Message type unknown"}]},
         "Unsupported message (poll): (131051) Message type unknown"),
        ({"type": "ephemeral"}, "Unsupported message (ephemeral)"),
    ],
    ids=["location", "contacts", "button", "list", "template-button", "unsupported", "unknown"],
)  # fmt: skip
def test_each_kind_reads_as_text(provider, whatsapp, item, says):
    send(provider, whatsapp, message("wamid.K1", None) | item)

    assert Message.objects.get().body == says


def reaction(wamid: str, target: str, emoji: str | None, at: int = 0) -> dict:
    item = {"message_id": target} | ({"emoji": emoji} if emoji is not None else {})
    return message(wamid, None, type="reaction", reaction=item, timestamp=str(int(TS) + at))


def test_a_reaction_shows_on_the_message_it_names_and_is_no_message(
    provider, whatsapp, alice, whatsapp_api
):
    """GIVEN the contact's message and our reply THEN their reactions show under each, a new
    one replaces the old, an older one redelivered changes nothing, an empty one removes it,
    and none becomes a message."""
    send(provider, whatsapp, message("wamid.R1", "Ist das Paket da?"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    with capture_events():
        ours = services.post_operator_message(conversation, "Ja", actor=Actor.for_operator(alice))
    sent = OutboundDelivery.objects.get().provider_message_id

    with capture_events() as events:
        send(provider, whatsapp, reaction("wamid.R2", sent, "👍", at=10))
    send(provider, whatsapp, reaction("wamid.R3", "wamid.R1", "🙏", at=20))
    send(provider, whatsapp, reaction("wamid.R4", sent, "❤️", at=30))
    send(provider, whatsapp, reaction("wamid.R2", sent, "👍", at=10))  # older, again

    assert Message.objects.count() == 2
    assert shown(Message.objects.get(entry=ours))["reactions"] == [{"emoji": "❤️", "by": "contact"}]
    theirs = Message.objects.get(provider_message_id="wamid.R1")
    assert shown(theirs)["reactions"] == [{"emoji": "🙏", "by": "contact"}]
    assert any(e["type"] == "message.updated" for e, _groups in events)

    send(provider, whatsapp, reaction("wamid.R5", "wamid.R1", "", at=40))
    assert "reactions" not in shown(theirs)


def test_a_reaction_to_a_message_we_do_not_have_is_left(provider, whatsapp):
    send(provider, whatsapp, reaction("wamid.R9", "wamid.unknown", "👍"))

    assert not Message.objects.exists()


def test_an_edit_keeps_the_original_as_a_revision(provider, whatsapp):
    send(provider, whatsapp, message("wamid.E1", "Ich komme um 10"))
    new = {"type": "text", "text": {"body": "Ich komme um 11"}}
    edit = message("wamid.E2", None, type="edit", timestamp=str(int(TS) + 60),
                   edit={"original_message_id": "wamid.E1", "message": new})  # fmt: skip

    send(provider, whatsapp, edit)
    send(provider, whatsapp, edit)

    stored = Message.objects.get()
    assert stored.body == "Ich komme um 11"
    assert [r["body"] for r in shown(stored)["revisions"]] == ["Ich komme um 10"]


def test_a_revoke_marks_the_message_deleted_by_the_contact(provider, whatsapp):
    send(provider, whatsapp, message("wamid.D1", "Falsch geschickt"))
    revoke = message("wamid.D2", None, type="revoke", timestamp=str(int(TS) + 60),
                     revoke={"original_message_id": "wamid.D1"})  # fmt: skip

    send(provider, whatsapp, revoke)

    stored = Message.objects.get()
    assert "deleted" in stored.body
    assert [r["body"] for r in shown(stored)["revisions"]] == ["Falsch geschickt"]


# --- who wrote: user ids ---------------------------------------------------------------------


def test_the_identity_is_the_user_id_with_number_username_and_parent_beside_it(provider, whatsapp):
    send(provider, whatsapp, message("wamid.I1"), contacts=[contact(username="kim.b")])

    identity = ContactIdentity.objects.get(kind="whatsapp")
    assert identity.value == USER_ID
    assert identity.verified_via == "whatsapp" and identity.verified_at is not None
    assert identity.attributes == {"phone": "+" + PHONE, "username": "kim.b",
                                   "parent_user_id": PARENT_ID}  # fmt: skip


def test_without_a_user_id_the_number_is_the_identity_until_one_comes(provider, whatsapp):
    """GIVEN an older payload with the number only, THEN a later one with the user id turns
    the same identity row into the user id: one contact, one conversation."""
    send(provider, whatsapp, message("wamid.I2", user_id=None), contacts=[contact(user_id=None)])
    first = ContactIdentity.objects.get(kind="whatsapp")
    assert first.value == "+" + PHONE

    send(provider, whatsapp, message("wamid.I3", "Wieder da"))

    identity = ContactIdentity.objects.get(kind="whatsapp")
    assert (identity.pk, identity.value) == (first.pk, USER_ID)
    assert Contact.objects.count() == 1
    assert Message.objects.values("conversation").distinct().count() == 1


def test_a_contact_the_team_entered_by_phone_gets_the_whatsapp_identity(
    provider, whatsapp, account
):
    known = create_contact(account, name="Kim (Telefon)", phone="+" + PHONE)

    send(provider, whatsapp, message("wamid.I4"))

    assert Message.objects.get().conversation.contact == known
    assert known.identities.get(kind="whatsapp").value == USER_ID


def test_a_user_without_a_number_is_listed_and_found(provider, whatsapp, alice, account):
    """Since 2026 a user with a username may come without any number: the contact is still
    listed and found by user id and by username, in the directory and the archive."""
    hidden = [contact(phone=None, username="kim.berg.42")]
    send(provider, whatsapp, message("wamid.H1", "Hallo", phone=None), contacts=hidden)
    conversation = Message.objects.get().conversation
    operator = Client()
    operator.force_login(alice)

    assert "Kim Berg" in operator.get("/contacts/").content.decode()
    for query in (USER_ID, "kim.berg.42", "kim.berg"):
        listed = operator.get("/contacts/", {"q": query}).content.decode()
        assert "Kim Berg" in listed, query
    found = search(account, "kim.berg.42").apply(conversation.__class__.objects.all())
    assert conversation in found
    profile = operator.get(f"/contacts/{conversation.contact.public_id}/").content.decode()
    assert USER_ID in profile and "@kim.berg.42" in profile


def test_the_number_beside_a_user_id_finds_the_conversation(provider, whatsapp, account):
    send(provider, whatsapp, message("wamid.H2"))
    conversation = Message.objects.get().conversation

    found = search(account, "+49 151 23456789").apply(conversation.__class__.objects.all())

    assert list(found) == [conversation]


def system(wamid: str, change: str, **fields) -> dict:
    return message(wamid, None, type="system",
                   system={"type": change, "body": "User changed", **fields})  # fmt: skip


def test_a_new_user_id_changes_the_identity_and_leaves_a_line(provider, whatsapp):
    send(provider, whatsapp, message("wamid.S1", "Hallo"))
    conversation = Message.objects.get().conversation

    change = system("wamid.S2", "user_changed_user_id", user_id="DE.777", parent_user_id="DE.ENT.8")
    for _ in range(2):
        send(provider, whatsapp, change, contacts=[contact()])
    changed = ContactIdentity.objects.get(kind="whatsapp")
    assert changed.value == "DE.777" and changed.attributes["parent_user_id"] == "DE.ENT.8"
    send(provider, whatsapp, message("wamid.S3", "Neue ID", user_id="DE.777"),
         contacts=[contact(user_id="DE.777")])  # fmt: skip

    assert ContactIdentity.objects.get(kind="whatsapp").pk == changed.pk
    assert Message.objects.values("conversation").distinct().count() == 1
    assert Message.objects.get(provider_message_id="wamid.S3").conversation == conversation
    (line,) = conversation.timeline.filter(kind=EntryKind.UPDATED)
    assert line.data == {"field": "identity", "kind": "whatsapp", "previous": USER_ID,
                         "value": "DE.777"}  # fmt: skip


def test_a_new_number_updates_the_number_beside_the_user_id(provider, whatsapp):
    send(provider, whatsapp, message("wamid.N1", "Hallo"))
    conversation = Message.objects.get().conversation

    send(provider, whatsapp, system("wamid.N2", "user_changed_number", wa_id="4915799999999"),
         contacts=[contact()])  # fmt: skip

    identity = ContactIdentity.objects.get(kind="whatsapp")
    assert identity.value == USER_ID and identity.attributes["phone"] == "+4915799999999"
    assert conversation.timeline.filter(kind=EntryKind.UPDATED).count() == 1


def test_a_new_number_without_user_ids_renames_the_number(provider, whatsapp):
    send(provider, whatsapp, message("wamid.N3", user_id=None), contacts=[contact(user_id=None)])

    send(provider, whatsapp, system("wamid.N4", "user_changed_number", wa_id="4915799999999",
                                    **{}) | {"from": PHONE, "from_user_id": None},
         contacts=[])  # fmt: skip

    assert ContactIdentity.objects.get(kind="whatsapp").value == "+4915799999999"
    assert Contact.objects.count() == 1


# --- preferences and echoes --------------------------------------------------------------------


def preference(choice: str, timestamp: int = 1772442000) -> dict:
    item = {"wa_id": PHONE, "user_id": USER_ID, "detail": f"User requested to {choice}",
            "category": "marketing_messages", "value": choice, "timestamp": timestamp}  # fmt: skip
    changed = {"messaging_product": "whatsapp", "contacts": [contact()],
               "user_preferences": [item]}  # fmt: skip
    return webhook(("user_preferences", changed))


def test_stop_and_resume_are_the_contacts_marketing_consent(provider, whatsapp):
    send(provider, whatsapp, message("wamid.P1"))
    contact_row = Message.objects.get().conversation.contact

    post(provider, whatsapp, preference("stop"))
    post(provider, whatsapp, preference("stop"))  # redelivered
    assert consent.allows(contact_row, "whatsapp", purpose="marketing") is False
    post(provider, whatsapp, preference("resume", 1772442100))

    assert consent.allows(contact_row, "whatsapp", purpose="marketing") is True
    rows = list(contact_row.consents.values_list("granted", "source", "purpose"))
    assert rows == [(False, "whatsapp_preferences", "marketing"),
                    (True, "whatsapp_preferences", "marketing")]  # fmt: skip


def echo(wamid: str, body: str) -> dict:
    item = {"from": "49301234567", "to": PHONE, "to_user_id": USER_ID, "id": wamid,
            "timestamp": TS, "type": "text", "text": {"body": body}}  # fmt: skip
    echoed = {"messaging_product": "whatsapp", "contacts": [contact()], "message_echoes": [item]}
    return webhook(("smb_message_echoes", echoed))


def test_an_echo_from_the_business_app_is_an_operator_message_sent_from_the_phone(
    provider, whatsapp, whatsapp_api
):
    send(provider, whatsapp, message("wamid.O1", "Hallo"))

    for _ in range(2):
        post(provider, whatsapp, echo("wamid.O2", "Ich rufe Sie an"))

    answer = Message.objects.get(provider_message_id="wamid.O2")
    assert answer.author_kind == AuthorKind.OPERATOR
    assert answer.delivery_state == DeliveryState.SENT
    assert answer.client_info == {"sent_from": "WhatsApp Business app"}
    assert answer.conversation == Message.objects.get(provider_message_id="wamid.O1").conversation
    assert answer.conversation.status == "waiting"
    assert not OutboundDelivery.objects.exists() and whatsapp_api.sent == []
