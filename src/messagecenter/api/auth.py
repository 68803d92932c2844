"""Bearer-token authentication: ``request.auth`` becomes the acting ``Actor``.

A personal token acts as its operator (every rule for operators applies, e.g. only the
assigned operator replies); an integration token acts as an integration, which services treat
as a bot and never as an operator. Each endpoint names the scope it needs.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from messagecenter.accounts import tokens
from messagecenter.api import ratelimit
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied


class TokenAuth(HttpBearer):
    def __init__(self, scope: str | None = None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request, token: str) -> Actor:
        # A bad or revoked token raises InvalidToken (401); ninja hands it to our handlers.
        api_token = tokens.authenticate(token)
        # Counted before the scope check: a refused request costs the caller too.
        ratelimit.charge(request, api_token)
        if self.scope is not None and not tokens.has_scope(api_token, self.scope):
            raise PermissionDenied(
                _("This token does not have the scope %(scope)s.") % {"scope": self.scope},
                code="insufficient_scope",
                required_scope=self.scope,
            )
        return Actor.for_token(api_token)


AUTHENTICATED = TokenAuth()
READ = TokenAuth("conversations:read")
WRITE = TokenAuth("conversations:write")
MANAGE_TOKENS = TokenAuth("tokens:manage")
CONTACTS_READ = TokenAuth("contacts:read")
CONTACTS_WRITE = TokenAuth("contacts:write")
TEAM_READ = TokenAuth("team:read")
TEAM_WRITE = TokenAuth("team:write")
SETTINGS_READ = TokenAuth("settings:read")
SETTINGS_WRITE = TokenAuth("settings:write")
ANALYTICS_READ = TokenAuth("analytics:read")
