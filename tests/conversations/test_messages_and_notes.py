"""Who may write what (R-INBOX-2, R-CONV-5, R-CONV-7), the timeline, and its events."""

from __future__ import annotations

import pytest

from messagecenter.accounts import services as accounts
from messagecenter.conversations import notes, services
from messagecenter.conversations.models import Conversation, EntryKind, Status
from messagecenter.core.actors import Actor
from messagecenter.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from messagecenter.core.events import (
    account_group,
    contact_group,
    conversation_group,
    operator_group,
)
from messagecenter.widgets.models import ChannelConnection
from tests.conftest import capture_events
from tests.helpers import conversation_in, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(widget, contact, alice):
    return conversation_in(Status.OPEN, widget, contact, alice)


def test_only_the_assigned_operator_can_reply(mine, bob):
    with pytest.raises(PermissionDenied) as refused:
        services.post_operator_message(mine, "Ich übernehme", actor=Actor.for_operator(bob))
    assert "Only the assigned operator can reply" in str(refused.value)
    assert mine.messages.count() == 3  # nothing was written


def test_nobody_replies_to_an_unassigned_conversation(widget, contact, alice):
    conversation = start(widget, contact)
    with pytest.raises(PermissionDenied):
        services.post_operator_message(conversation, "Hallo", actor=Actor.for_operator(alice))


def test_others_can_read_and_add_notes(mine, bob):
    entry = notes.add_note(mine, "Kunde ist **VIP**", actor=Actor.for_operator(bob))
    assert entry.note.html == "<p>Kunde ist <strong>VIP</strong></p>"
    assert entry.actor_id == bob.public_id


def test_mention_notifies_only_the_mentioned_operator(mine, alice, bob):
    with capture_events() as sent:
        entry = notes.add_note(mine, "@bob kannst du helfen?", actor=Actor.for_operator(alice))
    mentions = [(e, groups) for e, groups in sent if e["type"] == "note.mention"]
    assert mentions == [
        (
            {
                "type": "note.mention",
                "account": mine.account.public_id,
                "conversation": mine.public_id,
                "seq": entry.seq,
                "by": alice.public_id,
            },
            [operator_group(bob.public_id)],
        )
    ]
    assert entry.note.mentions == [bob.public_id]


def test_mention_by_full_name_and_ambiguous_first_name(account, mine, alice, bob):
    accounts.create_operator(account, name="Bob Other", email="bobby@acme.test")
    found = notes.find_mentions(account.pk, "@[Bob Builder] und @bob", exclude=alice)
    assert [op.public_id for op in found] == [bob.public_id]  # "@bob" is bob's e-mail local part
    assert notes.find_mentions(account.pk, "an @Bob?".replace("@Bob", "@Bobx")) == []


def test_mentions_ignore_email_addresses(account, mine, alice, bob):
    assert notes.find_mentions(account.pk, "Schreib an clara@bob.de", exclude=alice) == []


def test_note_edit_and_delete_by_author(mine, alice):
    me = Actor.for_operator(alice)
    entry = notes.add_note(mine, "erste Fassung", actor=me)
    notes.edit_note(mine, entry.seq, "zweite Fassung", actor=me)
    entry.note.refresh_from_db()
    assert (entry.note.body, entry.note.edited_at is not None) == ("zweite Fassung", True)

    notes.delete_note(mine, entry.seq, actor=me)
    entry.note.refresh_from_db()
    assert entry.note.body == "" and entry.note.deleted_at is not None
    kinds = list(mine.timeline.filter(seq__gt=entry.seq).values_list("kind", flat=True))
    assert kinds == [EntryKind.NOTE_EDITED, EntryKind.NOTE_DELETED]


def test_teammate_cannot_edit_someone_elses_note(mine, alice, bob):
    entry = notes.add_note(mine, "von Bob", actor=Actor.for_operator(bob))
    other = accounts.create_operator(mine.account, name="Olga", email="olga@acme.test")
    with pytest.raises(PermissionDenied):
        notes.edit_note(mine, entry.seq, "geändert", actor=Actor.for_operator(other))
    notes.edit_note(mine, entry.seq, "vom Admin", actor=Actor.for_operator(alice))  # admin may


def test_contacts_never_receive_notes(mine, alice):
    with capture_events() as sent:
        notes.add_note(mine, "intern", actor=Actor.for_operator(alice))
    contact_groups = {contact_group(mine.contact.public_id)}
    assert all(not contact_groups & set(groups) for _, groups in sent)


def test_operator_message_event_payload_and_recipients(mine, alice):
    """GIVEN an OPEN conversation WHEN its operator replies THEN the viewers get both new
    entries, the contact only the message, and the team ONE conversation.changed."""
    with capture_events() as sent:
        entry = services.post_operator_message(mine, "**Gern!**", actor=Actor.for_operator(alice))
    types = [(e["type"], groups) for e, groups in sent]
    viewers = [conversation_group(mine.public_id)]
    team = [account_group(mine.account.public_id)]
    assert types == [
        ("timeline.entry", viewers),
        ("messenger.entry", [contact_group(mine.contact.public_id)]),
        ("timeline.entry", viewers),  # the status change to WAITING
        ("conversation.changed", team),
    ]
    changed = sent[3][0]
    assert changed["preview"] == "**Gern!**"
    assert changed["kind"] == "message"
    assert changed["kinds"] == ["message", "status_changed"]
    assert changed["author_kind"] == "operator"
    assert changed["seq"] == entry.seq + 1
    assert changed["summary"]["status"] == "waiting"
    message_event = sent[0][0]
    assert message_event["seq"] == entry.seq
    assert message_event["entry"]["message"]["html"] == "<p><strong>Gern!</strong></p>"
    assert message_event["summary"]["status"] == "waiting"
    assert sent[2][0]["entry"]["data"] == {"from": "open", "to": "waiting"}
    contact_event = sent[1][0]
    assert contact_event["entry"]["message"] == {
        "author_kind": "operator",
        "author_name": "Alice Admin",
        "html": "<p><strong>Gern!</strong></p>",
        "client_msg_id": None,
        "deleted": False,
    }


def test_no_events_leave_when_the_transaction_rolls_back(mine, alice):
    from django.db import transaction

    with capture_events() as sent, pytest.raises(RuntimeError), transaction.atomic():
        services.post_operator_message(mine, "weg", actor=Actor.for_operator(alice))
        raise RuntimeError
    assert sent == []
    assert not mine.messages.filter(body="weg").exists()


def test_contact_text_is_escaped_not_rendered(widget, contact):
    conversation = start(widget, contact, body="<b>fett</b> **nicht**")
    assert conversation.messages.get().html == "<p>&lt;b&gt;fett&lt;/b&gt; **nicht**</p>"


def test_empty_and_oversized_messages_are_refused(mine, alice):
    me = Actor.for_operator(alice)
    with pytest.raises(ValidationFailed):
        services.post_operator_message(mine, "   ", actor=me)
    with pytest.raises(ValidationFailed):
        services.post_operator_message(mine, "x" * 20_001, actor=me)


def test_timeline_sequence_is_gapless_and_ordered(mine, alice, bob):
    me = Actor.for_operator(alice)
    services.post_operator_message(mine, "a", actor=me)
    notes.add_note(mine, "b", actor=Actor.for_operator(bob))
    services.set_subject(mine, "Lieferung", actor=me)
    seqs = list(mine.timeline.values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    mine.refresh_from_db()
    assert mine.last_seq == seqs[-1]


def test_retried_contact_send_creates_one_message(mine, contact):
    them = Actor.for_contact(contact)
    first = services.post_contact_message(mine, "Hallo", actor=them, client_msg_id="c-1")
    again = services.post_contact_message(mine, "Hallo", actor=them, client_msg_id="c-1")
    assert first.pk == again.pk
    assert mine.messages.filter(client_msg_id="c-1").count() == 1


def test_delete_message_on_webchat(mine, alice):
    entry = services.post_operator_message(mine, "falsch", actor=Actor.for_operator(alice))
    with capture_events() as sent:
        services.delete_message(mine, entry.seq, actor=Actor.for_operator(alice))
    entry.message.refresh_from_db()
    assert entry.message.deleted_at is not None and entry.message.body == "falsch"
    messenger = next(e for e, _ in sent if e["type"] == "messenger.entry")
    assert messenger["entry"] == {
        "seq": entry.seq + 2,
        "kind": "message_deleted",
        "at": messenger["entry"]["at"],
        "message_seq": entry.seq,
    }


@pytest.mark.parametrize("kind", ["email", "whatsapp", "sms"])
def test_delete_refused_on_channels_that_cannot_delete(kind, widget, contact, alice):
    connection = ChannelConnection.objects.create(account=widget.account, widget=widget, kind=kind)
    conversation = services.start_conversation(
        widget, contact, "Hallo", actor=Actor.for_contact(contact), connection=connection
    )
    me = Actor.for_operator(alice)
    services.assign_operator(conversation, alice, actor=me)
    entry = services.post_operator_message(conversation, "Antwort", actor=me)
    with pytest.raises(InvalidTransition) as refused:
        services.delete_message(conversation, entry.seq, actor=me)
    assert refused.value.code == "channel_cannot_delete"


def test_contact_messages_cannot_be_deleted(mine, alice):
    with pytest.raises(InvalidTransition):
        services.delete_message(mine, 1, actor=Actor.for_operator(alice))


def test_outsider_cannot_touch_another_accounts_conversation(mine, charlie):
    outsider = Actor.for_operator(charlie)
    for attempt in (
        lambda: services.assign_operator(mine, charlie, actor=outsider),
        lambda: services.set_status(mine, Status.WAITING, actor=outsider),
        lambda: services.end_conversation(mine, actor=outsider),
        lambda: notes.add_note(mine, "hi", actor=outsider),
        lambda: services.set_subject(mine, "x", actor=outsider),
        lambda: services.post_operator_message(mine, "x", actor=outsider),
        lambda: services.assign_operator(mine, mine.assigned_operator, actor=outsider),
        lambda: services.unassign(mine, actor=outsider),
        lambda: services.delete_message(mine, 2, actor=outsider),
        lambda: services.set_locale(mine, "de", actor=outsider),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert Conversation.objects.get(pk=mine.pk).status == Status.OPEN


def test_bot_messages_mark_the_conversation_and_keep_status(mine):
    bot = Actor("token", mine.account, name="Shopbot")
    services.post_bot_message(mine, "Ihre Bestellung: *unterwegs*", actor=bot)
    mine.refresh_from_db()
    assert mine.had_bot and mine.status == Status.OPEN
    assert mine.messages.last().author_kind == "bot"


def test_operators_cannot_post_as_bot(mine, alice):
    with pytest.raises(PermissionDenied):
        services.post_bot_message(mine, "x", actor=Actor.for_operator(alice))


def test_changing_language_updates_contact_profile(mine, alice):
    services.set_locale(mine, "de", actor=Actor.for_operator(alice))
    mine.contact.refresh_from_db()
    assert mine.contact.locale == "de"
    with pytest.raises(ValidationFailed):
        services.set_locale(mine, "xx", actor=Actor.for_operator(alice))


def test_the_mention_handle_resolves_to_exactly_that_operator(account, mine, alice, bob):
    """GIVEN two Bobs and an e-mail local part shared across domains WHEN the picker's handle
    of each is written in a note THEN it mentions that operator and nobody else."""
    other_bob = accounts.create_operator(account, name="Bob Other", email="bobby@acme.test")
    twin = accounts.create_operator(account, name="Anna Alt", email="bob@elsewhere.test")
    colleagues = [alice, bob, other_bob, twin]

    handles = {op.name: notes.mention_handle(op, colleagues) for op in colleagues}

    assert handles == {
        "Alice Admin": "alice",
        "Bob Builder": "[Bob Builder]",  # "bob" is also the start of Anna's address
        "Bob Other": "bobby",
        "Anna Alt": "[Anna Alt]",
    }
    for operator in colleagues:
        body = f"Bitte @{handles[operator.name]} übernehmen"
        assert notes.find_mentions(account.pk, body) == [operator]
