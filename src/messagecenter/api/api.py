"""The REST API v1: one NinjaAPI, served under /api/v1/ with its OpenAPI document at
/api/v1/openapi.json and interactive docs at /api/v1/docs."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from messagecenter.api import (
    analytics,
    channels,
    configuration,
    contacts,
    conversations,
    problems,
    team,
    tokens,
)
from messagecenter.api.auth import AUTHENTICATED
from messagecenter.api.idempotency import HEADER as IDEMPOTENCY_HEADER

DESCRIPTION = """
Every customer conversation of your account. Authenticate with
`Authorization: Bearer <token>`. Errors are `application/problem+json` (RFC 9457) with a
stable `code`. Every POST accepts an `Idempotency-Key` header. See docs/api.md.
"""

_IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "description": "Send the same key again to retry safely: the first result is returned "
    "and the work is done once. Same key with a different body: 422.",
    # Printable ASCII with one character that is not a space (the key is stripped).
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": 200,
        "pattern": r"^[ -~]*[!-~][ -~]*$",
    },
}


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "integer", "minimum": 0}}


# On every answer to a token (ratelimit.py); not "required", as a 401 carries none.
_RATE_HEADERS = {
    "RateLimit-Limit": _header("Requests this token may send per window."),
    "RateLimit-Remaining": _header("Requests left in the current window."),
    "RateLimit-Reset": _header("Seconds until the window starts anew."),
    "RateLimit-Policy": {
        "description": "The limit and the window in seconds, e.g. `600;w=60`.",
        "schema": {"type": "string"},
    },
}


class MessageCenterAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """ninja documents every response as application/json; ours say what they send, and
        every operation a token calls also answers 429 and carries the rate-limit headers."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                if operation.get("security"):
                    _add_rate_limits(operation)
                _label_problems(operation)
                if method == "post":
                    operation.setdefault("parameters", []).append(_IDEMPOTENCY_PARAMETER)
        return schema


def _add_rate_limits(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    responses[429] = {
        "description": "Too many requests with this token: wait `Retry-After` seconds.",
        "content": problem,
        "headers": {"Retry-After": _header("Seconds to wait.")},
    }
    for response in responses.values():
        response.setdefault("headers", {}).update(_RATE_HEADERS)


def _label_problems(operation: dict[str, Any]) -> None:
    for status, response in operation.get("responses", {}).items():
        content = response.get("content", {})
        if int(status) >= 400 and "application/json" in content:
            response["content"] = {problems.PROBLEM_CONTENT_TYPE: content["application/json"]}


api = MessageCenterAPI(
    title="Message Center API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    # Nothing is public by accident: each endpoint narrows this to the scope it needs.
    auth=AUTHENTICATED,
)
problems.install(api)
api.add_router("", conversations.router)
api.add_router("", tokens.router)
api.add_router("", channels.router)
api.add_router("", contacts.router)
api.add_router("", team.router)
api.add_router("", configuration.router)
api.add_router("", analytics.router)
