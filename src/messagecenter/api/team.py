"""The team: operators and their presence, operator groups, conversation topics. Reads are
account-scoped queries; every change is one ``accounts`` or ``conversations`` service call,
which decides who may (presence: the operator themselves; the rest: administrators).

(No ``from __future__ import annotations``: ninja reads these signatures at import time.)
"""

from typing import Any, Literal

from django.db.models import OuterRef
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Operator, OperatorGroup
from messagecenter.api import queries
from messagecenter.api.auth import TEAM_READ, TEAM_WRITE
from messagecenter.api.idempotency import idempotent
from messagecenter.api.schemas import NON_BLANK, PageQuery, Problem, Topic
from messagecenter.conversations import presence, services
from messagecenter.conversations.models import Topic as TopicModel
from messagecenter.core.errors import PermissionDenied
from messagecenter.core.scoping import get_scoped

router = Router(tags=["team"])

READ_ERRORS = {code: Problem for code in (401, 403, 404, 422)}
WRITE_ERRORS = {code: Problem for code in (400, 401, 403, 404, 409, 422)}


class OperatorOut(Schema):
    id: str
    name: str
    email: str
    role: Literal["admin", "supervisor", "operator"]
    is_active: bool
    presence: Literal["online", "away"] = Field(description="What the operator chose.")
    available: bool = Field(description="Online with the app open: gets new conversations.")
    max_slots: int
    groups: list[str]
    language: str
    time_zone: str


class OperatorPage(Schema):
    items: list[OperatorOut]
    next_cursor: str | None


class PresenceIn(Schema):
    presence: Literal["online", "away"]


class OperatorChanges(Schema):
    """Administrators only; only the fields sent change."""

    role: Literal["admin", "supervisor", "operator"] | None = None
    groups: list[str] | None = Field(None, max_length=100, description="Group ids (all of them).")
    max_slots: int | None = Field(None, ge=0, le=32767)
    is_active: bool | None = None


class ProfileOut(Schema):
    name: str
    language: Literal["de", "en"]
    time_zone: str = Field(description="An IANA time zone, e.g. Europe/Berlin.")
    mute_all: bool = Field(description="All sounds and browser notifications off.")


class ProfileChanges(Schema):
    """Your own profile (a personal token); only the fields sent change."""

    name: str | None = Field(None, max_length=100, pattern=NON_BLANK)
    language: Literal["de", "en"] | None = None
    time_zone: str | None = Field(None, min_length=1, max_length=64)
    mute_all: bool | None = None


class GroupOut(Schema):
    id: str
    name: str
    members: list[str]


class GroupPage(Schema):
    items: list[GroupOut]
    next_cursor: str | None


class NameIn(Schema):
    name: str = Field(max_length=100, pattern=NON_BLANK)


class TopicPage(Schema):
    items: list[Topic]
    next_cursor: str | None


# --- operators ----------------------------------------------------------------------------


@router.get("/operators", response={200: OperatorPage, **READ_ERRORS}, auth=TEAM_READ)
def list_operators(request, query: Query[PageQuery]):
    """The account's operators (deactivated ones included, with ``is_active: false``)."""
    rows, next_cursor = queries.keyset_page(_operators(request), None, query.cursor, query.limit)
    return {"items": [operator_out(row) for row in rows], "next_cursor": next_cursor}


@router.get("/operators/{operator_id}", response={200: OperatorOut, **READ_ERRORS}, auth=TEAM_READ)
def get_operator(request, operator_id: str):
    return operator_out(get_scoped(_operators(request), request.auth.account, operator_id))


@router.patch(
    "/operators/{operator_id}", response={200: OperatorOut, **WRITE_ERRORS}, auth=TEAM_WRITE
)
def change_operator(request, operator_id: str, payload: OperatorChanges):
    """Role, groups, chat slots, deactivation (administrators; not your own admin role). Only
    ``max_slots``: also your own, when the account lets operators set their slots."""
    operator = get_scoped(Operator, request.auth.account, operator_id)
    if payload.model_fields_set == {"max_slots"} and payload.max_slots is not None:
        accounts.set_max_slots(operator, payload.max_slots, actor=request.auth)
        return operator_out(get_scoped(_operators(request), request.auth.account, operator_id))
    groups = None
    if payload.groups is not None:
        groups = [get_scoped(OperatorGroup, request.auth.account, g) for g in payload.groups]
    accounts.update_operator(
        operator,
        actor=request.auth,
        role=payload.role,
        groups=groups,
        max_slots=payload.max_slots,
        is_active=payload.is_active,
    )
    return operator_out(get_scoped(_operators(request), request.auth.account, operator_id))


@router.post(
    "/operators/{operator_id}/presence",
    response={200: OperatorOut, **WRITE_ERRORS},
    auth=TEAM_WRITE,
)
@idempotent
def set_presence(request, operator_id: str, payload: PresenceIn):
    """Online or Away (only the operator themselves: a personal token). Away keeps assigned
    conversations but ends live chats' slots; Online takes waiting ones from the backlog."""
    operator = get_scoped(Operator, request.auth.account, operator_id)
    presence.set_operator_presence(operator, payload.presence, actor=request.auth)
    refreshed = get_scoped(_operators(request), request.auth.account, operator_id)
    return Status(200, operator_out(refreshed))


# --- my profile (My settings) ---------------------------------------------------------------


@router.get("/me/profile", response={200: ProfileOut, **READ_ERRORS}, auth=TEAM_READ)
def get_profile(request):
    """The calling operator's own settings, as My settings shows them (a personal token)."""
    return profile_out(_me(request))


@router.patch("/me/profile", response={200: ProfileOut, **WRITE_ERRORS}, auth=TEAM_WRITE)
def change_profile(request, payload: ProfileChanges):
    """Change your name, language, time zone or mute-all (a personal token). An unknown time
    zone is refused with 422 and nothing changes."""
    changes = {name: getattr(payload, name) for name in payload.model_fields_set}
    changes = {name: value for name, value in changes.items() if value is not None}
    me = accounts.update_profile(_me(request), actor=request.auth, **changes)
    return profile_out(me)


def _me(request) -> Operator:
    if request.auth.operator is None:
        raise PermissionDenied(_("An integration token has no profile: use a personal token."))
    return request.auth.operator


# --- groups -------------------------------------------------------------------------------


@router.get("/groups", response={200: GroupPage, **READ_ERRORS}, auth=TEAM_READ)
def list_groups(request, query: Query[PageQuery]):
    rows, next_cursor = queries.keyset_page(_groups(request), None, query.cursor, query.limit)
    return {"items": [group_out(row) for row in rows], "next_cursor": next_cursor}


@router.get("/groups/{group_id}", response={200: GroupOut, **READ_ERRORS}, auth=TEAM_READ)
def get_group(request, group_id: str):
    return group_out(get_scoped(_groups(request), request.auth.account, group_id))


@router.post("/groups", response={201: GroupOut, **WRITE_ERRORS}, auth=TEAM_WRITE)
@idempotent
def create_group(request, payload: NameIn):
    """A new operator group (administrators); names are unique."""
    group = accounts.create_group(request.auth.account, payload.name, actor=request.auth)
    return Status(201, group_out(group))


@router.patch("/groups/{group_id}", response={200: GroupOut, **WRITE_ERRORS}, auth=TEAM_WRITE)
def rename_group(request, group_id: str, payload: NameIn):
    group = get_scoped(OperatorGroup, request.auth.account, group_id)
    return group_out(accounts.rename_group(group, payload.name, actor=request.auth))


@router.delete("/groups/{group_id}", response={204: None, **WRITE_ERRORS}, auth=TEAM_WRITE)
def delete_group(request, group_id: str):
    """Widgets of the group then route to everyone; its queue becomes Unassigned."""
    group = get_scoped(OperatorGroup, request.auth.account, group_id)
    accounts.delete_group(group, actor=request.auth)
    return Status(204, None)


# --- topics -------------------------------------------------------------------------------


@router.get("/topics", response={200: TopicPage, **READ_ERRORS}, auth=TEAM_READ)
def list_topics(request, query: Query[PageQuery]):
    topics = TopicModel.objects.for_account(request.auth.account)
    rows, next_cursor = queries.keyset_page(topics, None, query.cursor, query.limit)
    return {"items": [topic_out(row) for row in rows], "next_cursor": next_cursor}


@router.post("/topics", response={201: Topic, **WRITE_ERRORS}, auth=TEAM_WRITE)
@idempotent
def create_topic(request, payload: NameIn):
    """A new conversation topic (administrators); names are unique."""
    topic = services.create_topic(request.auth.account, payload.name, actor=request.auth)
    return Status(201, topic_out(topic))


@router.patch("/topics/{topic_id}", response={200: Topic, **WRITE_ERRORS}, auth=TEAM_WRITE)
def rename_topic(request, topic_id: str, payload: NameIn):
    topic = get_scoped(TopicModel, request.auth.account, topic_id)
    return topic_out(services.rename_topic(topic, payload.name, actor=request.auth))


@router.delete("/topics/{topic_id}", response={204: None, **WRITE_ERRORS}, auth=TEAM_WRITE)
def delete_topic(request, topic_id: str):
    """Conversations keep their history; their topic becomes empty."""
    topic = get_scoped(TopicModel, request.auth.account, topic_id)
    services.delete_topic(topic, actor=request.auth)
    return Status(204, None)


# --- filling ------------------------------------------------------------------------------


def operator_out(operator: Operator) -> dict[str, Any]:
    return {
        "id": operator.public_id,
        "name": operator.name,
        "email": operator.email,
        "role": operator.role,
        "is_active": operator.is_active,
        "presence": operator.presence,
        "available": bool(getattr(operator, "available", False)),
        "max_slots": operator.max_slots,
        "groups": [group.public_id for group in operator.groups.all()],
        "language": operator.language,
        "time_zone": operator.time_zone,
    }


def profile_out(operator: Operator) -> dict[str, Any]:
    return {
        "name": operator.name,
        "language": operator.language,
        "time_zone": operator.time_zone,
        "mute_all": operator.mute_all,
    }


def group_out(group: OperatorGroup) -> dict[str, Any]:
    members = group.members.all()
    return {"id": group.public_id, "name": group.name, "members": [m.public_id for m in members]}


def topic_out(topic: TopicModel) -> dict[str, Any]:
    return {"id": topic.public_id, "name": topic.name}


def _operators(request):
    return (
        Operator.objects.for_account(request.auth.account)
        .annotate(available=accounts.availability(OuterRef("pk")))
        .prefetch_related("groups")
    )


def _groups(request):
    return OperatorGroup.objects.filter(account=request.auth.account).prefetch_related("members")
