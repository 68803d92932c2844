"""Property-based fuzzing of the whole OpenAPI document with schemathesis: whatever a valid
token sends — odd ids, bodies, query values, Idempotency-Keys — the API never answers 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messagecenter.accounts import tokens
from messagecenter.conversations.models import Status
from tests.api.conftest import ALL_SCOPES
from tests.helpers import conversation_in

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def real_ids(widget, contact, alice):
    conversation = conversation_in(Status.WAITING, widget, contact, alice)
    return {"conversation_id": conversation.public_id, "seq": "1"}


@pytest.fixture
def wsgi_app():
    """The real WSGI application, minus what Django's own test client also switches off:
    closing the database connection after each request would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_operation_answers_5xx(alice, real_ids, wsgi_app):
    secret = tokens.create_personal_token(alice, "fuzz", ALL_SCOPES).secret
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        _fuzz(operation, {"Authorization": f"Bearer {secret}"}, real_ids)


def _fuzz(operation, headers: dict, real_ids: dict) -> None:
    strategy = operation.as_strategy()

    # Derandomised and without an example database: the same examples on every run, and no
    # .hypothesis folder in the work tree.
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def check(data):
        case = data.draw(strategy)
        # Half the time aim at a real conversation, so bodies reach the domain services
        # instead of stopping at 404.
        for name in set(case.path_parameters or {}) & set(real_ids):
            if data.draw(st.booleans()):
                case.path_parameters[name] = real_ids[name]
        response = case.call(headers=headers)
        assert response.status_code < 500, f"{case.as_curl_command()}\n{response.text}"

    check()
