"""Every timeline entry kind has a rendering, in English and German, on page load and live.

The list of kinds comes from ``EntryKind``: a new kind without a sentence (and a sample here)
fails, instead of reaching operators as a raw "someone: rating".
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from messagecenter.accounts import services as accounts
from messagecenter.contacts import verification
from messagecenter.conversations import ratings, transcripts
from messagecenter.conversations.commands import run_command
from messagecenter.conversations.models import EntryKind, Status
from messagecenter.core.actors import Actor
from tests.helpers import contact_opens_messenger, conversation_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One entry's data per system-event kind; messages and notes have their own templates.
SAMPLES = {
    "note_edited": {"note_seq": 1},
    "message_deleted": {"message_seq": 1},
    "status_changed": {"from": "open", "to": "waiting"},
    "assigned": {"operator": None, "group": None},
    "routing_decision": {"winner": None, "candidates": []},
    "live_changed": {"live": True, "reason": "routed"},
    "updated": {"field": "subject", "value": "Rechnung"},
    "call": {"event": "started"},
    "command": {"command": "$webtransfer"},
    "rating": {"state": "rated", "rating": 4, "feedback": "Danke"},
    "verification": {"state": "verified"},
    "transcript": {"state": "requested", "to_contact": True, "recipients": 0},
    "push": {"url": "https://shop.example/"},
    "blocked": {"blocked": True},
}
OWN_TEMPLATES = {"message", "note", "note_deleted"}  # note_deleted marks its note instead

DESCRIBE = """([kind, data]) => import("/static/web/js/timeline.js").then((m) => {
  const entry = {kind, data, seq: 1, at: new Date().toISOString(), session: 1,
                 actor: {kind: "operator", id: "op_x", name: "Alex Morgan"}};
  const directory = {operators: [], groups: [], topics: []};
  return {known: m.RENDERED_KINDS, text: m.describe(entry, directory)[1]};
})"""
# Renders entries into a detached timeline, returns the routing details' summaries.
CANDIDATES = """(samples) => import("/static/web/js/timeline.js").then((m) =>
 samples.map((data) => {
  const root = document.createElement("div");
  root.innerHTML = "<ol data-entries></ol>";
  const entry = {kind: "routing_decision", data, seq: 1, session: 1, at: new Date().toISOString(),
                 actor: {kind: "system", id: "", name: ""}};
  const context = {directory: {operators: [], groups: []}, mayDelete: () => false};
  new m.Timeline(root, {entries: [entry], sessions: {}}, context);
  const items = [...root.querySelectorAll(".event__candidates li")].map((li) => li.textContent);
  return [root.querySelector("summary").textContent, ...items];
}))"""


@pytest.fixture
def dora(account, support_group):
    return accounts.create_operator(
        account, name="Dora Dahl", email="dora@acme.test", language="de", groups=[support_group]
    )


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_entry_kind_has_a_sentence(app_for, alice, dora, widget, contact, language):
    operator = alice if language == "en" else dora
    conversation = conversation_in(Status.OPEN, widget, contact, operator)
    page = app_for(operator).open(f"/inbox/{conversation.public_id}/")

    for kind in EntryKind.values:
        result = page.evaluate(DESCRIBE, [kind, SAMPLES.get(kind, {})])
        assert kind in result["known"], f"timeline.js does not render {kind!r}"
        if kind in OWN_TEMPLATES:
            continue
        assert kind in SAMPLES, f"add a sample for {kind!r} to this test"
        text = result["text"]
        assert text and not text.endswith(f": {kind}"), (kind, text)  # not the fallback
        if language == "de":
            assert not re.search(r"\b(the|was|has)\b", text), (kind, text)  # not English


def test_ratings_transcripts_blocks_and_verifications_render_live_and_on_load(
    app_for, alice, widget, contact, django_capture_on_commit_callbacks
):
    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    page = app_for(alice).open(f"/inbox/{conversation.public_id}/")
    me = Actor.for_operator(alice)

    contact_opens_messenger(contact)
    ratings.request_rating(conversation, actor=me)
    ratings.submit_rating(
        conversation, 4, "Schnell und freundlich", actor=Actor.for_contact(contact)
    )
    transcripts.request_transcript(
        conversation, actor=me, to_contact=True, recipients=["chef@acme.test"]
    )
    run_command(conversation, "$block", actor=me)
    run_command(conversation, "$unblock", actor=me)
    run_command(conversation, "$verify", actor=me)
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    verification.submit_code(contact, code, actor=Actor.for_contact(contact))

    expected = [
        "Alice Admin asked the contact for a rating.",
        "Clara Kundin rated the conversation 4 of 5.",
        "Alice Admin asked for the transcript to be e-mailed to the contact and 1 more address"
        " when the conversation ends.",
        "Alice Admin blocked the contact.",
        "Alice Admin unblocked the contact.",
        "Alice Admin sent the contact a verification code.",
        "Clara Kundin verified the e-mail address.",
    ]
    for reloaded in (False, True):
        if reloaded:
            page.reload()
        for text in expected:
            expect(page.locator(".event", has_text=text)).to_be_visible()
        rated = page.locator(".event", has_text="rated the conversation")
        expect(rated.locator(".event__stars")).to_have_text("★★★★☆")
        expect(rated.locator(".event__feedback")).to_have_text("Schnell und freundlich")


def test_routing_candidates_are_counted_in_both_languages(app_for, alice, dora, widget, contact):
    conversation = conversation_in(Status.OPEN, widget, contact, alice)
    one = {"winner": None, "candidates": [{"name": "Alice Admin", "free": 1}]}
    two = {"winner": None, "candidates": [{"name": "A", "free": 2}, {"name": "B", "free": 0}]}
    for operator, texts in (
        (
            alice,
            [
                ["1 candidate", "Alice Admin: 1 free slot"],
                ["2 candidates", "A: 2 free slots", "B: 0 free slots"],
            ],
        ),
        (
            dora,
            [
                ["1 Kandidat", "Alice Admin: 1 freier Slot"],
                ["2 Kandidaten", "A: 2 freie Slots", "B: 0 freie Slots"],
            ],
        ),
    ):
        page = app_for(operator).open(f"/inbox/{conversation.public_id}/")
        labels = page.evaluate(CANDIDATES, [one, two])
        assert labels == texts
