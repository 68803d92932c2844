"""The OpenAPI document matches what the API does.

1. The served document is valid OpenAPI (``openapi-spec-validator``).
2. schemathesis, run against the served document on a live server (a real uvicorn), with an
   operator's token and with an integration's: the fuzzing phase (positive and negative
   data) and the stateful phase (which chains operations by the links it infers from the
   answers), each with its own time budget, all checks. No 5xx, no answer outside the
   schema (status, body, content type, headers), no valid-by-schema request refused (but
   for the few listed in DATA_DEPENDENT_422, with the rule), no invalid one accepted.
   Revoking a token is left out (it would end the run with its own token), and the rate
   limit is raised for the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from messagecenter.accounts import tokens
from messagecenter.contacts.fields import define_field
from messagecenter.contacts.services import create_contact
from messagecenter.conversations.models import Status
from messagecenter.conversations.services import create_topic
from messagecenter.macros.services import create_macro
from tests.api.conftest import ALL_SCOPES
from tests.conftest import as_actor
from tests.helpers import conversation_in
from tests.realtime.conftest import LiveAsgi

ROOT = Path(__file__).resolve().parents[2]
# Operations whose input the schema cannot fully describe, so a schema-valid request may
# get a 422 problem with the reason (each "why" is the rule the schema cannot state):
DATA_DEPENDENT_422 = {
    # a time zone must be one the server's tz database knows
    "/api/v1/me/profile": "PATCH",
    # a chat command is a small language the command engine parses
    "/api/v1/conversations/{conversation_id}/commands": "POST",
    # names unique in the account
    "/api/v1/groups": "POST",
    "/api/v1/groups/{group_id}": "PATCH",
    "/api/v1/topics": "POST",
    "/api/v1/topics/{topic_id}": "PATCH",
    "/api/v1/macros": "POST",
    "/api/v1/macros/{macro_id}": "PATCH",
    "/api/v1/custom-fields": "POST",
    # e-mail and phone syntax checked by the normalisers (phonenumbers), values of custom
    # fields checked against the account's definitions
    "/api/v1/contacts": "POST",
    "/api/v1/contacts/{contact_id}": "PATCH",
    # the merged data's size and key count depend on what the contact has
    "/api/v1/contacts/{contact_id}/custom-data": "PATCH",
    # addresses checked by the mail normaliser; "to the contact" needs their address
    "/api/v1/conversations/{conversation_id}/transcript": "POST",
    # an administrator cannot remove their own admin access
    "/api/v1/operators/{operator_id}": "PATCH",
    # day_from after day_to, periods over 366 days
    "/api/v1/analytics/summary": "GET",
}


def _config(ids: dict[str, str]) -> str:
    accepted = '["2xx", "401", "403", "404", "409", "422", "429"]'
    # Real ids, so requests reach the services instead of stopping at 404.
    known = "".join(f'{name} = "{value}"\n' for name, value in ids.items())
    sections = ["[parameters]\n" + known] + [
        f'[[operations]]\ninclude-path = "{path}"\ninclude-method = "{method}"\n'
        f"checks.positive_data_acceptance.expected-statuses = {accepted}\n"
        for path, method in DATA_DEPENDENT_422.items()
    ]
    return "\n".join(sections)


# Small enough that both runs stay within two minutes together.
MAX_EXAMPLES = 3
# Each phase gets its own budget (seconds), so fuzzing never eats the stateful phase's time.
PHASE_SECONDS = {"fuzzing": 25, "stateful": 20}


def test_served_document_is_valid_openapi(client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert len(document["paths"]) >= 40


def test_every_token_operation_documents_rate_limits_and_problems(client, db):
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if operation.get("security"):
                assert "429" in responses, (method, path)
                assert "RateLimit-Remaining" in responses["429"]["headers"]
            for status, answer in responses.items():
                if int(status) >= 400:
                    assert list(answer["content"]) == ["application/problem+json"], (path, status)


@pytest.fixture
def live_api(transactional_db, settings):
    settings.API_RATE_LIMIT = 1_000_000
    server = LiveAsgi()
    server.start()
    yield f"http://127.0.0.1:{server.port}/api/v1"
    server.stop()


@pytest.fixture
def seeded(account, widget, alice, bob, support_group) -> dict[str, str]:
    """Something to find: a conversation assigned to alice with its contact, a topic, a
    macro, a contact field."""
    contact = create_contact(account, name="Kim", email="kim@example.com")
    conversation = conversation_in(Status.WAITING, widget, contact, alice)
    admin = as_actor(alice)
    create_topic(account, "Billing", actor=admin)
    create_macro(account, actor=admin, name="Hallo", texts={"de": "Hi"})
    define_field(account, actor=admin, key="plan", label="Plan")
    # Fixed ids only for what no run deletes: a deleted one would be "created but not found"
    # for the stateful phase, whose links otherwise bring their own ids.
    return {
        "conversation_id": conversation.public_id,
        "operator_id": bob.public_id,
        "widget_id": widget.public_id,
        "channel_id": widget.connections.get().public_id,
    }


def test_schemathesis_finds_nothing_with_an_operator_token(live_api, seeded, alice, tmp_path):
    secret = tokens.create_personal_token(alice, "schemathesis", ALL_SCOPES).secret
    _run_schemathesis(live_api, secret, seeded, tmp_path)


def test_schemathesis_finds_nothing_with_an_integration_token(
    live_api, seeded, account, alice, tmp_path
):
    made = tokens.create_integration_token(account, "fuzz", ALL_SCOPES, actor=as_actor(alice))
    _run_schemathesis(live_api, made.secret, seeded, tmp_path)


def _run_schemathesis(base: str, secret: str, ids: dict[str, str], tmp_path: Path) -> None:
    for phase, seconds in PHASE_SECONDS.items():
        _run_phase(base, secret, ids, tmp_path, phase, seconds)


def _run_phase(base, secret, ids, tmp_path: Path, phase: str, seconds: int) -> None:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base}/openapi.json",
        "--header",
        f"Authorization: Bearer {secret}",
        "--checks",
        "all",
        "--phases",
        phase,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(seconds),
        "--generation-deterministic",
        "--exclude-path",
        "/api/v1/tokens/{token_id}",
        "--workers",
        "1",
        "--no-color",
    ]
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(ids))
    command[3:3] = ["--config-file", str(config)]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    ran = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, timeout=100, env=env
    )
    assert ran.returncode == 0, f"{phase}:\n" + ran.stdout[-12_000:] + ran.stderr[-3_000:]
