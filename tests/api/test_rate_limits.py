"""Per-token rate limits: every answer to a token says where it stands (RateLimit-*), and the
request over the limit is a 429 problem with Retry-After, until the window starts anew."""

from __future__ import annotations

import pytest

from messagecenter.accounts.models import OperatorGroup
from tests.api.conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_per_minute(settings):
    settings.API_RATE_LIMIT = 2
    settings.API_RATE_WINDOW_SECONDS = 60


def test_answers_carry_the_quota(alice_api, two_per_minute, clock):
    clock.shift(19)  # 09:00:19: the window ends in 41 seconds

    response = alice_api.get("/me")

    assert response["RateLimit-Limit"] == "2"
    assert response["RateLimit-Remaining"] == "1"
    assert response["RateLimit-Reset"] == "41"
    assert response["RateLimit-Policy"] == "2;w=60"


def test_the_request_over_the_limit_is_429_with_retry_after(alice_api, two_per_minute, clock):
    alice_api.get("/me")
    alice_api.get("/conversations")

    refused = alice_api.get("/me")

    body = assert_problem(refused, 429, "rate_limited")
    assert refused["Retry-After"] == "60"
    assert body["retry_after"] == 60
    assert refused["RateLimit-Remaining"] == "0"


def test_a_refused_write_changes_nothing(alice_api, two_per_minute, clock):
    alice_api.get("/me")
    alice_api.get("/me")

    assert_problem(alice_api.post("/groups", {"name": "Zu viel"}), 429, "rate_limited")
    assert not OperatorGroup.objects.filter(name="Zu viel").exists()


def test_the_next_window_allows_again(alice_api, two_per_minute, clock):
    for _ in range(3):
        alice_api.get("/me")

    clock.shift(60)

    assert alice_api.get("/me").status_code == 200


def test_each_token_has_its_own_quota(alice_api, bob_api, two_per_minute, clock):
    for _ in range(3):
        alice_api.get("/me")

    assert bob_api.get("/me").status_code == 200


def test_requests_without_a_token_carry_no_quota(client, db):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert "RateLimit-Limit" not in response
