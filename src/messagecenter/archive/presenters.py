"""What a row of All conversations shows, computed once here (no logic in templates), and the
same data as JSON for archive.js (live updates need the operator and group names)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from messagecenter.archive import actions
from messagecenter.archive.queries import PREVIEW_LENGTH, Page
from messagecenter.conversations.models import Conversation, Status
from messagecenter.search.snippets import Snippet
from messagecenter.widgets.models import TransportKind


@dataclass
class Row:
    id: str
    url: str
    contact: str
    contact_email: str
    text: SafeString
    text_kind: str  # preview | message | note | contact | phone
    text_label: str  # what kind of match, when it is not a message
    select_label: str
    status: str
    status_label: str
    is_live: bool
    operator: str
    group: str
    topic: str
    channel: str
    widget: str
    rating: str  # "4★" or "" (unrated)
    rating_label: str
    feedback_label: str
    activity: str  # in the operator's time zone and format
    activity_iso: str


@dataclass
class Names:
    """Row id -> name of the account's operators, groups, topics and widgets."""

    operators: dict[int, str]
    groups: dict[int, str]
    topics: dict[int, str]
    widgets: dict[int, str]

    @classmethod
    def of(cls, form) -> Names:
        def by_pk(named: dict) -> dict[int, str]:
            return {pk: name for pk, name in named.values()}

        return cls(*(by_pk(n) for n in (form.operators, form.groups, form.topics, form.widgets)))


def rows(page: Page, names: Names) -> list[Row]:
    """The rows with every text final: the template only places them (50 rows rendered with
    filters and translations in the template cost more than the page's queries)."""
    labels = _Labels()
    return [_row(c, page.snippets.get(c.pk), names, labels) for c in page.rows]


class _Labels:
    """Translated once per page, not once per row."""

    def __init__(self) -> None:
        self.statuses = {value: str(label) for value, label in Status.choices}
        self.channels = {value: str(label) for value, label in TransportKind.choices}
        self.kinds = {kind: str(label) for kind, label in KIND_LABELS.items()}
        self.with_feedback = _("with feedback")
        self.select = _("Select the conversation with %(name)s")


def _row(conversation: Conversation, snippet: Snippet | None, names: Names, labels) -> Row:
    contact = conversation.contact
    email = getattr(conversation, "contact_email", "") or ""
    name = contact.name or email or contact.public_id
    kind = snippet.kind if snippet else "preview"
    return Row(
        id=conversation.public_id,
        url=reverse("conversation", args=[conversation.public_id]),
        contact=name,
        contact_email=email if contact.name else "",
        text=snippet.html if snippet else _preview(getattr(conversation, "preview", "") or ""),
        text_kind=kind,
        text_label=labels.kinds.get(kind, ""),
        select_label=labels.select % {"name": name},
        status=conversation.status,
        status_label=labels.statuses.get(conversation.status, conversation.status),
        is_live=conversation.is_live,
        operator=names.operators.get(conversation.assigned_operator_id or 0, "—"),
        group=names.groups.get(conversation.assigned_group_id or 0, ""),
        topic=names.topics.get(conversation.topic_id or 0, "—"),
        channel=labels.channels.get(conversation.connection.kind, ""),
        widget=" · ".join(
            part
            for part in (names.widgets.get(conversation.widget_id, ""), conversation.locale.upper())
            if part
        ),
        rating=f"{conversation.rating}★" if conversation.rating else "",
        rating_label=_rating_label(conversation.rating),
        feedback_label=labels.with_feedback if conversation.feedback else "",
        activity=date_format(localtime(conversation.last_activity_at), "SHORT_DATETIME_FORMAT"),
        activity_iso=conversation.last_activity_at.isoformat(),
    )


KIND_LABELS = {
    "note": gettext_lazy("Note"),
    "contact": gettext_lazy("Contact"),
    "phone": gettext_lazy("Phone"),
}


def _rating_label(stars: int | None) -> str:
    if stars is None:
        return ""
    return ngettext("%(count)d star", "%(count)d stars", stars) % {"count": stars}


def _preview(body: str) -> SafeString:
    text = " ".join(body.split())
    if len(text) > PREVIEW_LENGTH:
        text = text[: PREVIEW_LENGTH - 1] + "…"
    return mark_safe(escape(text))  # noqa: S308 (escaped on the line itself)


def _label(action) -> object:
    return action["label"] if isinstance(action, dict) else action.label


def page_config(form, *, is_admin: bool, offered: list | None = None) -> dict:
    """What archive.js needs besides the rows: names for live updates, the offered actions
    (``offered``: what the page offers, when it worked that out already)."""
    if offered is None:
        offered = [a for a in actions.ACTIONS.values() if is_admin or not a.admin_only]
    offered = [
        {"key": a["key"] if isinstance(a, dict) else a.key, "label": str(_label(a))}
        for a in offered
    ]
    return {
        "operators": {pid: name for pid, (_pk, name) in form.operators.items()},
        "groups": {pid: name for pid, (_pk, name) in form.groups.items()},
        "actions": offered,
        "filter": form.querystring(),
        "urls": {
            "rows": reverse("archive"),
            "count": reverse("archive_count"),
            "export": reverse("archive_export"),
            "jobs": reverse("archive_jobs"),
            "socket": "/ws/operator",
        },
    }
