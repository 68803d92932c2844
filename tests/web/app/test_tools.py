"""The composer's `$` command picker and `!` macro picker (R-CMD, R-MACRO-2): the pickers'
data, a command run through the command engine, a macro rendered for editing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.conversations.models import Status
from messagecenter.core.actors import Actor
from messagecenter.macros import services as macros
from messagecenter.macros.models import MacroKind
from tests.web.app.conftest import JSON


@pytest.fixture
def greeting(account, alice):
    group = macros.create_group(account, "Begrüßung", actor=Actor.for_operator(alice))
    return macros.create_macro(
        account,
        actor=Actor.for_operator(alice),
        name="Hallo",
        group=group,
        texts={"de": "Hallo {contact.name}, hier ist {operator.first_name}.", "en": "Hi there"},
        default_language="en",
    )


@pytest.fixture
def push(account, alice):
    return macros.create_macro(
        account,
        actor=Actor.for_operator(alice),
        name="Preise",
        kind=MacroKind.PUSH,
        url="https://shop.example/preise",
    )


def run(client, conversation, text):
    path = reverse("conversation_command", args=[conversation.public_id])
    return client.post(path, {"text": text}, **JSON)


def tools(client, conversation):
    return client.get(reverse("conversation_tools", args=[conversation.public_id]))


# --- the pickers' data ------------------------------------------------------------------------


def test_tools_list_commands_completions_and_macros(alice_client, alices, greeting, bob):
    alices.locale = "de"
    alices.save(update_fields=["locale"])

    data = tools(alice_client, alices).json()

    names = [command["name"] for command in data["commands"]]
    assert "status" in names and "forward" in names and "macro" not in names
    status = next(c for c in data["commands"] if c["name"] == "status")
    assert status["completes"] == "statuses" and status["help"] == "Set the status"
    assert data["completions"]["statuses"] == ["open", "waiting", "ended"]
    assert data["completions"]["locales"] == ["en", "de"]
    assert "Alice Admin" in data["completions"]["operators"]
    assert data["completions"]["groups"] == ["Support"]
    # Colleagues a note can mention, with the handle the mention parser understands.
    assert data["mentions"] == [{"name": "Bob Builder", "email": "bob@acme.test", "handle": "bob"}]
    assert data["macros"] == [
        {
            "name": "Hallo",
            "kind": "text",
            "group": "Begrüßung",
            "text": "Hallo {contact.name}, hier ist {operator.first_name}.",
        }
    ]


def test_command_help_is_translated(alice_client, alice, alices):
    alice.language = "de"
    alice.save(update_fields=["language"])

    data = tools(alice_client, alices).json()

    status = next(c for c in data["commands"] if c["name"] == "status")
    assert status["help"] == "Status setzen"


def test_push_macros_only_while_the_contact_is_online(alice_client, alices, greeting, push):
    data = tools(alice_client, alices).json()

    assert [m["name"] for m in data["macros"]] == ["Hallo"]


# --- running a command ---------------------------------------------------------------------------


def test_a_command_runs_and_answers_with_its_message(alice_client, alices):
    response = run(alice_client, alices, "$status waiting")

    assert response.status_code == 200
    assert response.json()["message"] == "Status set to Waiting."
    assert response.json()["conversation"]["status"] == Status.WAITING
    alices.refresh_from_db()
    assert alices.status == Status.WAITING


def test_any_operator_may_run_commands_the_engine_allows(bob_client, alices):
    response = run(bob_client, alices, "$note Bitte Rückruf")

    assert response.json() == {
        "ok": True,
        "message": "Note added.",
        "conversation": response.json()["conversation"],
    }
    assert alices.notes.get().body == "Bitte Rückruf"


def test_a_refused_command_shows_the_engines_message_and_changes_nothing(alice_client, alices):
    before = alices.last_seq

    response = run(alice_client, alices, "$status sleeping")

    assert response.status_code == 422
    assert response.json()["error"] == "The status can be open, waiting or ended."
    alices.refresh_from_db()
    assert alices.last_seq == before and alices.status == Status.OPEN


def test_an_unknown_command_is_explained(alice_client, alices):
    response = run(alice_client, alices, "$fly")

    assert response.json()["error"] == "Unknown command $fly. Type $ to see all commands."


def test_a_failed_precondition_is_explained(alice_client, alices):
    response = run(alice_client, alices, "$webtransfer")

    assert response.json()["ok"] is False
    assert response.json()["error"] == "This conversation already is in the website messenger."


def test_a_plain_form_post_redirects_back(alice_client, alices):
    path = reverse("conversation_command", args=[alices.public_id])

    response = alice_client.post(path, {"text": "$status waiting"})

    assert response.status_code == 302
    assert response.url == reverse("conversation", args=[alices.public_id])


# --- macros --------------------------------------------------------------------------------------


def test_a_macro_is_sent_at_once(alice_client, alices, greeting):
    response = run(alice_client, alices, "![Hallo]")

    assert response.json()["message"] == "Macro Hallo sent."
    assert alices.messages.order_by("pk").last().body == "Hi there"


def test_an_unknown_macro_is_explained(alice_client, alices):
    response = run(alice_client, alices, "![Nope]")

    assert response.status_code == 404


def test_a_push_macro_to_an_offline_contact_is_refused_with_the_services_message(
    alice_client, alices, push
):
    response = run(alice_client, alices, "![Preise]")

    assert response.json()["ok"] is False
    assert response.json()["error"]


def test_a_macro_is_rendered_for_editing(alice_client, alices, greeting):
    alices.locale = "de"
    alices.save(update_fields=["locale"])
    path = reverse("conversation_macro_text", args=[alices.public_id])

    response = alice_client.get(path, {"name": "hallo"})

    assert response.json()["text"] == "Hallo Clara Kundin, hier ist Alice."


def test_an_unknown_macro_to_insert_is_not_found(alice_client, alices):
    path = reverse("conversation_macro_text", args=[alices.public_id])

    assert alice_client.get(path, {"name": "Nope"}).status_code == 404


# --- outsiders -----------------------------------------------------------------------------------


def test_an_outsider_gets_404_everywhere(charlie_client, alices, greeting):
    before = alices.last_seq

    assert tools(charlie_client, alices).status_code == 404
    assert run(charlie_client, alices, "$status waiting").status_code == 404
    path = reverse("conversation_macro_text", args=[alices.public_id])
    assert charlie_client.get(path, {"name": "Hallo"}).status_code == 404
    alices.refresh_from_db()
    assert alices.last_seq == before and alices.status == Status.OPEN


# --- transcripts, e-mail verification, rating (the action bar and the sidebar) ------------------


def transcript(client, conversation, to):
    path = reverse("conversation_transcript", args=[conversation.public_id])
    return client.post(path, {"to": to}, **JSON)


def test_send_the_transcript_to_the_contact_when_it_ends(bob_client, alices):
    response = transcript(bob_client, alices, "contact")

    assert response.json()["message"] == (
        "The transcript will be e-mailed to clara@example.com when the conversation ends."
    )
    alices.refresh_from_db()
    assert alices.transcript_to_contact is True


def test_send_the_transcript_to_me_now_when_it_has_ended(
    alice_client, alices, alice, django_capture_on_commit_callbacks
):
    from messagecenter.conversations import services

    services.end_conversation(alices, actor=Actor.for_operator(alice))

    with django_capture_on_commit_callbacks(execute=True):
        response = transcript(alice_client, alices, "me")

    assert response.json()["message"] == "The transcript is being e-mailed to alice@acme.test now."


@pytest.fixture
def without_address(account, widget, alice):
    from messagecenter.contacts.services import create_contact
    from tests.helpers import conversation_in

    return conversation_in(Status.OPEN, widget, create_contact(account, name="Anonym"), alice)


def test_a_transcript_without_contact_address_is_refused(alice_client, without_address):
    alices = without_address
    before = alices.last_seq

    response = transcript(alice_client, alices, "contact")

    assert response.status_code == 422
    assert response.json()["error"] == "The contact has no e-mail address for the transcript."
    alices.refresh_from_db()
    assert alices.last_seq == before


def test_verify_email_sends_a_code_and_shows_the_masked_address(alice_client, alices, mailoutbox):
    path = reverse("conversation_verify_email", args=[alices.public_id])

    response = alice_client.post(path, **JSON)

    assert response.json()["message"] == "A verification code was sent to c•••@example.com."


def test_verify_email_without_address_is_refused(alice_client, without_address):
    alices = without_address
    path = reverse("conversation_verify_email", args=[alices.public_id])

    response = alice_client.post(path, **JSON)

    assert response.status_code == 422
    # The service's own message (normalise_email refuses the empty address first).
    assert response.json()["error"] == "Enter a valid e-mail address."


def test_outsiders_cannot_request_transcripts_or_codes(charlie_client, alices):
    assert transcript(charlie_client, alices, "me").status_code == 404
    path = reverse("conversation_verify_email", args=[alices.public_id])
    assert charlie_client.post(path, **JSON).status_code == 404
    alices.refresh_from_db()
    assert alices.transcript_recipients == []


def test_the_details_show_rating_and_feedback(alice_client, alices):
    alices.rating = 4
    alices.feedback = "Sehr hilfreich"
    alices.save(update_fields=["rating", "feedback"])

    response = alice_client.get(reverse("conversation_details", args=[alices.public_id]))

    body = response.content.decode()
    assert "★★★★☆" in body and 'aria-label="4 of 5 stars"' in body
    assert "Sehr hilfreich" in body


def test_the_page_offers_transcript_and_verification(alice_client, alices):
    body = alice_client.get(reverse("conversation", args=[alices.public_id])).content.decode()

    assert "Send transcript to the contact" in body and "Send transcript to me" in body
    assert "Verify e-mail" in body
