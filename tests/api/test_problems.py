"""Every error is ``application/problem+json`` (RFC 9457), whatever produced it."""

from __future__ import annotations

import pytest
from django.test import Client

from messagecenter.api import queries
from messagecenter.conversations.models import Status
from tests.api.conftest import BASE, assert_problem
from tests.helpers import conversation_in

pytestmark = pytest.mark.django_db


def test_domain_error_keeps_the_services_message_and_code(bob_api, widget, contact, alice):
    conversation = conversation_in(Status.WAITING, widget, contact, alice)

    body = assert_problem(
        bob_api.post(f"/conversations/{conversation.public_id}/messages", {"body": "x"}),
        403,
        "not_assigned",
    )
    assert body == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "Only the assigned operator can reply. "
        "Assign the conversation to yourself first.",
        "code": "not_assigned",
    }


def test_validation_error_lists_each_field(alice_api):
    body = assert_problem(
        alice_api.get("/conversations", {"limit": 0, "status": "x"}), 422, "validation_failed"
    )
    assert sorted(tuple(error["loc"]) for error in body["errors"]) == [
        ("query", "limit"),
        ("query", "status"),
    ]
    assert all(error["msg"] for error in body["errors"])


def test_malformed_json_is_400(alice_api):
    response = alice_api.client.post(
        f"{BASE}/conversations/cv_x/notes",
        "{not json",
        content_type="application/json",
        **alice_api.headers,
    )

    assert_problem(response, 400, "bad_request")


def test_wrong_method_is_405_with_allow(alice_api):
    response = alice_api.client.put(f"{BASE}/conversations", **alice_api.headers)

    assert_problem(response, 405, "method_not_allowed")
    assert sorted(response["Allow"].split(", ")) == ["GET", "POST"]


@pytest.mark.parametrize("path", ["/nothing-here", "/", "/conversations/cv_x/unknown"])
def test_unknown_path_is_404(alice_api, path):
    assert_problem(alice_api.get(path), 404, "not_found")


def test_unexpected_error_is_a_500_problem_without_internals(alice_api, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(queries, "conversation_page", boom)

    response = alice_api.get("/conversations")

    body = assert_problem(response, 500, "internal_error")
    assert "secret" not in body["detail"]
    assert "secret internals" in caplog.text


def test_openapi_document_and_docs_are_served(db):
    client = Client()
    schema = client.get(f"{BASE}/openapi.json").json()

    assert schema["openapi"].startswith("3.")
    assert "/api/v1/conversations" in schema["paths"]
    post = schema["paths"]["/api/v1/conversations/{conversation_id}/messages"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in post["parameters"]]
    assert "application/problem+json" in post["responses"]["403"]["content"]
    assert client.get(f"{BASE}/docs").status_code == 200
