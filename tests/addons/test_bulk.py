"""Run add-on in bulk from All conversations (R-ARCH-2): the archive's bulk job runs the add-on
on every selected conversation from its worker, with progress; a failed run is counted as
refused with its reason; each run is in the log and in its conversation."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from messagecenter.addons.models import AddonRun, RunState, RunTrigger
from messagecenter.archive.models import BulkJob, JobState
from messagecenter.conversations.models import Note
from tests.addons.conftest import JSON, make_addon
from tests.conftest import capture_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


def post_job(client, **data):
    with capture_events():
        return client.post(reverse("archive_jobs"), data, **JSON)


def test_bulk_run_on_the_selection_with_progress_and_refusals(
    bob_client,
    bob,
    make,
    addon,
    addon_server,
):
    first, second, third = make("Hallo"), make("Guten Tag"), make("Moin")

    def answer(event):
        conversation = event["data"]["conversation"]["id"]
        if conversation == second.public_id:
            return 500, "text/plain", b"boom"
        note = {"type": "add_note", "text": f"Synced {conversation}"}
        return 200, "application/json", json.dumps({"actions": [note]}).encode()

    addon_server.responder = answer

    response = post_job(
        bob_client,
        action="run_addon",
        addon=addon.public_id,
        ids=[first.public_id, second.public_id, third.public_id],
    )

    assert response.status_code == 202
    job = BulkJob.objects.get(public_id=response.json()["id"])
    assert (job.state, job.total, job.processed, job.done_count, job.refused_count) == (
        JobState.DONE, 3, 3, 2, 1,
    )  # fmt: skip
    assert job.reasons == {"Shop orders: The add-on answered HTTP 500.": 1}
    seen = [event["data"]["conversation"]["id"] for event in addon_server.received]
    assert sorted(seen) == sorted(c.public_id for c in (first, second, third))
    assert addon_server.forged == 0
    runs = AddonRun.objects.filter(trigger=RunTrigger.BULK)
    assert runs.count() == 3 and {r.started_by_id for r in runs} == {bob.pk}
    assert runs.get(conversation=second).state == RunState.FAILED
    assert Note.objects.filter(conversation=first, body__startswith="Synced").exists()
    assert not Note.objects.filter(conversation=second).exists()
    progress = bob_client.get(reverse("archive_job", args=[job.public_id]), **JSON).json()
    assert (progress["label"], progress["processed"], progress["total"]) == ("Run add-on", 3, 3)


def test_only_add_ons_offered_in_bulk_are_offered_and_accepted(
    bob_client,
    account,
    alice,
    make,
    addon_server,
):
    page = bob_client.get(reverse("archive")).content.decode()
    assert 'value="run_addon"' not in page  # no add-on for bulk: the action is not offered

    conversation_only = make_addon(account, alice, addon_server, name="Sidebar only")
    bulk = make_addon(account, alice, addon_server, name="CRM sync", in_bulk=True)
    page = bob_client.get(reverse("archive")).content.decode()
    assert 'value="run_addon"' in page
    assert f'<option value="{bulk.public_id}">CRM sync</option>' in page
    assert conversation_only.public_id not in page

    response = post_job(
        bob_client, action="run_addon", addon=conversation_only.public_id, ids=[make().public_id]
    )
    assert response.status_code == 422
    assert response.json()["error"] == "Choose an add-on."
    assert not AddonRun.objects.exists()
