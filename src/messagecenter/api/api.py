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
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}


class MessageCenterAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """ninja documents every response as application/json; ours say what they send."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                _label_problems(operation)
                if method == "post":
                    operation.setdefault("parameters", []).append(_IDEMPOTENCY_PARAMETER)
        return schema


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
