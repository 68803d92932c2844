"""Administration pages in Settings (audit log) and Help. Every change goes through a
service of this app; these views parse, call and render."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.accounts import permissions
from messagecenter.accounts import services as accounts
from messagecenter.accounts.models import Operator
from messagecenter.administration import (
    audit_log,
    hours,
    profile,
    retention,
    security,
    streaming,
)
from messagecenter.administration.forms import (
    AccountProfileForm,
    AuditFilterForm,
    BusinessHoursForm,
    LogoForm,
    RetentionForm,
    SupportForm,
)
from messagecenter.administration.profile import SUPPORT_FIELDS, profile_of
from messagecenter.core.errors import Conflict, PermissionDenied, ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.files.http import file_response
from messagecenter.team.forms import apply_error
from messagecenter.web.access import actor, admin_page, operator, operator_page
from messagecenter.widgets.models import Widget

_SETTINGS = {"section": "settings"}


def _audit_form(request) -> AuditFilterForm:
    operators = list(Operator.objects.filter(account=request.user.account).order_by("name"))
    return AuditFilterForm(
        request.GET or None, operators=operators, actions=audit_log.actions(actor(request))
    )


@operator_page  # supervisors too: audit_log asks accounts.permissions
def audit(request):
    form = _audit_form(request)
    filters = form.to_filter(operator(request).time_zone)
    try:
        result = audit_log.page(actor(request), filters, request.GET.get("after", ""))
    except ValidationFailed:
        result = audit_log.page(actor(request), filters)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "page": result,
        "rows": [(e, result.actor_names.get(e.actor_id, "")) for e in result.entries],
        "query": query.urlencode(),
        "first_page": not request.GET.get("after"),
        "tab": "audit",
        # A supervisor reaches the log from its own navigation entry, not from Settings.
        "section": "settings" if permissions.can_manage_settings(actor(request)) else "audit",
    }
    return render(request, "administration/audit.html", context)


@operator_page
def audit_csv(request):
    filters = _audit_form(request).to_filter(operator(request).time_zone)
    rows = audit_log.csv_rows(actor(request), filters)
    answer = StreamingHttpResponse(
        streaming.body(request, rows), content_type="text/csv; charset=utf-8"
    )
    answer["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    answer["Cache-Control"] = "no-store"
    return answer


# --- Help -----------------------------------------------------------------------------------


@operator_page
def help_page(request):
    """Help for every operator: FAQ, keyboard shortcuts, API docs, whom to ask."""
    context = {"section": "help", "support": profile_of(request.user.account)}
    return render(request, "administration/help.html", context)


# --- Settings › Account ---------------------------------------------------------------------


def _account_page(request, *, profile_form=None, logo_form=None, support_form=None, status=200):
    account = request.user.account
    profile = profile_of(account)
    context = {
        "profile_form": profile_form
        or AccountProfileForm(
            initial={
                "name": account.name,
                "default_language": profile.default_language,
                "time_zone": account.time_zone,
            }
        ),
        "logo_form": logo_form or LogoForm(),
        "support_form": support_form
        or SupportForm(initial={name: getattr(profile, name) for name in SUPPORT_FIELDS}),
        "profile": profile,
        "tab": "account",
        **_SETTINGS,
    }
    return render(request, "administration/account.html", context, status=status)


@admin_page
def account_settings(request):
    if request.method != "POST":
        return _account_page(request)
    form = AccountProfileForm(request.POST)
    if form.is_valid():
        try:
            _save_account(request, form.cleaned_data)
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The account settings have been saved."))
            return redirect("settings_account")
    return _account_page(request, profile_form=form, status=400)


def _save_account(request, data: dict) -> None:
    account, who = request.user.account, actor(request)
    with transaction.atomic():
        if data["name"] != account.name:
            accounts.rename_account(account, data["name"], actor=who)
        if data["time_zone"] != account.time_zone:
            accounts.set_account_time_zone(account, data["time_zone"], actor=who)
        profile.set_default_language(account, data["default_language"], actor=who)


@admin_page
@require_POST
def account_logo_upload(request):
    if request.POST.get("remove"):
        profile.remove_logo(request.user.account, actor=actor(request))
        messages.success(request, _("The logo has been removed."))
        return redirect("settings_account")
    form = LogoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            profile.set_logo(request.user.account, form.cleaned_data["logo"], actor=actor(request))
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The logo has been saved."))
            return redirect("settings_account")
    return _account_page(request, logo_form=form, status=400)


@admin_page
@require_POST
def account_support(request):
    form = SupportForm(request.POST)
    if form.is_valid():
        try:
            profile.update_support(request.user.account, actor=actor(request), **form.cleaned_data)
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The help settings have been saved."))
            return redirect("settings_account")
    return _account_page(request, support_form=form, status=400)


@operator_page
def account_logo(request, file_id: str):
    """The account's logo, for its own operators; cached for a day under its own id (a new
    logo is a new id, hence a new address)."""
    answer = file_response(profile.logo_file(request.user.account, file_id), inline=True)
    answer["Cache-Control"] = "private, max-age=86400, immutable"
    return answer


# --- Settings › Security --------------------------------------------------------------------


@admin_page
def security_settings(request):
    account = request.user.account
    if request.method == "POST":
        required = request.POST.get("require_two_factor") == "on"
        profile.set_two_factor_required(account, required, actor=actor(request))
        if required:
            messages.success(request, _("Two-factor sign-in is now required of every operator."))
        else:
            messages.success(request, _("Two-factor sign-in is now optional."))
        return redirect("settings_security")
    operators = Operator.objects.filter(account=account, is_active=True).order_by("name")
    context = {
        "profile": profile_of(account),
        "operators": operators,
        "tab": "security",
        **_SETTINGS,
    }
    return render(request, "administration/security.html", context)


@admin_page
@require_POST
def reset_two_factor(request, public_id: str):
    target = get_scoped(Operator, request.user.account, public_id)
    try:
        security.reset_second_factor(target, actor=actor(request))
    except (Conflict, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(name)s's second factor was reset; they were told by e-mail.")
            % {"name": target.name},
        )
    return redirect("settings_security")


# --- Settings › Data retention --------------------------------------------------------------


def _widget(request, public_id: str) -> Widget:
    return get_scoped(Widget, request.user.account, public_id)


def _retention_page(request, forms_by_widget=None, status=200):
    account = request.user.account
    widgets = Widget.objects.filter(account=account).order_by("name")
    forms_by_widget = forms_by_widget or {}
    rows = []
    for widget in widgets:
        policy = retention.policy_of(widget)
        initial = {"conversation_days": policy.conversation_days, "file_days": policy.file_days}
        form = forms_by_widget.get(widget.pk) or RetentionForm(
            initial=initial, prefix=widget.public_id
        )
        rows.append((widget, policy, form))
    context = {
        "rows": rows,
        "runs": retention.runs_of(account, actor=actor(request)),
        "tab": "retention",
        **_SETTINGS,
    }
    return render(request, "administration/retention.html", context, status=status)


@admin_page
def retention_settings(request):
    return _retention_page(request)


@admin_page
@require_POST
def retention_policy(request, public_id: str):
    widget = _widget(request, public_id)
    form = RetentionForm(request.POST, prefix=widget.public_id)
    if form.is_valid():
        try:
            retention.set_policy(widget, actor=actor(request), **form.cleaned_data)
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            messages.success(
                request, _("The retention of %(widget)s has been saved.") % {"widget": widget.name}
            )
            return redirect("settings_retention")
    return _retention_page(request, {widget.pk: form}, status=400)


@admin_page
@require_POST
def retention_run(request, public_id: str):
    widget = _widget(request, public_id)
    try:
        run = retention.start_run(widget, actor=actor(request))
    except (ValidationFailed, Conflict) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Retention run %(run)s started.") % {"run": run.public_id})
    return redirect("settings_retention")


@admin_page
def retention_receipt(request, public_id: str):
    body = retention.receipt(request.user.account, public_id, actor=actor(request))
    answer = JsonResponse(body, json_dumps_params={"indent": 2})
    answer["Content-Disposition"] = f'attachment; filename="retention-receipt-{public_id}.json"'
    answer["Cache-Control"] = "no-store"
    return answer


# --- Settings › Business hours --------------------------------------------------------------


@admin_page
def hours_list(request):
    widgets = Widget.objects.filter(account=request.user.account).order_by("name")
    rows = [(widget, hours.hours_of(widget)) for widget in widgets]
    context = {"rows": rows, "tab": "hours", **_SETTINGS}
    return render(request, "administration/hours_list.html", context)


@admin_page
def hours_edit(request, public_id: str):
    widget = _widget(request, public_id)
    current = hours.hours_of(widget)
    form = BusinessHoursForm(request.POST or None, initial=BusinessHoursForm.initial_for(current))
    if request.method == "POST" and form.is_valid():
        try:
            hours.set_hours(widget, actor=actor(request), **form.to_hours())
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            saved = _("The business hours of %(widget)s have been saved.") % {"widget": widget.name}
            messages.success(request, saved)
            return redirect("settings_hours")
    context = {
        "widget": widget,
        "form": form,
        "open_now": hours.is_open(current),
        "tab": "hours",
        **_SETTINGS,
    }
    return render(
        request, "administration/hours_edit.html", context, status=400 if form.errors else 200
    )
