"""Add-on pages: Settings › Add-ons (administrators: register, edit, rotate the secret,
switch on and off, delete, the run log), and the conversation's add-ons (any operator: run
one, the sidebar panel, a run's state, its content in a sandboxed frame). Every change goes
through ``addons.services`` or ``addons.runs``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from messagecenter.addons import runs, services
from messagecenter.addons.forms import AddonForm
from messagecenter.addons.models import Addon, AddonRun, RunState
from messagecenter.addons.presenters import panel_context
from messagecenter.core.errors import DomainError, NotFound, ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.team.forms import apply_error
from messagecenter.web.access import actor, admin_page
from messagecenter.web.reads import conversation_for
from messagecenter.web.views.respond import not_found_as_404, refused, wants_json

LOG_SIZE = 50
_PAGE = {"tab": "addons", "section": "settings"}

# The content frame's own policy: a self-contained document (inline scripts and styles,
# images from https: or data:), in a sandbox with an opaque origin, so it can neither read
# the Message Center nor call anything (no connect, no forms, no plugins), even when opened
# on its own. Only the Message Center may frame it.
CONTENT_POLICY = "; ".join(
    (
        "sandbox allow-scripts",
        "default-src 'none'",
        "script-src 'unsafe-inline'",
        "style-src 'unsafe-inline'",
        "img-src data: https:",
        "font-src data:",
        "connect-src 'none'",
        "form-action 'none'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'self'",
    )
)


def _addon(request, public_id: str) -> Addon:
    return get_scoped(Addon, request.user.account, public_id)


# --- Settings › Add-ons ---------------------------------------------------------------------------


@admin_page
def addon_list(request):
    addons = Addon.objects.for_account(request.user.account).order_by("name")
    rows = [
        (addon, AddonRun.objects.filter(addon=addon).order_by("-created_at", "-pk").first())
        for addon in addons
    ]
    return render(request, "addons/list.html", {"rows": rows, **_PAGE})


@admin_page
def addon_new(request):
    form = AddonForm(request.POST or None, initial=AddonForm.initial_for(None))
    if request.method == "POST" and form.is_valid():
        try:
            made = services.create_addon(
                request.user.account, actor=actor(request), **form.values()
            )
        except ValidationFailed as error:
            apply_error(form, error, AddonForm.ERROR_FIELDS)
        else:
            return _secret_page(request, made, created=True)
    status = 400 if form.errors else 200
    return render(request, "addons/new.html", {"form": form, **_PAGE}, status=status)


@admin_page
def addon_edit(request, public_id: str):
    addon = _addon(request, public_id)
    form = AddonForm(request.POST or None, initial=AddonForm.initial_for(addon))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_addon(addon, actor=actor(request), **form.values())
        except ValidationFailed as error:
            addon.refresh_from_db()
            apply_error(form, error, AddonForm.ERROR_FIELDS)
        else:
            messages.success(request, _("The add-on has been saved."))
            return redirect("settings_addon", public_id=addon.public_id)
    context = {
        "form": form,
        "addon": addon,
        "rotating": len(services.signing_secrets(addon)) > 1,
        **_PAGE,
    }
    return render(request, "addons/edit.html", context, status=400 if form.errors else 200)


@admin_page
@require_POST
def addon_rotate(request, public_id: str):
    made = services.rotate_secret(_addon(request, public_id), actor=actor(request))
    return _secret_page(request, made, created=False)


@admin_page
@require_POST
def addon_enabled(request, public_id: str):
    addon = _addon(request, public_id)
    enabled = request.POST.get("enabled") == "1"
    services.set_enabled(addon, enabled, actor=actor(request))
    if enabled:
        messages.success(request, _("The add-on is enabled: operators can run it."))
    else:
        messages.success(request, _("The add-on is disabled: it is offered nowhere."))
    return redirect("settings_addon", public_id=addon.public_id)


@admin_page
@require_POST
def addon_delete(request, public_id: str):
    addon = _addon(request, public_id)
    services.delete_addon(addon, actor=actor(request))
    messages.success(request, _("The add-on %(name)s is deleted.") % {"name": addon.name})
    return redirect("settings_addons")


@admin_page
def addon_runs(request, public_id: str):
    """The add-on's last runs, newest first, each with what it got and did."""
    addon = _addon(request, public_id)
    state = request.GET.get("state", "")
    shown = AddonRun.objects.filter(addon=addon).select_related("conversation", "started_by")
    if state in RunState.values:
        shown = shown.filter(state=state)
    context = {
        "addon": addon,
        "runs": list(shown.order_by("-created_at", "-pk")[:LOG_SIZE]),
        "states": RunState.choices,
        "state": state,
        "log_size": LOG_SIZE,
        **_PAGE,
    }
    return render(request, "addons/runs.html", context)


def _secret_page(request, made: services.AddonSecret, *, created: bool):
    context = {"addon": made.addon, "secret": made.secret, "created": created, **_PAGE}
    response = render(request, "addons/secret.html", context)
    response["Cache-Control"] = "no-store"
    return response


# --- in the conversation ------------------------------------------------------------------------


def _conversation(request, conversation_id: str):
    return not_found_as_404(lambda: conversation_for(request.user, conversation_id))


@login_required
@require_POST
def run_addon(request, conversation_id: str, addon_id: str):
    """Start a run from the action bar: 202 with the run (the page follows it), or back to
    the conversation without JavaScript."""
    conversation = _conversation(request, conversation_id)
    back = reverse("conversation", args=[conversation.public_id])
    try:
        addon = _addon(request, addon_id)
        run = runs.start_run(addon, conversation, actor=actor(request))
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return refused(request, error, back=back)
    if wants_json(request):
        return JsonResponse({"ok": True, "run": runs.run_payload(run)}, status=202)
    messages.success(request, _("%(name)s is running.") % {"name": addon.name})
    return HttpResponseRedirect(back)


@login_required
@require_GET
def run_status(request, conversation_id: str, run_id: str):
    conversation = _conversation(request, conversation_id)
    run = not_found_as_404(
        lambda: get_scoped(
            AddonRun.objects.select_related("addon", "conversation"),
            request.user.account,
            run_id,
            conversation=conversation,
        )
    )
    return JsonResponse(runs.run_payload(run))


@login_required
@require_GET
def panel(request, conversation_id: str):
    """The sidebar's Add-ons panel (htmx re-reads it when a run starts or ends)."""
    conversation = _conversation(request, conversation_id)
    return render(request, "addons/_panel.html", panel_context(conversation, request.user))


@login_required
@require_GET
@xframe_options_sameorigin
def run_content(request, run_id: str):
    """The HTML a run answered, for the sidebar's sandboxed frame, under its own policy."""
    run = not_found_as_404(lambda: get_scoped(AddonRun, request.user.account, run_id))
    if not run.content:
        raise Http404
    response = HttpResponse(run.content, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = CONTENT_POLICY
    response["Referrer-Policy"] = "no-referrer"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
