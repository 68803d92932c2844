"""The public WhatsApp webhook corpus (``../shared/corpora/whatsapp/pywa``, 74 payloads from
david-lev/pywa, MIT): each payload POSTed through the real webhook view, signed with the app
secret, twice; each must answer 200 and leave exactly what its kind is handled as.

The payloads are third-party test data, read as they are with two changes made here: many
examples share one id ("wamid.xyzxyz"), so each message (and echo) gets its own id per
example, and the business number's ``phone_number_id`` is set to our connection's (the
examples name several; a change for a number no connection serves is left, which another
test shows).

How each kind is handled (``KINDS``):

- ``message``: a contact message, one per example, exactly once on its wamid. Text, media
  (image, video, document, audio, voice, stickers: fetched by media id with the token; the
  corpus's ids are unknown to the fake Graph API, so the file is named on the message with
  WhatsApp's reason instead of kept), locations (with a map link), shared contacts, orders,
  button / list / flow / call-permission replies, replies (quoting what they answer when we
  have it), forwarded messages (marked), ads' referrals, unsupported kinds (said as such
  with WhatsApp's reason), and an edit of a message we never got (stored as it reads now);
- ``reaction``: an emoji on the message it names (here a contact message delivered first with
  the example's ``message_id``), shown under that message, no message of its own; an empty or
  missing emoji removes it (nothing to show);
- ``echo``: the business wrote from the WhatsApp Business app: an operator message marked
  as sent from the app, never delivered again;
- ``status``: sent / delivered / read / played / failed of a message we sent (the example's
  id is set to the wamid of a reply sent first); the message's state follows, forward only;
  a group's status is left;
- ``preference``: stop / resume / sign-up of marketing messages: the contact's consent log
  (after the contact wrote once, so they are known);
- ``identity``: ``user_changed_number``: the number beside the contact's identity changes,
  a line in their conversation, no message;
- ``none``: nothing for a conversation: account, template and call updates, a revoke or
  edit echo, a revoke of a message we never got, ``customer_identity_changed``; answered
  200 and left (logged).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from messagecenter.contacts import consent
from messagecenter.contacts.models import ContactIdentity
from messagecenter.conversations import services
from messagecenter.conversations.models import AuthorKind, DeliveryState, EntryKind, Message
from messagecenter.core.actors import Actor
from messagecenter.transports.whatsapp.models import WhatsAppDelivery
from tests.conftest import capture_events
from tests.transports.whatsapp.conftest import post
from tests.transports.whatsapp.fake_api import PHONE_NUMBER_ID

pytestmark = pytest.mark.django_db

CORPUS = Path("/work/shared/corpora/whatsapp/pywa")
STATUS = {"sent": DeliveryState.SENT, "delivered": DeliveryState.DELIVERED,
          "read": DeliveryState.READ, "played": DeliveryState.READ,
          "failed": DeliveryState.FAILED, "with_tracker": DeliveryState.SENT}  # fmt: skip
EXCEPTIONS = {
    ("message_status.json", "group"): "none",
    ("outgoing_message.json", "text"): "echo",
    ("outgoing_message.json", "delete"): "none",
    ("outgoing_message.json", "edit"): "none",
    ("deleted_message.json", "revoke"): "none",
    ("system.json", "phone_number_change"): "identity",
    ("system.json", "identity_change"): "none",
    ("user_marketing_preferences.json", "resume"): "preference",
    ("user_marketing_preferences.json", "signup"): "preference",
    ("message.json", "reaction"): "reaction",
    ("message.json", "unreaction_empty"): "reaction",
    ("message.json", "unreaction_no_emoji"): "reaction",
}


def examples() -> list[tuple[str, str]]:
    if not CORPUS.is_dir():
        return []
    return [(path.name, name) for path in sorted(CORPUS.glob("*.json"))
            for name in json.loads(path.read_text())]  # fmt: skip


def kind_of(file: str, name: str) -> str:
    if (file, name) in EXCEPTIONS:
        return EXCEPTIONS[(file, name)]
    if file == "message_status.json":
        return "status"
    payload = json.loads((CORPUS / file).read_text())[name]
    has = {key for e in payload["entry"] for c in e["changes"] for key in c["value"]}
    return "message" if "messages" in has else "none"


def prepared(file: str, name: str, *, status_id: str = "") -> dict:
    """The example with its own message ids and our number."""
    payload = copy.deepcopy(json.loads((CORPUS / file).read_text())[name])
    for e, entry in enumerate(payload["entry"]):
        for c, change in enumerate(entry["changes"]):
            value = change["value"]
            value.setdefault("metadata", {})["phone_number_id"] = PHONE_NUMBER_ID
            for key in ("messages", "message_echoes"):
                for m, item in enumerate(value.get(key, [])):
                    item["id"] = f"wamid.corpus.{file}.{name}.{e}.{c}.{m}"
            for item in value.get("statuses", []):
                item["id"] = status_id or item["id"]
    return payload


def twice(provider, connection, payload) -> None:
    for _ in range(2):
        assert post(provider, connection, payload).status_code == 200


@pytest.mark.skipif(not examples(), reason="the shared corpus is not on this machine")
def test_the_corpus_has_its_74_payloads():
    assert len(examples()) == 74


@pytest.mark.parametrize(("file", "name"), examples(), ids=[f"{f}:{n}" for f, n in examples()])
def test_each_corpus_payload_delivered_twice(provider, whatsapp, whatsapp_api, alice, file, name):
    kind = kind_of(file, name)
    known_user = kind in ("preference", "identity", "reaction")
    if known_user:  # the same user wrote once before (the message a reaction names)
        first = prepared("message.json", "text")
        first["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.yzxyzx="
        twice(provider, whatsapp, first)
    if kind == "status":
        return _status(provider, whatsapp, whatsapp_api, alice, file, name)
    before = Message.objects.count()

    twice(provider, whatsapp, prepared(file, name))

    assert WhatsAppDelivery.objects.filter(processed_at__isnull=True).count() == 0
    new = Message.objects.order_by("entry_id")[before:]
    if kind == "message":
        (message,) = new
        assert message.author_kind == AuthorKind.CONTACT and message.body.strip()
        # An edit of a message we never got is that message as it reads now (its id).
        edited = file == "edited_message.json"
        assert message.provider_message_id.startswith("wamid.HBgL" if edited else "wamid.corpus.")
        assert ContactIdentity.objects.filter(contact=message.conversation.contact).exists()
    elif kind == "echo":
        (message,) = new
        assert message.author_kind == AuthorKind.OPERATOR
        assert message.client_info == {"sent_from": "WhatsApp Business app"}
    else:
        assert list(new) == []
    if kind == "reaction":
        from messagecenter.conversations.events import entry_payload

        shown = entry_payload(Message.objects.get().entry)["message"].get("reactions", [])
        assert shown == ([{"emoji": "😮", "by": "contact"}] if name == "reaction" else [])
    if kind == "preference":
        contact = Message.objects.get().conversation.contact
        assert consent.allows(contact, "whatsapp", purpose="marketing") is True
    if kind == "identity":
        conversation = Message.objects.get().conversation
        identity = conversation.contact.identities.get(kind="whatsapp")
        assert identity.attributes["phone"] == "+972912345678"
        assert conversation.timeline.filter(kind=EntryKind.UPDATED).count() == 1


def _status(provider, whatsapp, whatsapp_api, alice, file, name):
    twice(provider, whatsapp, prepared("message.json", "text"))
    conversation = Message.objects.get().conversation
    services.assign_operator(conversation, alice, actor=Actor.for_operator(alice))
    with capture_events():
        sent = services.post_operator_message(
            conversation, "Antwort", actor=Actor.for_operator(alice)
        )
    wamid = whatsapp_api.sent[0]["id"]

    twice(provider, whatsapp, prepared(file, name, status_id=wamid))

    message = Message.objects.get(entry=sent)
    assert message.delivery_state == STATUS[name]
    if name == "failed":
        assert "experiment" in message.delivery_error
    assert Message.objects.count() == 2
