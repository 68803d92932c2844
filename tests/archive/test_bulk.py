"""Bulk actions (R-ARCH-2): one background job through the domain services, with progress and
a summary of what was done and what was refused, and why."""

from __future__ import annotations

import pytest
from django.urls import reverse

from messagecenter.accounts.models import AuditEntry
from messagecenter.archive import services as archive
from messagecenter.archive.models import BulkJob, JobState
from messagecenter.conversations.models import Conversation, Message, Note, Status, TimelineEntry
from messagecenter.conversations.notes import add_note
from messagecenter.conversations.services import create_topic
from messagecenter.core.actors import Actor
from messagecenter.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from messagecenter.search.models import MessageDocument
from tests.archive.conftest import JSON
from tests.conftest import capture_events
from tests.search.conftest import found

pytestmark = pytest.mark.django_db


def post_job(client, **data):
    """POST the action bar as archive.js does; jobs run at once in tests (immediate mode)."""
    with capture_events():
        response = client.post(reverse("archive_jobs"), data, **JSON)
    return response


def job_of(response) -> BulkJob:
    return BulkJob.objects.get(public_id=response.json()["id"])


def test_assign_the_selected_conversations_to_an_operator(alice_client, make, bob):
    first, second, untouched = make(), make(), make()

    response = post_job(
        alice_client, action="assign_operator", operator=bob.public_id,
        ids=[first.public_id, second.public_id],
    )  # fmt: skip

    assert response.status_code == 202
    job = job_of(response)
    assert (job.state, job.total, job.processed, job.done_count, job.refused_count) == (
        JobState.DONE,
        2,
        2,
        2,
        0,
    )
    assigned = set(Conversation.objects.filter(assigned_operator=bob).values_list("pk", flat=True))
    assert assigned == {first.pk, second.pk}
    assert untouched.pk not in assigned


def test_partial_refusal_is_summarised_with_the_services_reasons(alice_client, make, alice):
    active = [make(operator=alice), make(operator=alice)]
    ended = make(operator=alice, status=Status.ENDED)

    response = post_job(
        alice_client, action="set_status", status="ended",
        ids=[c.public_id for c in [*active, ended]],
    )  # fmt: skip

    job = job_of(response)
    assert (job.done_count, job.refused_count) == (2, 1)
    assert job.reasons == {"This conversation has already ended.": 1}
    assert job.examples == [
        {"conversation": ended.public_id, "reason": "This conversation has already ended."}
    ]
    summary = alice_client.get(reverse("archive_job", args=[job.public_id]), **JSON).json()
    assert summary["finished"] is True
    assert (summary["done"], summary["refused"]) == (2, 1)
    assert summary["reasons"] == [{"reason": "This conversation has already ended.", "count": 1}]


def test_all_matching_the_filter(alice_client, make, alice, bob, account):
    topic = create_topic(account, "Versand", actor=Actor.for_operator(alice))
    mine = [make(operator=alice), make(operator=alice), make(operator=alice)]
    others = make(operator=bob)

    response = post_job(
        alice_client, action="set_topic", topic=topic.public_id, scope="matching",
        filter=f"operator={alice.public_id}", ids=[mine[0].public_id],
    )  # fmt: skip

    job = job_of(response)
    assert (job.total, job.done_count) == (3, 3)
    with_topic = set(Conversation.objects.filter(topic=topic).values_list("pk", flat=True))
    assert with_topic == {c.pk for c in mine}
    assert others.pk not in with_topic


def test_all_matching_a_search(alice_client, make, bob):
    wanted = make("Die Rechnung stimmt nicht")
    make("Paket fehlt")

    job = job_of(post_job(alice_client, action="assign_operator", operator=bob.public_id,
                          scope="matching", filter="q=Rechnungen"))  # fmt: skip

    assert job.total == 1
    assert Conversation.objects.get(pk=wanted.pk).assigned_operator == bob


def test_assign_group_unassign_and_transcript(alice_client, make, alice, account):
    from messagecenter.accounts.services import create_group

    sales = create_group(account, "Sales")
    conversation = make(operator=alice)
    pid = [conversation.public_id]

    post_job(alice_client, action="unassign", ids=pid)
    assert Conversation.objects.get(pk=conversation.pk).assigned_operator is None
    post_job(alice_client, action="assign_group", group=sales.public_id, ids=pid)
    assert Conversation.objects.get(pk=conversation.pk).assigned_group == sales
    post_job(alice_client, action="send_transcript", ids=pid)
    assert Conversation.objects.get(pk=conversation.pk).transcript_to_contact is True


def test_a_transcript_for_a_contact_without_email_is_refused(alice_client, make, account):
    from messagecenter.contacts.services import create_contact

    anonymous = make(contact=create_contact(account, name="Ohne Adresse"))

    job = job_of(post_job(alice_client, action="send_transcript", ids=[anonymous.public_id]))

    assert job.refused_count == 1
    assert job.reasons == {"The contact has no e-mail address for the transcript.": 1}


def test_a_bad_target_fails_at_once_not_in_the_job(alice_client, make, charlie):
    conversation = make()

    unknown = post_job(
        alice_client, action="assign_operator", operator="op_nobody", ids=[conversation.public_id]
    )
    foreign = post_job(
        alice_client,
        action="assign_operator",
        operator=charlie.public_id,
        ids=[conversation.public_id],
    )
    nothing = post_job(alice_client, action="unassign")
    bogus = post_job(alice_client, action="run_addon", ids=[conversation.public_id])

    assert unknown.status_code == foreign.status_code == 404
    assert nothing.status_code == bogus.status_code == 422
    assert not BulkJob.objects.exists()


def test_an_outsiders_ids_select_nothing(client, make, charlie):
    conversation = make()
    client.force_login(charlie)

    job = job_of(post_job(client, action="unassign", ids=[conversation.public_id]))

    assert (job.total, job.processed) == (0, 0)


def test_a_job_is_visible_to_its_creator_only(alice_client, make, client, bob):
    job = job_of(post_job(alice_client, action="unassign", ids=[make().public_id]))
    client.force_login(bob)

    assert client.get(reverse("archive_job", args=[job.public_id]), **JSON).status_code == 404


def test_the_job_page_without_javascript(alice_client, make):
    with capture_events():
        response = alice_client.post(
            reverse("archive_jobs"), {"action": "unassign", "ids": [make().public_id]}
        )

    assert response.status_code == 302
    page = alice_client.get(response["Location"])
    assert b"1 done, 0 refused" in page.content


def test_a_job_runs_once(alice_client, make):
    from messagecenter.archive import jobs

    job = job_of(post_job(alice_client, action="unassign", ids=[make().public_id]))

    assert jobs.run(job.pk) is None  # already claimed and done


# --- deleting -------------------------------------------------------------------------------


def test_delete_asks_for_the_count_first(alice_client, make, alice):
    conversation = make(operator=alice, status=Status.ENDED)

    response = post_job(alice_client, action="delete", ids=[conversation.public_id])

    assert response.status_code == 422
    assert response.json()["code"] == "confirm"
    assert response.json()["count"] == 1
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_delete_without_javascript_confirms_on_a_page_naming_the_count(alice_client, make, alice):
    conversation = make(operator=alice, status=Status.ENDED)

    page = alice_client.post(
        reverse("archive_jobs"), {"action": "delete", "ids": [conversation.public_id]}
    )

    assert page.status_code == 409
    assert b"Delete 1 conversation" in page.content
    assert b'name="confirm" value="1"' in page.content


def test_delete_removes_everything_and_refuses_active_conversations(
    alice_client, make, alice, account
):
    ended = make("Geheime Bestellung", operator=alice, status=Status.ENDED)
    add_note(ended, "Interne Notiz", actor=Actor.for_operator(alice))
    active = make("Geheime Bestellung", operator=alice)

    response = post_job(
        alice_client, action="delete", confirm="2", ids=[ended.public_id, active.public_id]
    )

    job = job_of(response)
    assert (job.done_count, job.refused_count) == (1, 1)
    assert job.reasons == {"Only ended conversations can be deleted. End it first.": 1}
    assert not Conversation.objects.filter(pk=ended.pk).exists()
    for model in (TimelineEntry, Message, Note, MessageDocument):
        assert not model.objects.filter(conversation_id=ended.pk).exists()
    assert found(account, "Geheime") == {active.pk}
    audit = AuditEntry.objects.get(action="conversation.deleted")
    assert (audit.target_id, audit.data) == (ended.public_id, {"messages": 1, "notes": 1})


def test_only_administrators_delete(client, make, bob, alice):
    conversation = make(operator=alice, status=Status.ENDED)
    client.force_login(bob)

    response = post_job(client, action="delete", confirm="1", ids=[conversation.public_id])

    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        archive.delete_conversation(conversation, actor=Actor.for_operator(bob))


def test_deleting_tells_the_account_after_commit(make, alice):
    conversation = make(operator=alice, status=Status.ENDED)

    with capture_events() as sent:
        archive.delete_conversation(conversation, actor=Actor.for_operator(alice))

    deleted = [(e, g) for e, g in sent if e["type"] == "conversation.deleted"]
    account_id, conversation_id = alice.account.public_id, conversation.public_id
    assert deleted == [
        (
            {
                "type": "conversation.deleted",
                "account": account_id,
                "conversation": conversation_id,
            },
            sorted([f"account.{account_id}", f"conversation.{conversation_id}"]),
        )
    ]


def test_delete_conversations_summarises(make, alice):
    ended, active = make(operator=alice, status=Status.ENDED), make(operator=alice)

    outcome = archive.delete_conversations([ended, active], actor=Actor.for_operator(alice))

    assert (outcome.done, outcome.refused) == (1, 1)
    with pytest.raises(InvalidTransition):
        archive.delete_conversation(active, actor=Actor.for_operator(alice))


def test_a_changed_selection_needs_a_new_confirmation(make, alice, account):
    ended = make(operator=alice, status=Status.ENDED)

    with pytest.raises(ValidationFailed) as refused:
        archive.start_bulk_job(
            account, "delete", {}, actor=Actor.for_operator(alice),
            filter_query="status=ended", confirmed_count=5,
        )  # fmt: skip

    assert refused.value.details == {"count": 1}
    assert Conversation.objects.filter(pk=ended.pk).exists()


# --- crashes (issue 17) -------------------------------------------------------------------


class WorkerDied(BaseException):
    """Stands for the worker process being killed: nothing catches it."""


def test_bulk_job_killed_mid_way_resumes_after_the_last_conversation_done(
    alice_client, make, alice, clock, monkeypatch
):
    """GIVEN a bulk "set topic" over five conversations whose worker dies on the third
    WHEN the lease has expired and the sweep runs THEN the job continues with the third:
    each conversation gets its topic (and its timeline entry) exactly once."""
    from messagecenter.archive import actions
    from messagecenter.jobs import runner

    topic = create_topic(alice.account, "Rechnung", actor=Actor.for_operator(alice))
    conversations = [make() for _ in range(5)]
    real_apply = actions.ACTIONS["set_topic"].apply
    applied: list[int] = []

    def dies_on_the_third(conversation, target, actor):
        applied.append(conversation.pk)
        real_apply(conversation, target, actor)
        if len(applied) == 3:
            raise WorkerDied

    monkeypatch.setitem(
        actions.ACTIONS,
        "set_topic",
        actions.BulkAction("set_topic", "Set topic", actions._topic, dies_on_the_third),
    )
    with pytest.raises(WorkerDied):
        post_job(alice_client, action="set_topic", topic=topic.public_id,
                 ids=[c.public_id for c in conversations])  # fmt: skip
    job = BulkJob.objects.get()
    assert (job.state, job.processed) == (JobState.RUNNING, 2)

    clock.shift(61)
    with capture_events():
        runner.resume_stale()

    job.refresh_from_db()
    assert (job.state, job.total, job.processed, job.done_count) == (JobState.DONE, 5, 5, 5)
    assert Conversation.objects.filter(topic=topic).count() == 5
    # Each once, but the third twice: its first attempt died before commit and rolled back.
    newest_first = [c.pk for c in reversed(conversations)]
    assert applied == newest_first[:3] + newest_first[2:]
