"""Account settings › Chat tools: chat macros, push macros, macro groups, export and import
(R-MACRO-1..3). Each view calls one macro service; a refusal shows the service's message."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.core.errors import ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.macros import services as macros
from messagecenter.macros import transfer
from messagecenter.macros.models import Macro, MacroGroup, MacroKind
from messagecenter.team.forms import MacroForm, apply_error
from messagecenter.web.access import actor, admin_page

MAX_UPLOAD = 5 * 1024 * 1024


def _context(request, **extra) -> dict:
    account = request.user.account
    found = Macro.objects.for_account(account).select_related("group").order_by("name")
    return {
        "chat_macros": [m for m in found if m.kind == MacroKind.TEXT],
        "push_macros": [m for m in found if m.kind == MacroKind.PUSH],
        "groups": MacroGroup.objects.for_account(account).order_by("name"),
        "tab": "chat_tools",
        "section": "settings",
        **extra,
    }


@admin_page
def chat_tools(request):
    return render(request, "team/settings/chat_tools.html", _context(request))


@admin_page
def macro_new(request):
    push = request.GET.get("kind") == MacroKind.PUSH
    return _macro_form(request, None, push)


@admin_page
def macro_edit(request, public_id: str):
    macro = get_scoped(Macro.objects.select_related("group"), request.user.account, public_id)
    return _macro_form(request, macro, macro.kind == MacroKind.PUSH)


def _macro_form(request, macro: Macro | None, push: bool):
    account = request.user.account
    groups = list(MacroGroup.objects.for_account(account).order_by("name"))
    initial = MacroForm.initial_for(macro) if macro else {"default_language": request.user.language}
    form = MacroForm(request.POST or None, groups=groups, push=push, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if macro is None:
                macros.create_macro(account, actor=actor(request), **form.to_fields())
            else:
                macros.update_macro(macro, actor=actor(request), **form.to_fields())
        except ValidationFailed as error:
            apply_error(form, error, MacroForm.ERROR_FIELDS)
        else:
            messages.success(
                request,
                _("The macro “%(name)s” has been saved.") % {"name": form.cleaned_data["name"]},
            )
            return redirect("settings_chat_tools")
    context = {
        "form": form,
        "macro": macro,
        "push": push,
        "tab": "chat_tools",
        "section": "settings",
    }
    status = 400 if form.errors else 200
    return render(request, "team/settings/macro_form.html", context, status=status)


@admin_page
@require_POST
def macro_delete(request, public_id: str):
    macro = get_scoped(Macro.objects.all(), request.user.account, public_id)
    macros.delete_macro(macro, actor=actor(request))
    messages.success(request, _("“%(name)s” has been deleted.") % {"name": macro.name})
    return redirect("settings_chat_tools")


@admin_page
@require_POST
def group_create(request):
    name = request.POST.get("name", "")
    try:
        macros.create_group(request.user.account, name, actor=actor(request))
    except ValidationFailed as error:
        context = _context(request, group_error=str(error.message), typed=name)
        return render(request, "team/settings/chat_tools.html", context, status=400)
    messages.success(request, _("“%(name)s” has been created.") % {"name": name.strip()})
    return redirect("settings_chat_tools")


@admin_page
@require_POST
def group_delete(request, public_id: str):
    group = get_scoped(MacroGroup.objects.all(), request.user.account, public_id)
    macros.delete_group(group, actor=actor(request))
    messages.success(request, _("“%(name)s” has been deleted.") % {"name": group.name})
    return redirect("settings_chat_tools")


@admin_page
def export(request, fmt: str):
    account = request.user.account
    macros.require_admin(actor(request), account)
    if fmt == "csv":
        body, content_type = transfer.export_csv(account), "text/csv; charset=utf-8"
    else:
        body, content_type = transfer.export_json(account), "application/json; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="macros.{fmt}"'
    return response


@admin_page
@require_POST
def import_macros(request):
    """Upload → dry run report; the report page posts the same data back to import it."""
    confirm = request.POST.get("confirm") == "1"
    context = _context(request)
    try:
        data, name = _uploaded(request)
        context.update(import_data=data, import_name=name)
        rows = (
            transfer.parse_csv(data) if name.lower().endswith(".csv") else transfer.parse_json(data)
        )
        report = transfer.import_rows(
            request.user.account, rows, actor=actor(request), dry_run=not confirm
        )
    except ValidationFailed as error:
        context["import_error"] = str(error.message)
        return render(request, "team/settings/macro_import.html", context, status=400)
    if confirm and report.ok:
        messages.success(
            request,
            _("Macros imported: %(created)d new, %(updated)d updated.")
            % {"created": report.created, "updated": report.updated},
        )
        return redirect("settings_chat_tools")
    context["report"] = report
    status = 200 if report.ok else 400
    return render(request, "team/settings/macro_import.html", context, status=status)


def _uploaded(request) -> tuple[str, str]:
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > MAX_UPLOAD:
            raise ValidationFailed(_("The file is too large (at most 5 MB)."))
        try:
            return upload.read().decode("utf-8-sig"), upload.name
        except UnicodeDecodeError:
            raise ValidationFailed(_("The file is not UTF-8 text.")) from None
    data = request.POST.get("data", "")
    if not data:
        raise ValidationFailed(_("Choose a JSON or CSV file with macros."))
    return data, request.POST.get("name", "")
