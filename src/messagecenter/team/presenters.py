"""Turning notification rows (ids only) into what the Notifications page shows.

A notification stores who and what by id; names are looked up when it is shown, so a renamed
colleague appears under the new name and an erased contact leaves no copy behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from messagecenter.core import clock
from messagecenter.notifications.models import Kind, Notification
from messagecenter.team.links import conversation_url

ICONS: dict[str, str] = {
    Kind.ASSIGNED: "assign",
    Kind.FORWARDED: "forward",
    Kind.NEW_MESSAGE: "message",
    Kind.NEW_UNASSIGNED: "inbox",
    Kind.MENTION: "at",
    Kind.CALL_MISSED: "phone",
    Kind.ACCOUNT: "activity",
}

# Audit actions an account-activity notification may carry.
ACTIONS = {
    "operator.created": gettext_lazy("added an operator"),
    "operator.updated": gettext_lazy("changed an operator"),
    "operator.slots_changed": gettext_lazy("changed chat slots"),
    "group.created": gettext_lazy("created an operator group"),
    "group.renamed": gettext_lazy("renamed an operator group"),
    "group.deleted": gettext_lazy("deleted an operator group"),
    "topic.created": gettext_lazy("created a topic"),
    "topic.renamed": gettext_lazy("renamed a topic"),
    "topic.deleted": gettext_lazy("deleted a topic"),
    "widget.created": gettext_lazy("created a widget"),
    "widget.updated": gettext_lazy("changed a widget"),
}


@dataclass
class NotificationView:
    public_id: str
    kind: str
    icon: str
    title: str
    context: str
    created_at: datetime
    when: str
    unread: bool
    open_url: str
    target_url: str


def present(row: Notification, operator_names: dict[str, str]) -> NotificationView:
    actor = _actor_name(row, operator_names)
    names = (_contact_name(row), _contact_name(row, as_subject=True))
    return NotificationView(
        public_id=row.public_id,
        kind=row.kind,
        icon=ICONS.get(row.kind, "activity"),
        title=_title(row.kind, actor, names, row.action),
        context=_context(row),
        created_at=row.created_at,
        when=relative_time(row.created_at),
        unread=row.read_at is None,
        open_url=reverse("notification_open", args=[row.public_id]),
        target_url=_target(row),
    )


def _title(kind: str, actor: str, names: tuple[str, str], action: str) -> str:
    contact, subject = names  # "with a visitor" / "A visitor started…" (see _contact_name)
    if kind == Kind.ASSIGNED:
        return _("The conversation with %(contact)s was assigned to you") % {"contact": contact}
    if kind == Kind.FORWARDED:
        return _("%(actor)s forwarded the conversation with %(contact)s to you") % {
            "actor": actor,
            "contact": contact,
        }
    if kind == Kind.NEW_MESSAGE:
        return _("New message from %(contact)s") % {"contact": contact}
    if kind == Kind.NEW_UNASSIGNED:
        return _("%(contact)s started a conversation; nobody is assigned yet") % {
            "contact": subject
        }
    if kind == Kind.MENTION:
        return _("%(actor)s mentioned you in a note") % {"actor": actor}
    if kind == Kind.CALL_MISSED:
        # Operators call contacts (R-FILE-3): the contact missed the operator's call.
        return _("%(contact)s did not answer your call") % {"contact": contact}
    what = ACTIONS.get(action)
    if what is None:
        return _("Account activity")
    return f"{actor} {what}"


def _context(row: Notification) -> str:
    """The second line: which conversation it is about."""
    if row.conversation is None:
        return ""
    subject = row.conversation.subject
    if row.kind == Kind.MENTION:
        contact = _contact_name(row)
        if subject:
            return _("Conversation with %(contact)s: %(subject)s") % {
                "contact": contact,
                "subject": subject,
            }
        return _("Conversation with %(contact)s") % {"contact": contact}
    return subject


def _actor_name(row: Notification, operator_names: dict[str, str]) -> str:
    if row.actor_kind == "operator":
        return operator_names.get(row.actor_id) or _("A former colleague")
    if row.actor_kind == "contact":
        return _contact_name(row, as_subject=True)
    if row.actor_kind in ("bot", "token"):
        return _("An integration")
    return _("Message Center")


def _contact_name(row: Notification, *, as_subject: bool = False) -> str:
    """The contact's name, or a stand-in for a nameless one. German declines the stand-in:
    "Ein Besucher hat…" as the subject of a sentence, "mit/von einem Besucher" after a
    preposition, so the two are separate messages (and English capitalises the first)."""
    named = row.conversation.contact.name if row.conversation is not None else ""
    if named:
        return named
    if as_subject:
        if row.conversation is None:
            return pgettext("subject of a sentence", "A contact")
        return pgettext("subject of a sentence", "A visitor")
    return _("a contact") if row.conversation is None else _("a visitor")


def _target(row: Notification) -> str:
    if row.conversation is None:
        return reverse("notifications")
    return conversation_url(row.conversation.public_id, row.seq)


def relative_time(at: datetime) -> str:
    """Compact, like a mail client: "just now", "5 min", "3 h", then the day ("2 March")."""
    seconds = (clock.now() - at).total_seconds()
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        return _("%(n)d min") % {"n": seconds // 60}
    if seconds < 24 * 3600:
        return _("%(n)d h") % {"n": seconds // 3600}
    return formats.date_format(timezone.localtime(at), "MONTH_DAY_FORMAT")
