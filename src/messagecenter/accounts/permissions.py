"""What each role may do: the one place that answers permission questions.

Three roles (``Operator.role``):

- **admin**: everything, including Settings (widgets, channels, operators, security, webhooks,
  add-ons, API tokens, retention, …).
- **supervisor**: runs the floor: reassigns, transfers and ends anyone's conversations, sees
  every operator's analytics and the audit log; no Settings.
- **operator**: works their own, unassigned and group-queued conversations; their own
  analytics only; no audit log, no Settings.

Domain services enforce with the ``require_*`` functions (a ``PermissionDenied`` with a reason
the person can act on); views and templates only ask the ``can_*`` questions to decide what
to show. Integrations (account tokens) and the system keep the rights they had: they act for
the whole account, and their Settings access is decided by token scopes in the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from messagecenter.accounts.models import Operator, Role
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed

if TYPE_CHECKING:
    from messagecenter.conversations.models import Conversation

# Roles that lead the team: they may act on anyone's conversations and see everyone's numbers.
LEADS = frozenset({Role.ADMIN, Role.SUPERVISOR})


def role_of(actor: Actor | Operator | None) -> str:
    """The role behind an actor or operator; "" for contacts, tokens and the system."""
    operator = actor if isinstance(actor, Operator) else getattr(actor, "operator", None)
    return operator.role if operator is not None else ""


def can_manage_settings(actor: Actor | Operator | None) -> bool:
    """Settings pages and their endpoints: administrators only."""
    return role_of(actor) == Role.ADMIN


def can_see_audit_log(actor: Actor | Operator | None) -> bool:
    """Reading and exporting the account's audit trail."""
    return role_of(actor) in LEADS


def can_see_all_analytics(actor: Actor | Operator | None) -> bool:
    return role_of(actor) in LEADS


def analytics_scope(actor: Actor | Operator) -> Operator | None:
    """Whose numbers Analytics shows: ``None`` for everyone, else only this operator."""
    if can_see_all_analytics(actor):
        return None
    operator = actor if isinstance(actor, Operator) else actor.operator
    if operator is None:
        raise PermissionDenied(_("Only an operator can see analytics."))
    return operator


def reassigns_anyones(actor: Actor | Operator | None) -> bool:
    """Leads take, hand on and end a teammate's conversation (the UI offers "Assign to me")."""
    return role_of(actor) in LEADS


def can_reassign(actor: Actor, conversation: Conversation) -> bool:
    """Assign, unassign, transfer or end ``conversation``.

    Leads may act on any conversation. An operator works their own and those nobody has
    yet (unassigned or waiting in a group queue); a teammate's conversation is theirs to hand
    over. Integrations and the system act for the account, as before roles existed."""
    if actor.operator is None:
        return actor.kind in ("token", "system")
    if actor.operator.role in LEADS:
        return True
    assigned = conversation.assigned_operator_id
    return assigned is None or assigned == actor.operator.pk


def require_settings(actor: Actor | None) -> None:
    if not can_manage_settings(actor):
        raise PermissionDenied(_("Only an administrator can do this."), code="admin_only")


def require_audit_log(actor: Actor) -> None:
    if not can_see_audit_log(actor):
        raise PermissionDenied(
            _("Only administrators and supervisors can read the audit log."), code="audit_only"
        )


def require_reassign(actor: Actor, conversation: Conversation) -> None:
    if not can_reassign(actor, conversation):
        raise PermissionDenied(
            _(
                "This conversation is assigned to a teammate. Only they, a supervisor or an "
                "administrator can reassign or end it."
            ),
            code="not_yours",
        )


def check_role_change(actor: Actor | None, operator: Operator, role: str) -> None:
    """An administrator changes roles (a refused value is a ``ValidationFailed`` on the role
    field, so the form shows it); never their own (so nobody locks themselves out or
    grants themselves more), and the account always keeps an active administrator, even when
    the installation itself (``actor=None``: the CLI) asks."""
    if actor is not None:
        require_settings(actor)
    if role == operator.role:
        return
    if actor is not None and actor.operator is not None and actor.operator.pk == operator.pk:
        raise ValidationFailed(_("You cannot change your own role."), field="role")
    if operator.role == Role.ADMIN and not _other_admins(operator).exists():
        raise ValidationFailed(
            _("This is the last administrator of the account. Make someone else one first."),
            field="role",
        )


def _other_admins(operator: Operator):
    return Operator.objects.filter(
        account_id=operator.account_id, role=Role.ADMIN, is_active=True
    ).exclude(pk=operator.pk)
