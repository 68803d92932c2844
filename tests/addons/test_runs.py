"""Running an add-on from the action bar: the signed POST a real add-on verifies with the
official ``standardwebhooks`` library, content shown in a sandboxed frame, actions applied
through the services (unknown ones refused with their reason), and every failure a clear
failed run in the log."""

from __future__ import annotations

import threading

import pytest
from django.urls import reverse

from messagecenter.addons import runs
from messagecenter.addons.models import AddonRun, RunState
from messagecenter.contacts.models import Contact
from messagecenter.conversations.models import Note
from messagecenter.conversations.services import create_topic
from messagecenter.core.actors import Actor
from tests.addons.conftest import JSON, after_commit, make_addon
from tests.conftest import capture_events

pytestmark = pytest.mark.django_db


def run_from_action_bar(client, conversation, addon):
    """POST as addons.js does; in tests the queued job runs at commit."""
    with after_commit():
        response = client.post(
            reverse("addon_run", args=[conversation.public_id, addon.public_id]), **JSON
        )
    return response


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


def test_content_answer_is_shown_in_a_sandboxed_frame(
    bob_client, bob, conversation, addon, addon_server
):
    addon_server.answers_html("<h1>Order 4711</h1><script>document.title='x'</script>")

    response = run_from_action_bar(bob_client, conversation, addon)

    assert response.status_code == 202
    run = AddonRun.objects.get(public_id=response.json()["run"]["id"])
    assert (run.state, run.response_status, run.trigger) == (
        RunState.SUCCEEDED,
        200,
        "conversation",
    )
    assert run.started_by == bob and run.duration_ms is not None
    # The add-on verified the signature with the official library; the run is the webhook-id.
    assert addon_server.forged == 0
    [event] = addon_server.received
    assert addon_server.headers[0]["webhook-id"] == run.public_id == event["id"]
    assert event["type"] == "addon.run"
    data = event["data"]
    assert data["conversation"]["id"] == conversation.public_id
    assert data["contact"]["name"] == "Clara Kundin"
    assert data["operator"]["id"] == bob.public_id
    assert [m["message"]["body"] for m in data["messages"]] == ["Where is my order 4711?"]

    status = bob_client.get(response.json()["run"]["url"]).json()
    assert status["finished"] and status["has_content"] and status["state"] == "succeeded"

    panel = bob_client.get(reverse("addon_panel", args=[conversation.public_id])).content.decode()
    content_url = reverse("addon_run_content", args=[run.public_id])
    assert 'sandbox="allow-scripts"' in panel and content_url in panel
    assert "allow-same-origin" not in panel

    content = bob_client.get(content_url)
    assert content.status_code == 200
    assert b"<h1>Order 4711</h1>" in content.content
    policy = content["Content-Security-Policy"]
    assert policy.startswith("sandbox allow-scripts;")
    assert "allow-same-origin" not in policy
    assert "connect-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert content["X-Frame-Options"] == "SAMEORIGIN"


def test_actions_are_applied_through_the_services_and_unknown_ones_refused(
    bob_client, bob, account, alice, conversation, addon, addon_server
):
    billing = create_topic(account, "Billing", actor=Actor.for_operator(alice))
    addon_server.answers_json(
        {
            "actions": [
                {"type": "set_topic", "topic": "billing"},
                {"type": "add_note", "text": "Order 4711 shipped on Monday."},
                {"type": "set_custom_data", "data": {"order": {"id": 4711, "state": "shipped"}}},
                {"type": "close_everything"},
                {"type": "set_topic", "topic": "No such topic"},
            ]
        }
    )

    response = run_from_action_bar(bob_client, conversation, addon)

    run = AddonRun.objects.get(public_id=response.json()["run"]["id"])
    assert run.state == RunState.SUCCEEDED
    conversation.refresh_from_db()
    assert conversation.topic == billing
    note = Note.objects.get(conversation=conversation)
    assert note.body.startswith("Order 4711 shipped on Monday.") and "Shop orders" in note.body
    assert note.author == bob
    contact = Contact.objects.get(pk=conversation.contact_id)
    assert contact.custom_data == {"order": {"id": 4711, "state": "shipped"}}
    assert [a["type"] for a in run.actions_applied] == ["set_topic", "add_note", "set_custom_data"]
    assert run.actions_refused == [
        {"type": "close_everything", "reason": "Unknown action “close_everything”."},
        {"type": "set_topic", "reason": "There is no topic “No such topic”."},
    ]
    panel = bob_client.get(reverse("addon_panel", args=[conversation.public_id])).content.decode()
    assert "Unknown action “close_everything”." in panel


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ((500, "text/plain", b"boom"), "The add-on answered HTTP 500."),
        ((404, "text/html", b"<p>nope</p>"), "The add-on answered HTTP 404."),
        ((200, "application/json", b"{not json"), "The add-on's answer is not valid JSON"),
        ((200, "application/json", b"[1, 2]"), "must be an object"),
        ((200, "application/json", b'{"hello": 1}'), "neither “html” nor “actions”"),
        ((200, "image/png", b"\x89PNG"), "expected text/html or application/json"),
    ],
)
def test_bad_answers_are_failed_runs_with_a_reason(
    bob_client, conversation, addon, addon_server, answer, reason
):
    addon_server.status, addon_server.content_type, addon_server.body = answer

    response = run_from_action_bar(bob_client, conversation, addon)

    run = AddonRun.objects.get(public_id=response.json()["run"]["id"])
    assert run.state == RunState.FAILED
    assert reason in run.error
    assert run.response_status == answer[0]
    assert run.response_excerpt == answer[2][:500].decode("utf-8", "replace")
    assert not run.content and not run.actions_applied


def test_an_add_on_that_does_not_answer_in_time_is_a_failed_run(
    bob_client, conversation, addon, addon_server, monkeypatch
):
    monkeypatch.setattr(runs, "TIMEOUT_SECONDS", 0.3)
    addon_server.hold = threading.Event()  # the add-on answers only when the test lets it

    response = run_from_action_bar(bob_client, conversation, addon)
    addon_server.hold.set()

    run = AddonRun.objects.get(public_id=response.json()["run"]["id"])
    assert run.state == RunState.FAILED
    assert run.error == "No answer within 0.3 seconds."
    assert run.response_status is None


def test_an_empty_answer_is_a_run_that_did_its_work_elsewhere(
    bob_client, conversation, addon, addon_server
):
    addon_server.status, addon_server.content_type, addon_server.body = 204, "text/plain", b""

    response = run_from_action_bar(bob_client, conversation, addon)

    run = AddonRun.objects.get(public_id=response.json()["run"]["id"])
    assert (run.state, run.content, run.actions_applied) == (RunState.SUCCEEDED, "", [])


def test_german_operator_reads_the_failure_in_german(
    client, account, support_group, conversation, addon, addon_server
):
    from messagecenter.accounts import services as accounts

    jonas = accounts.create_operator(
        account, name="Jonas", email="jonas@acme.test", password="jonas-pass-123", language="de"
    )
    client.force_login(jonas)
    addon_server.status = 502

    response = run_from_action_bar(client, conversation, addon)

    run = AddonRun.objects.get(public_id=response.json()["run"]["id"])
    assert run.error == "Das Add-on antwortete mit HTTP 502."


def test_the_ssrf_guard_applies_on_every_run(
    bob_client, conversation, addon, addon_server, settings
):
    settings.OUTBOUND_ALLOWED_HOSTS = []  # 127.0.0.1 is no longer an allowed internal host

    response = run_from_action_bar(bob_client, conversation, addon)

    run = AddonRun.objects.get(public_id=response.json()["run"]["id"])
    assert run.state == RunState.FAILED
    assert "127.0.0.1 is a loopback address" in run.error
    assert addon_server.received == []


def test_a_disabled_add_on_or_one_not_offered_here_is_refused(
    bob_client, account, alice, conversation, addon, addon_server
):
    from messagecenter.addons import services

    services.set_enabled(addon, False, actor=Actor.for_operator(alice))
    response = run_from_action_bar(bob_client, conversation, addon)
    assert response.status_code == 409
    assert response.json()["error"] == "The add-on “Shop orders” is disabled."

    bulk_only = make_addon(
        account, alice, addon_server, name="Bulk export", in_conversation=False, in_bulk=True
    )
    response = run_from_action_bar(bob_client, conversation, bulk_only)
    assert response.status_code == 409
    assert AddonRun.objects.count() == 0 and addon_server.received == []


def test_an_outsider_gets_404_for_runs_contents_and_panels(
    client, charlie, bob, conversation, addon, addon_server
):
    run = runs.start_run(addon, conversation, actor=Actor.for_operator(bob), queue=False)
    run.content = "<p>secret</p>"
    run.save()
    client.force_login(charlie)

    assert run_from_action_bar(client, conversation, addon).status_code == 404
    assert client.get(reverse("addon_run_content", args=[run.public_id])).status_code == 404
    assert client.get(reverse("addon_panel", args=[conversation.public_id])).status_code == 404
    status_url = reverse("addon_run_status", args=[conversation.public_id, run.public_id])
    assert client.get(status_url).status_code == 404
    assert AddonRun.objects.count() == 1 and addon_server.received == []


def test_a_rotated_secret_still_verifies_with_the_previous_one_for_a_day(
    bob_client, alice, conversation, addon, addon_server, clock
):
    from messagecenter.addons import services

    old = addon_server.secret
    services.rotate_secret(addon, actor=Actor.for_operator(alice))
    addon_server.secret = old  # the add-on has not switched yet

    run_from_action_bar(bob_client, conversation, addon)
    assert addon_server.forged == 0 and len(addon_server.received) == 1

    clock.shift(25 * 3600)  # the overlap is over: only the new secret signs
    run_from_action_bar(bob_client, conversation, addon)
    assert addon_server.forged == 1


def test_the_sweep_fails_interrupted_runs_and_requeues_lost_ones(
    bob, conversation, addon, addon_server, clock
):
    actor = Actor.for_operator(bob)
    lost = runs.start_run(addon, conversation, actor=actor, queue=False)
    interrupted = runs.start_run(addon, conversation, actor=actor, queue=False)
    AddonRun.objects.filter(pk=interrupted.pk).update(
        state=RunState.RUNNING, lease_until=runs.clock.now()
    )
    clock.shift(120)

    with after_commit():
        queued, failed = runs.sweep()

    assert (queued, failed) == (1, 1)
    lost.refresh_from_db()
    interrupted.refresh_from_db()
    assert lost.state == RunState.SUCCEEDED  # its job ran again (immediate mode)
    assert interrupted.state == RunState.FAILED and "Interrupted" in interrupted.error
    assert len(addon_server.received) == 1


def test_the_request_only_records_the_run_the_job_sends_it(
    bob_client, conversation, addon, addon_server
):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        response = bob_client.post(
            reverse("addon_run", args=[conversation.public_id, addon.public_id]), **JSON
        )

    assert response.status_code == 202
    run = AddonRun.objects.get()
    assert run.state == RunState.PENDING and addon_server.received == []
    panel = bob_client.get(reverse("addon_panel", args=[conversation.public_id])).content.decode()
    assert "Waiting for the add-on’s answer…" in panel

    with capture_events() as sent:
        for callback in queued:  # the commit: the job is queued (and runs, in tests)
            callback()
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED and len(addon_server.received) == 1
    pushed = [e for e, groups in sent if e["type"] == "addon.run"]
    assert pushed[-1]["run"]["id"] == run.public_id and pushed[-1]["run"]["finished"]
    assert [g for e, g in sent if e["type"] == "addon.run"][-1] == [
        f"conversation.{conversation.public_id}"
    ]


def test_custom_data_actions_are_validated_before_anything_is_written(
    bob_client, conversation, addon, addon_server
):
    huge = {"blob": "x" * (17 * 1024)}
    deep: dict = {}
    level = deep
    for _ in range(12):
        level["n"] = {}
        level = level["n"]
    addon_server.answers_json(
        {
            "actions": [
                {"type": "set_custom_data", "data": ["not", "an", "object"]},
                {"type": "set_custom_data", "data": huge},
                {"type": "set_custom_data", "data": deep},
                {"type": "set_custom_data", "data": {"plan": "pro"}},
                {"type": "set_custom_data", "data": {"plan": None, "seats": 5}},
            ]
        }
    )

    response = run_from_action_bar(bob_client, conversation, addon)

    run = AddonRun.objects.get(public_id=response.json()["run"]["id"])
    reasons = [r["reason"] for r in run.actions_refused]
    assert reasons == [
        "“data” must be a JSON object.",
        "A contact's custom data is at most 16 KB of JSON.",
        "Custom data can be nested at most 10 levels deep.",
    ]
    assert Contact.objects.get(pk=conversation.contact_id).custom_data == {"seats": 5}


def test_the_action_bar_offers_the_conversations_add_ons(
    client, alice, bob, account, conversation, addon_server
):
    page_url = reverse("conversation", args=[conversation.public_id])
    client.force_login(bob)
    assert "No add-ons set up" in client.get(page_url).content.decode()
    client.force_login(alice)
    assert reverse("settings_addons") in client.get(page_url).content.decode()

    shown = make_addon(account, alice, addon_server, name="Shop orders")
    make_addon(account, alice, addon_server, name="Bulk only", in_conversation=False, in_bulk=True)
    off = make_addon(account, alice, addon_server, name="Switched off")
    from messagecenter.addons import services

    services.set_enabled(off, False, actor=Actor.for_operator(alice))
    client.force_login(bob)
    html = client.get(page_url).content.decode()
    assert reverse("addon_run", args=[conversation.public_id, shown.public_id]) in html
    assert "Run Shop orders" in html
    assert "Run Bulk only" not in html and "Run Switched off" not in html
    assert 'id="tab-addons"' in html and 'id="panel-addons"' in html


def test_an_answer_over_the_size_limit_is_a_failed_run(
    bob_client, conversation, addon, addon_server
):
    addon_server.answers_html("<p>" + "x" * (600 * 1024) + "</p>")

    response = run_from_action_bar(bob_client, conversation, addon)

    run = AddonRun.objects.get(public_id=response.json()["run"]["id"])
    assert (run.state, run.error) == (RunState.FAILED, "The answer is larger than 512 KB.")
    assert run.content == ""
