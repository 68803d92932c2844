"""Charlie (Globex) holds a valid token with every scope. Whatever Acme id he sends, every
endpoint answers 404 — never 403, which would confirm the id exists — and changes nothing."""

from __future__ import annotations

import io

import pytest

from messagecenter.accounts.models import ApiToken, AuditEntry
from messagecenter.api.api import api
from messagecenter.contacts.fields import define_field
from messagecenter.contacts.services import create_contact
from messagecenter.conversations.models import Status, TimelineEntry
from messagecenter.conversations.services import create_topic
from messagecenter.core.actors import Actor
from messagecenter.directory.notes import add_note
from messagecenter.files.services import store_file
from messagecenter.macros.services import create_macro
from messagecenter.transports.email.models import MailAttachment
from messagecenter.widgets.services import create_widget
from tests.api.conftest import assert_problem
from tests.conftest import as_actor
from tests.helpers import conversation_in, start

pytestmark = pytest.mark.django_db

CV = "/conversations/{conversation_id}"
CT = "/contacts/{contact_id}"
# (method, OpenAPI path, body): every endpoint that takes an id. The ids are Acme's: its
# conversation, a note (``seq``) in it, and alice's token.
OUTSIDER_CASES = [
    ("get", CV, None),
    ("get", CV + "/timeline", None),
    ("get", CV + "/files/{file_id}", None),
    ("post", CV + "/messages", {"body": "Hallo"}),
    ("delete", CV + "/messages/{seq}", None),
    ("post", CV + "/messages/{seq}/retry", None),
    ("post", CV + "/notes", {"body": "Psst"}),
    ("patch", CV + "/notes/{seq}", {"body": "Psst"}),
    ("delete", CV + "/notes/{seq}", None),
    ("post", CV + "/status", {"status": "open"}),
    ("post", CV + "/end", None),
    ("post", CV + "/assign", {"unassign": True}),
    ("post", CV + "/commands", {"text": "$status open"}),
    ("delete", "/tokens/{token_id}", None),
    ("patch", CV, {"subject": "Fremd"}),
    ("post", CV + "/transcript", {"to_contact": True}),
    ("post", CV + "/uploads", None),
    ("get", CT, None),
    ("patch", CT, {"name": "Fremd"}),
    ("patch", CT + "/custom-data", {"data": {"x": 1}}),
    ("post", CT + "/block", {"blocked": True}),
    ("post", CT + "/erasure", None),
    ("get", CT + "/export", None),
    ("get", CT + "/notes", None),
    ("post", CT + "/notes", {"body": "Fremd"}),
    ("patch", CT + "/notes/{note_id}", {"body": "Fremd"}),
    ("delete", CT + "/notes/{note_id}", None),
    ("delete", "/custom-fields/{key}", None),
    ("get", "/operators/{operator_id}", None),
    ("patch", "/operators/{operator_id}", {"max_slots": 1}),
    ("post", "/operators/{operator_id}/presence", {"presence": "online"}),
    ("get", "/groups/{group_id}", None),
    ("patch", "/groups/{group_id}", {"name": "Fremd"}),
    ("delete", "/groups/{group_id}", None),
    ("patch", "/topics/{topic_id}", {"name": "Fremd"}),
    ("delete", "/topics/{topic_id}", None),
    ("get", "/widgets/{widget_id}", None),
    ("patch", "/widgets/{widget_id}", {"name": "Fremd"}),
    ("get", "/channels/{channel_id}", None),
    ("get", "/macros/{macro_id}", None),
    ("patch", "/macros/{macro_id}", {"name": "Fremd"}),
    ("delete", "/macros/{macro_id}", None),
]
# Endpoints authenticated by a signature instead of a token: any caller without the channel's
# secret is refused (401) — tested in tests/transports/custom/test_inbound.py.
SIGNED_ENDPOINTS = {("post", "/channels/{channel_id}/messages")}


def attached_file(conversation):
    """A file one of the conversation's messages carries (as a mail's attachment would)."""
    stored = store_file(
        conversation.account,
        io.BytesIO(b"%PDF-1.4 x"),
        "r.pdf",
        actor=Actor.system(conversation.account),
    )
    MailAttachment.objects.create(message=conversation.messages.first(), file=stored, position=1)
    return stored


@pytest.fixture
def acme(account, support_group, widget, contact, alice, alice_api):
    """Acme's conversation with a note, and alice's live token."""
    conversation = conversation_in(Status.WAITING, widget, contact, alice)
    note = alice_api.post(f"/conversations/{conversation.public_id}/notes", {"body": "Intern"})
    return {
        "file_id": attached_file(conversation).public_id,
        "conversation_id": conversation.public_id,
        "seq": note.json()["seq"],
        "token_id": ApiToken.objects.get(operator=alice).public_id,
        "operator": alice.public_id,
        "operator_id": alice.public_id,
        "contact_id": contact.public_id,
        "note_id": add_note(contact, "Intern", actor=as_actor(alice)).pk,
        "key": define_field(account, actor=as_actor(alice), key="plan", label="Plan").key,
        "group_id": support_group.public_id,
        "topic_id": create_topic(account, "Billing", actor=as_actor(alice)).public_id,
        "widget_id": widget.public_id,
        "channel_id": widget.connections.get().public_id,
        "macro_id": create_macro(
            account, actor=as_actor(alice), name="Gruss", texts={"de": "Hallo"}
        ).public_id,
    }


@pytest.mark.parametrize(("method", "template", "body"), OUTSIDER_CASES)
def test_outsider_gets_404_and_changes_nothing(charlie_api, acme, method, template, body):
    entries_before = TimelineEntry.objects.count()
    audit_before = AuditEntry.objects.count()
    path = template.format(**acme)

    if template.endswith("/uploads"):
        response = charlie_api.upload(path, b"%PDF-1.4 x", "r.pdf")
    elif method in ("post", "patch"):
        response = getattr(charlie_api, method)(path, body)
    else:
        response = getattr(charlie_api, method)(path)

    assert_problem(response, 404, "not_found")
    assert TimelineEntry.objects.count() == entries_before
    assert AuditEntry.objects.count() == audit_before
    assert ApiToken.objects.get(public_id=acme["token_id"]).revoked_at is None


def test_outsider_cases_cover_every_endpoint_with_an_id():
    """A new endpoint taking an id must get an outsider case above."""
    schema = api.get_openapi_schema(path_prefix="")
    with_ids = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if "{" in path
    }
    covered = {(method, path) for method, path, _body in OUTSIDER_CASES} | SIGNED_ENDPOINTS
    assert with_ids == covered


def test_outsider_list_never_shows_acme(charlie_api, charlie, other_account, acme, widget, contact):
    start(widget, contact)  # more Acme data
    globex_widget = create_widget(other_account, "Globex site")
    globex_contact = create_contact(other_account, name="Gustav Globex")
    own = start(globex_widget, globex_contact)

    for params in (
        {},
        {"status": "waiting"},
        {"assigned": acme["operator"]},
        {"assigned": "unassigned"},
    ):
        items = charlie_api.get("/conversations", params).json()["items"]
        assert {item["id"] for item in items} <= {own.public_id}, params
    assert [i["id"] for i in charlie_api.get("/conversations").json()["items"]] == [own.public_id]


def test_outsider_assign_target_from_other_account_is_404(
    charlie_api, charlie, other_account, acme
):
    globex = start(create_widget(other_account, "Globex"), create_contact(other_account, name="G"))

    response = charlie_api.post(
        f"/conversations/{globex.public_id}/assign", {"operator": acme["operator"]}
    )

    assert_problem(response, 404, "not_found")


def test_outsider_token_list_shows_only_own_account(charlie_api, acme):
    listed = charlie_api.get("/tokens").json()["items"]

    assert acme["token_id"] not in {token["id"] for token in listed}
    assert len(listed) == 1
