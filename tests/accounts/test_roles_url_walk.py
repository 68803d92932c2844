"""Every page and endpoint of the operator app, walked from the URL conf, answered for each role.

Settings (any ``settings/`` route but the audit log) are for administrators: a supervisor and an
operator get 403 *before* any object is looked up, so a dummy id still answers 403. The audit log
is for administrators and supervisors. Everything else is the team's: no role is refused.
A newly added route that fits none of the rules fails here until it is classified."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Role

pytestmark = pytest.mark.django_db

# Reached without an operator session (contacts, providers, sign-in, health, downloads by
# signed token) or owned by the REST API's token scopes (tests/api).
PUBLIC_PREFIXES = (
    "messenger",
    "chat/",
    "demo/",
    "login/",
    "logout/",
    "password/",
    "jsi18n/",
    "i18n/",
    "healthz",
    "readyz",
    "channels/",
    "f/",
    "account/logo/",
    "api/v1/",
)
AUDIT_PREFIX = "settings/audit/"
SETTINGS_PREFIX = "settings/"
DUMMY = {"int": "1", "slug": "nothing-here", "str": "nothing-here", "path": "nothing-here"}


def _walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _concrete(route: str) -> str:
    def dummy(match: re.Match) -> str:
        return DUMMY.get(match.group(1) or "str", "nothing-here")

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", dummy, route)


def _routes() -> list[tuple[str, str]]:
    found = []
    for route, pattern in _walk(get_resolver()):
        if route.startswith(PUBLIC_PREFIXES):
            continue
        found.append((pattern.name or route, _concrete(route)))
    return found


ROUTES = _routes()


# Under settings/ but everyone's: an operator revokes their own personal token here (someone
# else's token is not found, tests/api).
TEAM_UNDER_SETTINGS = {"/settings/api-tokens/nothing-here/revoke/"}


def kind_of(path: str) -> str:
    if path in TEAM_UNDER_SETTINGS:
        return "team"
    if path.startswith("/" + AUDIT_PREFIX):
        return "audit"
    if path.startswith("/" + SETTINGS_PREFIX):
        return "settings"
    return "team"


ALLOWED = {
    # kind: role -> may use
    "settings": {Role.ADMIN: True, Role.SUPERVISOR: False, Role.OPERATOR: False},
    "audit": {Role.ADMIN: True, Role.SUPERVISOR: True, Role.OPERATOR: False},
    "team": {Role.ADMIN: True, Role.SUPERVISOR: True, Role.OPERATOR: True},
}


@pytest.fixture
def member(account, alice):
    def make(role: str):
        if role == Role.ADMIN:
            return alice
        return accounts.create_operator(
            account,
            name=f"{role} one",
            email=f"{role}@acme.test",
            password="pw-123456789",
            role=role,
        )

    return make


def test_the_walk_sees_the_settings_pages():
    paths = {path for _name, path in ROUTES}
    # If the walk broke, every assertion below would pass vacuously.
    assert "/settings/widgets/" in paths and "/settings/webhooks/" in paths
    assert "/settings/audit/" in paths and "/analytics/" in paths
    assert len([p for p in paths if kind_of(p) == "settings"]) > 60


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR])
def test_each_role_gets_exactly_its_pages(role, member):
    client = Client()
    client.force_login(member(role))
    wrong = []
    for name, path in ROUTES:
        status = client.get(path).status_code
        may = ALLOWED[kind_of(path)][role]
        if may and status == 403:
            wrong.append(f"{name} {path}: 403 but {role} may use it")
        # A POST-only endpoint answers a GET with 405 before anything else; its POST is
        # checked below.
        if not may and status not in (403, 405):
            wrong.append(f"{name} {path}: {status}, expected 403 for {role}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.OPERATOR])
def test_settings_posts_are_refused_too(role, member):
    client = Client()
    client.force_login(member(role))
    wrong = []
    for name, path in ROUTES:
        if kind_of(path) != "settings":
            continue
        status = client.post(path, {}).status_code
        if status != 403:
            wrong.append(f"{name} {path}: POST {status}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("role", "expected"), [(Role.ADMIN, 200), (Role.SUPERVISOR, 200), (Role.OPERATOR, 403)]
)
def test_audit_log_and_its_export_by_role(role, expected, member):
    client = Client()
    client.force_login(member(role))
    assert client.get("/settings/audit/").status_code == expected
    assert client.get("/settings/audit/export.csv").status_code == expected
