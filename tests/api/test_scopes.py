"""Every endpoint names the scope it needs, and a token without it is refused before
anything else happens (403 ``insufficient_scope``, with the scope it lacks)."""

from __future__ import annotations

import re

import pytest

from messagecenter.accounts import tokens
from messagecenter.api.api import api
from messagecenter.api.auth import TokenAuth
from tests.api.conftest import ALL_SCOPES, ApiClient, assert_problem

pytestmark = pytest.mark.django_db


def _scoped_operations() -> list[tuple[str, str, str]]:
    found = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                auth = (operation.auth_callbacks or [None])[0]
                if isinstance(auth, TokenAuth) and auth.scope:
                    for method in operation.methods:
                        found.append((method.lower(), path, auth.scope))
    return found


SCOPED = _scoped_operations()


def test_every_operation_but_me_needs_a_scope():
    unscoped = {
        (method.lower(), path)
        for _prefix, router in api._routers
        for path, path_view in router.path_operations.items()
        for operation in path_view.operations
        for method in operation.methods
        if isinstance((operation.auth_callbacks or [None])[0], TokenAuth)
        and not operation.auth_callbacks[0].scope
    }
    assert unscoped == {("get", "/me")}
    assert len(SCOPED) >= 55


@pytest.mark.parametrize(("method", "path", "scope"), SCOPED)
def test_a_token_without_the_scope_is_refused(alice, method, path, scope):
    others = [s for s in ALL_SCOPES if s != scope]
    client = ApiClient(tokens.create_personal_token(alice, "no-" + scope, others).secret)
    url = re.sub(r"\{[^}]+\}", "x1", path)

    response = client.client.generic(
        method.upper(), "/api/v1" + url, b"{}", "application/json", **client.headers
    )

    body = assert_problem(response, 403, "insufficient_scope")
    assert body["required_scope"] == scope
