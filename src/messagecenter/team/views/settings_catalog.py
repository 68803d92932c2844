"""Account settings: operator groups and topics, two lists of names with the same shape.

Each is a ``Catalog`` naming its model and its three services; one set of views serves both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import OperatorGroup
from messagecenter.conversations import services as conversations
from messagecenter.conversations.models import Topic
from messagecenter.core.errors import ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.web.access import actor, admin_page


@dataclass(frozen=True)
class Catalog:
    tab: str
    url_name: str
    item_url_prefix: str
    items: Callable[[Any], QuerySet]
    create: Callable[..., Any]
    rename: Callable[..., Any]
    delete: Callable[..., Any]
    title: Promise
    lead: Promise
    new_label: Promise
    placeholder: Promise
    count_text: Callable[[int], str]
    delete_note: Promise
    empty: Promise

    @property
    def rename_url_name(self) -> str:
        return f"{self.item_url_prefix}_rename"

    @property
    def delete_url_name(self) -> str:
        return f"{self.item_url_prefix}_delete"


def _groups(account) -> QuerySet:
    members = Count("members", filter=Q(members__is_active=True))
    return OperatorGroup.objects.for_account(account).annotate(count=members).order_by("name")


def _topics(account) -> QuerySet:
    return Topic.objects.for_account(account).annotate(count=Count("conversation")).order_by("name")


GROUPS = Catalog(
    tab="groups",
    url_name="settings_groups",
    item_url_prefix="settings_group",
    items=_groups,
    create=accounts.create_group,
    rename=accounts.rename_group,
    delete=accounts.delete_group,
    title=gettext_lazy("Operator groups"),
    lead=gettext_lazy(
        "Widgets route their conversations to a group; operators see the unassigned "
        "conversations of their groups."
    ),
    new_label=gettext_lazy("New group"),
    placeholder=gettext_lazy("e.g. Sales"),
    count_text=lambda n: ngettext("%(n)d member", "%(n)d members", n) % {"n": n},
    delete_note=gettext_lazy(
        "Its widgets then route to everyone, and its queued conversations become unassigned."
    ),
    empty=gettext_lazy("No groups yet. Create one for each team that answers conversations."),
)

TOPICS = Catalog(
    tab="topics",
    url_name="settings_topics",
    item_url_prefix="settings_topic",
    items=_topics,
    create=conversations.create_topic,
    rename=conversations.rename_topic,
    delete=conversations.delete_topic,
    title=gettext_lazy("Topics"),
    lead=gettext_lazy("Operators label conversations with a topic, for filters and analytics."),
    new_label=gettext_lazy("New topic"),
    placeholder=gettext_lazy("e.g. Delivery"),
    count_text=lambda n: ngettext("%(n)d conversation", "%(n)d conversations", n) % {"n": n},
    delete_note=gettext_lazy("Conversations keep their history; their topic becomes empty."),
    empty=gettext_lazy("No topics yet."),
)


@admin_page
def catalog_list(request, catalog: Catalog):
    """The list; a POST creates an item."""
    if request.method != "POST":
        return _render(request, catalog)
    name = request.POST.get("name", "")
    try:
        catalog.create(request.user.account, name, actor=actor(request))
    except ValidationFailed as error:
        return _render(request, catalog, create_error=str(error), typed=name)
    messages.success(request, _("“%(name)s” has been created.") % {"name": name.strip()})
    return redirect(catalog.url_name)


@admin_page
@require_POST
def catalog_rename(request, catalog: Catalog, public_id: str):
    item = get_scoped(catalog.items(request.user.account), request.user.account, public_id)
    name = request.POST.get("name", "")
    try:
        catalog.rename(item, name, actor=actor(request))
    except ValidationFailed as error:
        return _render(
            request, catalog, errors={public_id: str(error)}, typed_for={public_id: name}
        )
    messages.success(request, _("Renamed to “%(name)s”.") % {"name": item.name})
    return redirect(catalog.url_name)


@admin_page
@require_POST
def catalog_delete(request, catalog: Catalog, public_id: str):
    item = get_scoped(catalog.items(request.user.account), request.user.account, public_id)
    catalog.delete(item, actor=actor(request))
    messages.success(request, _("“%(name)s” has been deleted.") % {"name": item.name})
    return redirect(catalog.url_name)


def _render(request, catalog: Catalog, **state):
    items = list(catalog.items(request.user.account))
    errors = state.get("errors", {})
    typed_for = state.get("typed_for", {})
    for item in items:
        item.error = errors.get(item.public_id, "")
        item.typed = typed_for.get(item.public_id, item.name)
        item.count_text = catalog.count_text(item.count)
    context = {
        "catalog": catalog,
        "items": items,
        "create_error": state.get("create_error", ""),
        "typed": state.get("typed", ""),
        "tab": catalog.tab,
        "section": "settings",
    }
    status = 400 if state else 200
    return render(request, "team/settings/catalog.html", context, status=status)
