"""Account settings: the team's operators (invite, change role, groups, slots, deactivate)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.accounts.models import Operator, Role
from messagecenter.accounts.services import create_operator, update_operator
from messagecenter.administration.profile import profile_of
from messagecenter.core.errors import ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.team.forms import EditOperatorForm, InviteOperatorForm, apply_error
from messagecenter.team.invitations import send_invitation
from messagecenter.web.access import actor, admin_page


@admin_page
def settings_home(request):
    return redirect("settings_operators")


@admin_page
def operator_list(request):
    operators = (
        Operator.objects.filter(account=request.user.account)
        .prefetch_related("groups")
        .order_by("-is_active", "name")
    )
    context = {"operators": operators, "tab": "operators", "section": "settings"}
    return render(request, "team/settings/operators.html", context)


@admin_page
def operator_invite(request):
    account = request.user.account
    language = profile_of(account).default_language
    initial = {"role": Role.OPERATOR, "max_slots": 3, "language": language}
    form = InviteOperatorForm(request.POST or None, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        operator = _invite(request, form)
        if operator is not None:
            messages.success(
                request,
                _("%(name)s is invited: we sent an e-mail to %(email)s to choose a password.")
                % {"name": operator.name, "email": operator.email},
            )
            return redirect("settings_operators")
    context = {"form": form, "tab": "operators", "section": "settings"}
    return render(
        request, "team/settings/operator_invite.html", context, status=400 if form.errors else 200
    )


@admin_page
def operator_edit(request, public_id: str):
    account = request.user.account
    operator = get_scoped(Operator.objects.prefetch_related("groups"), account, public_id)
    form = EditOperatorForm(request.POST or None, account=account, initial=_initial(operator))
    if request.method == "POST" and form.is_valid() and _update(request, operator, form):
        messages.success(request, _("%(name)s has been updated.") % {"name": operator.name})
        return redirect("settings_operators")
    context = {
        "form": form,
        "operator": operator,
        "pending": not operator.has_usable_password(),
        "tab": "operators",
        "section": "settings",
    }
    status = 400 if form.errors else 200
    return render(request, "team/settings/operator_edit.html", context, status=status)


@admin_page
@require_POST
def operator_reinvite(request, public_id: str):
    operator = get_scoped(Operator, request.user.account, public_id)
    if operator.has_usable_password() or not send_invitation(operator, invited_by=request.user):
        messages.error(request, _("%(name)s cannot be invited again.") % {"name": operator.name})
    else:
        messages.success(
            request, _("A new invitation is on its way to %(email)s.") % {"email": operator.email}
        )
    return redirect("settings_operator", public_id=operator.public_id)


def _invite(request, form: InviteOperatorForm) -> Operator | None:
    data = form.cleaned_data
    try:
        operator = create_operator(
            request.user.account,
            name=data["name"],
            email=data["email"],
            role=data["role"],
            language=data["language"],
            max_slots=data["max_slots"],
            groups=list(data["groups"]),
            actor=actor(request),
        )
    except ValidationFailed as error:
        apply_error(form, error)
        return None
    # After the service committed: nobody is invited to an operator that does not exist.
    send_invitation(operator, invited_by=request.user)
    return operator


def _update(request, operator: Operator, form: EditOperatorForm) -> bool:
    data = form.cleaned_data
    try:
        update_operator(
            operator,
            actor=actor(request),
            role=data["role"],
            groups=list(data["groups"]),
            max_slots=data["max_slots"],
            is_active=data["is_active"],
        )
    except ValidationFailed as error:
        operator.refresh_from_db()
        apply_error(form, error)
        return False
    return True


def _initial(operator: Operator) -> dict:
    return {
        "role": operator.role,
        "groups": list(operator.groups.all()),
        "max_slots": operator.max_slots,
        "is_active": operator.is_active,
    }
