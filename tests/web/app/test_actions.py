"""Every action of the composer, action bar and sidebar (R-CONV-2..7): it calls the domain
service; a refusal answers with the service's message; an outsider gets 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.contacts.fields import define_field
from messagecenter.conversations import notes, services
from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from messagecenter.widgets.models import ChannelConnection
from tests.helpers import conversation_in
from tests.web.app.conftest import JSON, reply


def act(client, conversation, name, data=None, *args, **extra):
    path = reverse(name, args=[conversation.public_id, *args])
    return client.post(path, data or {}, **{**JSON, **extra})


def fresh(conversation):
    conversation.refresh_from_db()
    return conversation


# --- replying -------------------------------------------------------------------------------


def test_assigned_operator_replies(alice_client, alices):
    response = act(alice_client, alices, "conversation_reply", {"body": "Ich **helfe** gern"})

    entry = response.json()["entry"]
    assert entry["message"]["html"] == "<p>Ich <strong>helfe</strong> gern</p>"
    assert fresh(alices).status == Status.WAITING


def test_others_cannot_reply_and_are_told_why(bob_client, alices):
    response = act(bob_client, alices, "conversation_reply", {"body": "Hallo"})

    assert response.status_code == 403
    assert response.json()["error"].startswith("Only the assigned operator can reply.")


def test_an_empty_reply_is_refused(alice_client, alices):
    response = act(alice_client, alices, "conversation_reply", {"body": "  "})

    assert response.status_code == 422
    assert response.json()["error"] == "A message cannot be empty."


def test_a_retried_send_creates_one_message(alice_client, alices):
    first = act(alice_client, alices, "conversation_reply", {"body": "Hi", "client_id": "c1"})
    again = act(alice_client, alices, "conversation_reply", {"body": "Hi", "client_id": "c1"})

    assert first.json()["entry"]["seq"] == again.json()["entry"]["seq"]


def test_a_plain_form_post_redirects_back_with_the_message(bob_client, alices):
    path = reverse("conversation_reply", args=[alices.public_id])

    response = bob_client.post(path, {"body": "Hallo"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("conversation", args=[alices.public_id])
    assert "Only the assigned operator can reply" in response.content.decode()


# --- assignment -------------------------------------------------------------------------------


def test_assign_to_me(bob_client, bob, unassigned):
    response = act(bob_client, unassigned, "conversation_assign", {"to": "me"})

    assert response.json()["conversation"]["assigned_operator"] == bob.public_id
    assert fresh(unassigned).status == Status.NEW  # NEW until the first operator message


def test_assign_to_a_colleague(alice_client, bob, unassigned):
    act(alice_client, unassigned, "conversation_assign", {"to": f"op:{bob.public_id}"})

    assert fresh(unassigned).assigned_operator == bob


def test_assign_to_a_group(alice_client, alices, support_group):
    response = act(
        alice_client, alices, "conversation_assign", {"to": f"grp:{support_group.public_id}"}
    )

    state = response.json()["conversation"]
    assert state["assigned_group"] == support_group.public_id
    assert state["assigned_operator"] is None  # nobody available: it waits in the group


def test_unassign(alice_client, alices):
    act(alice_client, alices, "conversation_assign", {"to": "none"})

    assert fresh(alices).assigned_operator is None


def test_assign_to_nonsense_is_refused(alice_client, alices):
    response = act(alice_client, alices, "conversation_assign", {"to": "everyone"})

    assert response.status_code == 422
    assert response.json()["error"] == "Choose an operator or a group."


def test_assign_to_a_deactivated_operator_is_refused(alice_client, alice, bob, alices):
    from messagecenter.accounts import services as accounts

    accounts.update_operator(bob, actor=Actor.for_operator(alice), is_active=False)

    response = act(alice_client, alices, "conversation_assign", {"to": f"op:{bob.public_id}"})

    assert response.json()["error"] == "This operator is deactivated."


def test_assign_to_another_accounts_operator_is_not_found(alice_client, charlie, alices):
    response = act(alice_client, alices, "conversation_assign", {"to": f"op:{charlie.public_id}"})

    assert response.status_code == 404


# --- status, end, details ---------------------------------------------------------------------


def test_set_waiting_and_open(alice_client, alices):
    act(alice_client, alices, "conversation_status", {"status": "waiting"})
    assert fresh(alices).status == Status.WAITING

    act(alice_client, alices, "conversation_status", {"status": "open"})
    assert fresh(alices).status == Status.OPEN


def test_only_open_and_waiting_can_be_set_by_hand(alice_client, alices):
    response = act(alice_client, alices, "conversation_status", {"status": "new"})

    assert response.status_code == 409
    assert response.json()["error"] == "Only OPEN and WAITING can be set by hand."


def test_end_conversation(alice_client, alices):
    response = act(alice_client, alices, "conversation_end")

    assert response.json()["conversation"]["status"] == "ended"


def test_ending_twice_is_refused(alice_client, alices):
    act(alice_client, alices, "conversation_end")

    response = act(alice_client, alices, "conversation_end")

    assert response.status_code == 409
    assert response.json()["error"] == "This conversation has already ended."


def test_set_subject(alice_client, alices):
    response = act(
        alice_client, alices, "conversation_subject", {"subject": "  Doppelte Bestellung "}
    )

    assert response.json()["conversation"]["subject"] == "Doppelte Bestellung"


def test_set_and_clear_topic(alice_client, alice, alices, account):
    topic = services.create_topic(account, "Billing", actor=Actor.for_operator(alice))

    act(alice_client, alices, "conversation_topic", {"topic": topic.public_id})
    assert fresh(alices).topic == topic

    act(alice_client, alices, "conversation_topic", {"topic": ""})
    assert fresh(alices).topic is None


def test_another_accounts_topic_is_not_found(alice_client, charlie, alices, other_account):
    topic = services.create_topic(other_account, "Theirs", actor=Actor.for_operator(charlie))

    assert (
        act(alice_client, alices, "conversation_topic", {"topic": topic.public_id}).status_code
        == 404
    )


def test_set_language_changes_the_contacts_language(alice_client, alices, contact):
    act(alice_client, alices, "conversation_language", {"locale": "de"})

    assert fresh(alices).locale == "de"
    contact.refresh_from_db()
    assert contact.locale == "de"


def test_unsupported_language_is_refused(alice_client, alices):
    response = act(alice_client, alices, "conversation_language", {"locale": "fr"})

    assert response.status_code == 422
    assert response.json()["error"] == "Unsupported language."


# --- deletion (R-CONV-5) ----------------------------------------------------------------------


def test_delete_an_operator_message(alice_client, alice, alices):
    sent = reply(alices, alice)

    response = act(alice_client, alices, "conversation_delete_message", None, sent.seq)

    assert response.json()["entry"]["data"] == {"message_seq": sent.seq}
    assert alices.messages.get(entry__seq=sent.seq).deleted_at is not None


def test_contact_messages_cannot_be_deleted(alice_client, alices):
    response = act(alice_client, alices, "conversation_delete_message", None, 1)

    assert response.status_code == 409
    assert response.json()["error"] == "Only messages sent to the contact can be deleted."


def test_channels_that_cannot_delete_refuse_with_a_reason(alice_client, alice, widget, contact):
    email = ChannelConnection.objects.create(account=widget.account, widget=widget, kind="email")
    conversation = services.start_conversation(
        widget, contact, "Per Mail", actor=Actor.for_contact(contact), connection=email
    )
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    sent = services.post_operator_message(conversation, "Antwort", actor=me)

    response = act(alice_client, conversation, "conversation_delete_message", None, sent.seq)

    assert response.status_code == 409
    assert response.json()["error"] == "Messages cannot be deleted on E-mail conversations."


# --- notes (R-CONV-7) -------------------------------------------------------------------------


def test_anyone_adds_a_note_also_when_not_assigned(bob_client, alices):
    response = act(bob_client, alices, "note_add", {"body": "Ich kenne die Kundin"})

    assert response.json()["entry"]["note"]["body"] == "Ich kenne die Kundin"


def test_author_edits_and_deletes_a_note(bob_client, bob, alices):
    seq = notes.add_note(alices, "Entwurf", actor=Actor.for_operator(bob)).seq

    edited = act(bob_client, alices, "note_edit", {"body": "Endgültig"}, seq)
    deleted = act(bob_client, alices, "note_delete", None, seq)

    assert edited.json()["entry"]["kind"] == "note_edited"
    assert deleted.json()["entry"]["kind"] == "note_deleted"
    assert alices.notes.get(entry__seq=seq).deleted_at is not None


def test_others_cannot_edit_someone_elses_note(bob_client, alice, alices):
    seq = notes.add_note(alices, "Von Alice", actor=Actor.for_operator(alice)).seq

    response = act(bob_client, alices, "note_edit", {"body": "Von Bob"}, seq)

    assert response.status_code == 403
    assert response.json()["error"] == "Only the author or an administrator can change this note."


# --- contact details (R-CONV-6) ----------------------------------------------------------------


def test_edit_contact_details_in_the_sidebar(alice_client, alice, alices, contact, account):
    define_field(account, actor=Actor.for_operator(alice), key="address", label="Delivery address")
    path = reverse("conversation_contact", args=[alices.public_id])
    data = {
        "name": "Clara K.",
        "email": "clara@example.org",
        "phone": "+49 30 1234567",
        "cf:address": "Hauptstr. 1",
    }

    response = alice_client.post(path, data, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Saved." in response.content.decode()
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.phone) == (
        "Clara K.",
        "clara@example.org",
        "+49301234567",
    )
    assert contact.custom_fields == {"address": "Hauptstr. 1"}


def test_invalid_contact_details_are_refused_and_kept_in_the_form(alice_client, alices, contact):
    path = reverse("conversation_contact", args=[alices.public_id])

    response = alice_client.post(
        path, {"name": "Clara", "email": "not-an-address"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter a valid e-mail address." in html and 'value="not-an-address"' in html
    contact.refresh_from_db()
    assert contact.email == "clara@example.com"


# --- outsiders ------------------------------------------------------------------------------------

ACTIONS = [
    ("conversation_reply", {"body": "x"}, ()),
    ("conversation_assign", {"to": "me"}, ()),
    ("conversation_status", {"status": "open"}, ()),
    ("conversation_end", {}, ()),
    ("conversation_subject", {"subject": "x"}, ()),
    ("conversation_topic", {"topic": ""}, ()),
    ("conversation_language", {"locale": "de"}, ()),
    ("conversation_delete_message", {}, (1,)),
    ("note_add", {"body": "x"}, ()),
    ("note_edit", {"body": "x"}, (1,)),
    ("note_delete", {}, (1,)),
    ("conversation_contact", {"name": "x"}, ()),
]


@pytest.mark.parametrize(("name", "data", "args"), ACTIONS)
def test_outsider_gets_404_and_changes_nothing(charlie_client, alices, name, data, args):
    seq_before = fresh(alices).last_seq

    response = act(charlie_client, alices, name, data, *args)

    assert response.status_code == 404
    assert fresh(alices).last_seq == seq_before


@pytest.mark.parametrize(("name", "data", "args"), ACTIONS)
def test_actions_need_post(alice_client, alices, name, data, args):
    path = reverse(name, args=[alices.public_id, *args])

    assert alice_client.get(path).status_code == 405


def test_status_of_an_ended_conversation_comes_back_when_set(alice_client, alice, widget, contact):
    ended = conversation_in(Status.ENDED, widget, contact, alice)

    act(alice_client, ended, "conversation_status", {"status": "open"})

    assert fresh(ended).status == Status.OPEN
