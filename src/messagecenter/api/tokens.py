"""Who am I, and the tokens I may see and revoke. Tokens are created in the app (or by
``accounts.tokens``), never over the API: a token that could mint tokens could outlive its
own revocation."""

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from messagecenter.accounts import tokens
from messagecenter.accounts.models import ApiToken
from messagecenter.api import queries
from messagecenter.api.auth import AUTHENTICATED, MANAGE_TOKENS
from messagecenter.api.schemas import Me, Problem, TimedPageQuery, TokenOut, token_out
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound
from messagecenter.core.scoping import get_scoped

router = Router(tags=["tokens"])

ERRORS = {code: Problem for code in (401, 403, 404)}


@router.get("/me", response={200: Me, **ERRORS}, auth=AUTHENTICATED)
def me(request):
    """The calling token and who it acts as."""
    actor: Actor = request.auth
    assert actor.token is not None  # API callers always hold a token
    return {
        "kind": actor.kind,
        "account": actor.account.public_id,
        "operator": actor.operator.public_id if actor.operator else None,
        "name": actor.display_name,
        "token": token_out(actor.token),
    }


class TokenPage(Schema):
    items: list[TokenOut]
    next_cursor: str | None


@router.get("/tokens", response={200: TokenPage, **ERRORS, 422: Problem}, auth=MANAGE_TOKENS)
def list_tokens(request, query: Query[TimedPageQuery]):
    """Administrators see the account's tokens, operators their own, integrations themselves
    (newest first)."""
    visible = tokens.visible_tokens(request.auth).select_related("operator")
    rows, next_cursor = queries.keyset_page(visible, "created_at", query.cursor, query.limit)
    return {"items": [token_out(token) for token in rows], "next_cursor": next_cursor}


@router.delete("/tokens/{token_id}", response={200: TokenOut, **ERRORS}, auth=MANAGE_TOKENS)
def revoke_token(request, token_id: str):
    """Revoke a token for good; requests with it then answer 401."""
    actor: Actor = request.auth
    token = get_scoped(ApiToken, actor.account, token_id)
    if not tokens.can_manage(actor, token):
        # Someone else's token is none of this caller's business: not found, as across accounts.
        raise NotFound(_("Not found."))
    return token_out(tokens.revoke(token, actor=actor))
