"""What Settings shows: widgets (with their messenger options), the channels they carry and
the macros. Every change is one ``widgets`` or ``macros`` service call (administrators);
channel credentials are never part of an answer.

(No ``from __future__ import annotations``: ninja reads these signatures at import time.)
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Query, Router, Schema, Status

from messagecenter.accounts.models import OperatorGroup
from messagecenter.api import queries
from messagecenter.api.auth import SETTINGS_READ, SETTINGS_WRITE
from messagecenter.api.idempotency import idempotent
from messagecenter.api.schemas import NON_BLANK, Language, PageQuery, Problem
from messagecenter.core.scoping import get_scoped
from messagecenter.macros import services as macros
from messagecenter.macros.models import Macro, MacroGroup
from messagecenter.widgets import services as widgets
from messagecenter.widgets.models import ChannelConnection, Widget

router = Router(tags=["settings"])

READ_ERRORS = {code: Problem for code in (401, 403, 404, 422)}
WRITE_ERRORS = {code: Problem for code in (400, 401, 403, 404, 409, 422)}
WEB_ADDRESS = r"^https?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(/[^\s]*)?$"
MediaKind = Literal["image", "audio", "video", "document", "other"]
# What the messenger's embed check compares: a scheme and a host (with a port), no path.
ORIGIN = r"^(\*|https?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?/?)$"
# A macro is called as ``![name]``: no brackets, one line, not blank.
MACRO_NAME = r"^[^\[\]\n\r]*[^\s\x00\x1c-\x1f\[\]][^\[\]\n\r]*$"


class Media(Schema):
    enabled: bool
    types: list[MediaKind]


class WidgetOut(Schema):
    id: str
    key: str = Field(description="The public key of the embed snippet.")
    name: str
    operator_group: str | None
    language: str
    conversation_timeout_minutes: int
    auto_end_days: int
    continue_ended_days: int
    backlog_drain: bool
    unread_email_delay_minutes: int
    media: Media
    calls_enabled: bool
    video_enabled: bool
    rating_enabled: bool
    privacy_mode: bool
    allowed_origins: list[str]
    created_at: datetime


class WidgetPage(Schema):
    items: list[WidgetOut]
    next_cursor: str | None


class WidgetSettings(Schema):
    """Only the fields sent change; the service checks every value before saving any."""

    name: str = Field(None, max_length=100, pattern=NON_BLANK)  # type: ignore[assignment]
    operator_group: str | None = Field(None, max_length=24, description="A group id; null: all.")
    language: Language = Field(None)  # type: ignore[assignment]
    conversation_timeout_minutes: int | None = Field(None, ge=1, le=10080)
    auto_end_days: int | None = Field(None, ge=1, le=365)
    continue_ended_days: int | None = Field(None, ge=0, le=365)
    backlog_drain: bool | None = None
    unread_email_delay_minutes: int | None = Field(None, ge=0, le=10080)
    media: Media | None = None
    calls_enabled: bool | None = None
    video_enabled: bool | None = None
    rating_enabled: bool | None = None
    privacy_mode: bool | None = None
    allowed_origins: list[Annotated[str, Field(pattern=ORIGIN)]] = Field(  # type: ignore[assignment]
        None, max_length=100, description="Sites that may embed the messenger; `*`: any."
    )


class WidgetIn(Schema):
    name: str = Field(max_length=100, pattern=NON_BLANK)
    operator_group: str | None = Field(None, max_length=24)
    language: Language = "en"


class ChannelOut(Schema):
    id: str
    kind: Literal["webchat", "email", "whatsapp", "telegram", "sms", "custom"]
    name: str
    widget: str
    is_active: bool
    created_at: datetime


class ChannelPage(Schema):
    items: list[ChannelOut]
    next_cursor: str | None


class MacroOut(Schema):
    id: str
    name: str
    kind: Literal["text", "push"]
    group: str | None
    texts: dict[str, str] = Field(description="The text per language (`de`, `en`).")
    default_language: str
    url: str = Field(description="Push macros: the page pushed to the contact.")


class MacroPage(Schema):
    items: list[MacroOut]
    next_cursor: str | None


class MacroIn(Schema):
    """A chat macro (``text``) needs a text; a push macro a web address."""

    model_config = {
        "json_schema_extra": {
            "anyOf": [
                {
                    "properties": {"kind": {"const": "text"}, "texts": {"minProperties": 1}},
                    "required": ["texts"],
                },
                {
                    "properties": {"kind": {"const": "push"}, "url": {"pattern": WEB_ADDRESS}},
                    "required": ["kind", "url"],
                },
            ]
        }
    }

    name: str = Field(max_length=100, pattern=MACRO_NAME)
    kind: Literal["text", "push"] = "text"
    group: str | None = Field(None, max_length=24, description="A macro group id.")
    texts: dict[Language, Annotated[str, Field(max_length=20_000, pattern=NON_BLANK)]] = Field(
        default_factory=dict
    )
    default_language: Language = "en"
    url: str = Field("", max_length=2000)


class MacroChanges(Schema):
    """Only the fields sent change; the macro must still be whole afterwards."""

    name: str = Field(None, max_length=100, pattern=MACRO_NAME)  # type: ignore[assignment]
    kind: Literal["text", "push"] = Field(None)  # type: ignore[assignment]
    group: str | None = Field(None, max_length=24)
    texts: dict[Language, Annotated[str, Field(max_length=20_000, pattern=NON_BLANK)]] = Field(
        None  # type: ignore[assignment]
    )
    default_language: Language = Field(None)  # type: ignore[assignment]
    url: str = Field(None, max_length=2000)  # type: ignore[assignment]


# --- widgets ------------------------------------------------------------------------------


@router.get("/widgets", response={200: WidgetPage, **READ_ERRORS}, auth=SETTINGS_READ)
def list_widgets(request, query: Query[PageQuery]):
    rows, next_cursor = queries.keyset_page(_widgets(request), None, query.cursor, query.limit)
    return {"items": [widget_out(row) for row in rows], "next_cursor": next_cursor}


@router.get("/widgets/{widget_id}", response={200: WidgetOut, **READ_ERRORS}, auth=SETTINGS_READ)
def get_widget(request, widget_id: str):
    return widget_out(get_scoped(_widgets(request), request.auth.account, widget_id))


@router.post("/widgets", response={201: WidgetOut, **WRITE_ERRORS}, auth=SETTINGS_WRITE)
@idempotent
def create_widget(request, payload: WidgetIn):
    """A new widget with its website messenger (administrators)."""
    widget = widgets.create_widget(
        request.auth.account,
        payload.name,
        operator_group=_group(request, payload.operator_group),
        language=payload.language,
        actor=request.auth,
    )
    return Status(201, widget_out(widget))


@router.patch(
    "/widgets/{widget_id}", response={200: WidgetOut, **WRITE_ERRORS}, auth=SETTINGS_WRITE
)
def change_widget(request, widget_id: str, payload: WidgetSettings):
    widget = get_scoped(_widgets(request), request.auth.account, widget_id)
    changes = {name: getattr(payload, name) for name in payload.model_fields_set}
    if "operator_group" in changes:
        changes["operator_group"] = _group(request, changes["operator_group"])
    if changes.get("media") is not None:
        changes["media"] = payload.media.dict()  # type: ignore[union-attr]
    # null means "unchanged" for every setting but the group (null there: every operator).
    changes = {k: v for k, v in changes.items() if v is not None or k == "operator_group"}
    return widget_out(widgets.update_widget(widget, actor=request.auth, **changes))


# --- channels -----------------------------------------------------------------------------


@router.get("/channels", response={200: ChannelPage, **READ_ERRORS}, auth=SETTINGS_READ)
def list_channels(request, query: Query[PageQuery]):
    """Every channel of the account (a widget's messenger, mailboxes, WhatsApp, …)."""
    rows, next_cursor = queries.keyset_page(_channels(request), None, query.cursor, query.limit)
    return {"items": [channel_out(row) for row in rows], "next_cursor": next_cursor}


@router.get("/channels/{channel_id}", response={200: ChannelOut, **READ_ERRORS}, auth=SETTINGS_READ)
def get_channel(request, channel_id: str):
    return channel_out(get_scoped(_channels(request), request.auth.account, channel_id))


# --- macros -------------------------------------------------------------------------------


@router.get("/macros", response={200: MacroPage, **READ_ERRORS}, auth=SETTINGS_READ)
def list_macros(request, query: Query[PageQuery]):
    """Chat and push macros (used in the composer as `![name]`)."""
    rows, next_cursor = queries.keyset_page(_macros(request), None, query.cursor, query.limit)
    return {"items": [macro_out(row) for row in rows], "next_cursor": next_cursor}


@router.get("/macros/{macro_id}", response={200: MacroOut, **READ_ERRORS}, auth=SETTINGS_READ)
def get_macro(request, macro_id: str):
    return macro_out(get_scoped(_macros(request), request.auth.account, macro_id))


@router.post("/macros", response={201: MacroOut, **WRITE_ERRORS}, auth=SETTINGS_WRITE)
@idempotent
def create_macro(request, payload: MacroIn):
    """A new macro (administrators); names are unique."""
    fields = payload.dict() | {"group": _macro_group(request, payload.group)}
    macro = macros.create_macro(request.auth.account, actor=request.auth, **fields)
    return Status(201, macro_out(macro))


@router.patch("/macros/{macro_id}", response={200: MacroOut, **WRITE_ERRORS}, auth=SETTINGS_WRITE)
def change_macro(request, macro_id: str, payload: MacroChanges):
    macro = get_scoped(_macros(request), request.auth.account, macro_id)
    changes = {name: getattr(payload, name) for name in payload.model_fields_set}
    if "group" in changes:
        changes["group"] = _macro_group(request, changes["group"])
    changes = {k: v for k, v in changes.items() if v is not None or k == "group"}
    return macro_out(macros.update_macro(macro, actor=request.auth, **changes))


@router.delete("/macros/{macro_id}", response={204: None, **WRITE_ERRORS}, auth=SETTINGS_WRITE)
def delete_macro(request, macro_id: str):
    macro = get_scoped(Macro, request.auth.account, macro_id)
    macros.delete_macro(macro, actor=request.auth)
    return Status(204, None)


# --- filling ------------------------------------------------------------------------------

_WIDGET_FIELDS = (
    "key",
    "name",
    "language",
    "conversation_timeout_minutes",
    "auto_end_days",
    "continue_ended_days",
    "backlog_drain",
    "unread_email_delay_minutes",
    "media",
    "calls_enabled",
    "video_enabled",
    "rating_enabled",
    "privacy_mode",
    "allowed_origins",
)


def widget_out(widget: Widget) -> dict[str, Any]:
    group = widget.operator_group
    return {
        "id": widget.public_id,
        **{name: getattr(widget, name) for name in _WIDGET_FIELDS},
        "operator_group": group.public_id if group else None,
        "created_at": widget.created_at.isoformat(),
    }


def channel_out(connection: ChannelConnection) -> dict[str, Any]:
    return {
        "id": connection.public_id,
        "kind": connection.kind,
        "name": connection.name,
        "widget": connection.widget.public_id,
        "is_active": connection.is_active,
        "created_at": connection.created_at.isoformat(),
    }


def macro_out(macro: Macro) -> dict[str, Any]:
    return {
        "id": macro.public_id,
        "name": macro.name,
        "kind": macro.kind,
        "group": macro.group.public_id if macro.group else None,
        "texts": macro.texts,
        "default_language": macro.default_language,
        "url": macro.url,
    }


def _widgets(request):
    return Widget.objects.filter(account=request.auth.account).select_related("operator_group")


def _channels(request):
    return ChannelConnection.objects.filter(account=request.auth.account).select_related("widget")


def _macros(request):
    return Macro.objects.for_account(request.auth.account).select_related("group")


def _group(request, group_id: str | None) -> OperatorGroup | None:
    return get_scoped(OperatorGroup, request.auth.account, group_id) if group_id else None


def _macro_group(request, group_id: str | None) -> MacroGroup | None:
    return get_scoped(MacroGroup, request.auth.account, group_id) if group_id else None
