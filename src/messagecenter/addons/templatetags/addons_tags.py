"""The conversation page's add-on parts: the action bar's menu items, the sidebar's tab and
panel (the web app includes them; they read what they show here)."""

from __future__ import annotations

from django import template

from messagecenter.addons.presenters import menu_addons, panel_context

register = template.Library()


@register.inclusion_tag("addons/_menu.html", takes_context=True)
def addon_menu(context, conversation):
    operator = context["request"].user
    return {
        "conversation": conversation,
        "addons": menu_addons(operator.account, context["request"]),
        "is_admin": operator.is_admin,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("addons/_tab.html")
def addon_tab():
    return {}


@register.inclusion_tag("addons/_panel_section.html", takes_context=True)
def addon_panel(context, conversation):
    request = context["request"]
    return panel_context(conversation, request.user, request)


@register.filter
def action_label(kind: str) -> str:
    """An applied action's name for people (the protocol's name for an unknown one)."""
    from django.utils.translation import gettext as _

    labels = {
        "set_topic": _("Topic set"),
        "add_note": _("Note added"),
        "set_custom_data": _("Custom data set"),
    }
    return labels.get(kind, kind)
