"""What the signed-in operator may see, for templates (``accounts.permissions`` decides)."""

from __future__ import annotations

from django import template

from messagecenter.accounts import permissions

register = template.Library()


@register.filter
def may_manage_settings(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and permissions.can_manage_settings(user)


@register.filter
def may_see_audit_log(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and permissions.can_see_audit_log(user)


@register.filter
def reassigns_anyones(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and permissions.reassigns_anyones(user)
