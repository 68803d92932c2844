"""R-CMD: every command's success and each failed precondition (which changes nothing)."""

from __future__ import annotations

import pytest
from django.core import mail

from messagecenter.accounts import services as accounts
from messagecenter.contacts.models import VerificationCode
from messagecenter.conversations import services
from messagecenter.conversations.commands import catalogue, parse, run_command
from messagecenter.conversations.models import Conversation, EntryKind, Status
from messagecenter.core.actors import Actor
from messagecenter.core.errors import DomainError, InvalidTransition, ValidationFailed
from messagecenter.macros import services as macros
from messagecenter.widgets.models import ChannelConnection
from tests.conftest import capture_events
from tests.helpers import contact_opens_messenger, conversation_in, go_online

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(widget, contact, alice):
    return conversation_in(Status.OPEN, widget, contact, alice)


def run(conversation, text, operator):
    return run_command(conversation, text, actor=Actor.for_operator(operator)).message


def reload(conversation) -> Conversation:
    return Conversation.objects.select_related("contact").get(pk=conversation.pk)


def test_parse():
    assert parse("$forward group Sales") == ("forward", "group Sales")
    assert parse("![Begrüßung]") == ("macro", "Begrüßung")
    with pytest.raises(ValidationFailed):
        parse("hello")


def test_unknown_command(mine, alice):
    with pytest.raises(ValidationFailed, match="Unknown command"):
        run(mine, "$teleport", alice)


def test_name_email_locale(mine, alice):
    assert run(mine, "$name Clara Kunde", alice) == "Contact name set to Clara Kunde."
    run(mine, "$email clara.k@example.com", alice)
    run(mine, "$locale de", alice)
    conversation = reload(mine)
    assert conversation.contact.name == "Clara Kunde"
    assert conversation.contact.email == "clara.k@example.com"
    assert conversation.locale == "de" and conversation.contact.locale == "de"


@pytest.mark.parametrize("text", ["$email not-an-email", "$locale klingon", "$name"])
def test_bad_arguments_change_nothing(mine, alice, text):
    before = (mine.contact.name, mine.contact.email, mine.locale)
    with pytest.raises(DomainError):
        run(mine, text, alice)
    after = reload(mine)
    assert (after.contact.name, after.contact.email, after.locale) == before


def test_note(mine, bob):
    run(mine, "$note Rückruf morgen", bob)
    assert mine.notes.get().body == "Rückruf morgen"


def test_topic_and_status(mine, alice, account):
    services.create_topic(account, "Versand", actor=Actor.for_operator(alice))
    assert run(mine, "$topic versand", alice) == "Topic set to Versand."
    with pytest.raises(ValidationFailed, match="no topic called"):
        run(mine, "$topic Astrologie", alice)
    run(mine, "$status waiting", alice)
    assert reload(mine).status == Status.WAITING
    with pytest.raises(ValidationFailed):
        run(mine, "$status new", alice)
    run(mine, "$status ended", alice)
    assert reload(mine).status == Status.ENDED


def test_forward_to_operator(mine, alice, bob):
    assert run(mine, "$forward bob", alice) == "Forwarded to Bob Builder."
    assert reload(mine).assigned_operator == bob
    with pytest.raises(ValidationFailed, match="no single operator"):
        run(mine, "$forward nobody", alice)


def test_forward_group_needs_someone_online(mine, alice, account):
    sales = accounts.create_group(account, "Sales")
    seller = accounts.create_operator(
        account, name="Sam Seller", email="sam@acme.test", groups=[sales]
    )
    with pytest.raises(InvalidTransition, match="Nobody in Sales is online"):
        run(mine, "$forward group sales", alice)
    assert reload(mine).assigned_operator == alice
    go_online(seller)
    assert run(mine, "$forward group Sales", alice) == "Forwarded to Sam Seller (Sales)."
    assert reload(mine).assigned_operator == seller


def test_rating_preconditions(mine, alice, widget, contact):
    with pytest.raises(InvalidTransition, match="not online"):
        run(mine, "$rating", alice)
    contact_opens_messenger(contact)
    widget.rating_enabled = False
    widget.save()
    with pytest.raises(InvalidTransition, match="switched off"):
        run(reload(mine), "$rating", alice)
    widget.rating_enabled = True
    widget.save()
    with capture_events() as sent:
        assert run(reload(mine), "$rating", alice) == "Rating requested."
    assert [e["type"] for e, _ in sent if e["type"].startswith("messenger.")] == [
        "messenger.rating_request"
    ]


def test_rating_only_in_the_website_messenger(widget, contact, alice):
    email = ChannelConnection.objects.create(account=widget.account, widget=widget, kind="email")
    conversation = services.start_conversation(
        widget, contact, "Hallo", actor=Actor.for_contact(contact), connection=email
    )
    contact_opens_messenger(contact)
    with pytest.raises(InvalidTransition, match="website messenger"):
        run(conversation, "$rating", alice)


def test_webtransfer_only_off_webchat(mine, widget, contact, alice):
    with pytest.raises(InvalidTransition, match="already is in the website messenger"):
        run(mine, "$webtransfer", alice)
    email = ChannelConnection.objects.create(account=widget.account, widget=widget, kind="email")
    other = services.start_conversation(
        widget, contact, "Per Mail", actor=Actor.for_contact(contact), connection=email
    )
    services.assign_operator(other, alice, actor=Actor.for_operator(alice))
    run(other, "$webtransfer", alice)
    link_message = other.messages.order_by("entry__seq").last()
    assert f"/chat/{widget.key}/?continue=" in link_message.body


def test_block_and_unblock(mine, alice):
    run(mine, "$block", alice)
    assert reload(mine).contact.blocked
    run(mine, "$unblock", alice)
    assert not reload(mine).contact.blocked


def test_verify_sends_a_code(mine, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert run(mine, "$verify", alice) == "A verification code was sent to clara@example.com."
    assert VerificationCode.objects.filter(contact=mine.contact).count() == 1
    assert mail.outbox[-1].to == ["clara@example.com"]


def test_send_and_dispatch_transcripts_on_end(mine, alice, django_capture_on_commit_callbacks):
    run(mine, "$send", alice)
    run(mine, "$dispatch", alice)
    run(mine, "$dispatch chef@acme.test", alice)
    with pytest.raises(ValidationFailed):
        run(mine, "$dispatch kaputt", alice)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.end_conversation(reload(mine), actor=Actor.for_operator(alice))
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@acme.test",
        "chef@acme.test",
        "clara@example.com",
    ]


def test_macro_language_variant_and_placeholders(mine, alice, account):
    macros.create_macro(
        account,
        actor=Actor.for_operator(alice),
        name="Gruss",
        texts={
            "en": "Hello {contact.name}, {operator.first_name} here.",
            "de": "Hallo {contact.name}, hier ist {operator.first_name}.",
        },
        default_language="en",
    )
    services.set_locale(mine, "de", actor=Actor.for_operator(alice))
    run(reload(mine), "![gruss]", alice)
    assert mine.messages.order_by("entry__seq").last().body == (
        "Hallo Clara Kundin, hier ist Alice."
    )


def test_unknown_macro(mine, alice):
    with pytest.raises(DomainError, match="no macro called"):
        run(mine, "![Nichts]", alice)


def test_push_macro_needs_contact_online(mine, alice, account, contact):
    macros.create_macro(
        account,
        actor=Actor.for_operator(alice),
        name="Preise",
        kind="push",
        url="https://shop.example/preise",
    )
    with pytest.raises(InvalidTransition, match="online"):
        run(mine, "![Preise]", alice)
    contact_opens_messenger(contact)
    with capture_events() as sent:
        run(reload(mine), "![Preise]", alice)
    assert [e["url"] for e, _ in sent if e["type"] == "messenger.push"] == [
        "https://shop.example/preise"
    ]
    assert mine.timeline.filter(kind=EntryKind.PUSH).exists()


def test_catalogue_lists_every_command():
    names = {c["name"] for c in catalogue()}
    assert names == {
        "name",
        "email",
        "locale",
        "note",
        "send",
        "dispatch",
        "topic",
        "status",
        "forward",
        "rating",
        "webtransfer",
        "block",
        "unblock",
        "verify",
    }
