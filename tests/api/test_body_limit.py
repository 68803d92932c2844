"""A body over the API's limit (10 MiB) is refused with a 413 problem, never a 500.

Endpoints that stream their body (uploads) are exempt by name: ``limits.streamed_body``.
"""

from __future__ import annotations

import json

import httpx
import pytest
from django.test import RequestFactory
from django.urls import ResolverMatch

from messagecenter.api import limits
from tests.api.conftest import BASE, assert_problem
from tests.realtime.conftest import LiveAsgi

TEN_MIB = 10 * 1024 * 1024


def oversized_note() -> str:
    return json.dumps({"body": "x" * TEN_MIB})


@pytest.mark.django_db
def test_a_body_over_ten_mib_is_a_413_problem(alice_api):
    response = alice_api.client.post(
        f"{BASE}/conversations/cv_x/notes",
        oversized_note(),
        content_type="application/json",
        **alice_api.headers,
    )

    body = assert_problem(response, 413, "body_too_large")
    assert "10 MiB" in body["detail"]


@pytest.mark.django_db
def test_the_limit_is_answered_before_authentication(client):
    response = client.post(
        f"{BASE}/conversations/cv_x/notes", oversized_note(), content_type="application/json"
    )

    assert_problem(response, 413, "body_too_large")


@pytest.mark.django_db
def test_a_body_just_under_the_limit_reaches_the_endpoint(alice_api):
    body = json.dumps({"body": "x" * (TEN_MIB - 100)})

    response = alice_api.client.post(
        f"{BASE}/conversations/cv_x/notes",
        body,
        content_type="application/json",
        **alice_api.headers,
    )

    assert response.status_code != 413


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_without_length_over_the_limit_is_a_413_too(alice_api):
    """GIVEN a real uvicorn, WHEN a client streams 11 MiB without a Content-Length,
    THEN the answer is still the 413 problem."""
    server = LiveAsgi()
    server.start()
    chunk = b"x" * (1024 * 1024)

    def chunks():
        yield b'{"body": "'
        for _ in range(11):
            yield chunk
        yield b'"}'

    try:
        response = httpx.post(
            f"http://127.0.0.1:{server.port}{BASE}/conversations/cv_x/notes",
            content=chunks(),
            headers={
                "Authorization": alice_api.headers["HTTP_AUTHORIZATION"],
                "Content-Type": "application/json",
            },
            timeout=30,
        )
    finally:
        server.stop()

    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "body_too_large"


def test_an_endpoint_named_as_streamed_is_exempt_from_the_limit():
    name = limits.streamed_body("tests_upload")
    request = RequestFactory().post("/api/v1/uploads", b"", content_type="application/octet-stream")
    request.META["CONTENT_LENGTH"] = str(TEN_MIB + 1)

    request.resolver_match = ResolverMatch(lambda r: None, (), {}, url_name=name)
    assert not limits.body_too_large(request)
    request.resolver_match = ResolverMatch(lambda r: None, (), {}, url_name="other")
    assert limits.body_too_large(request)
