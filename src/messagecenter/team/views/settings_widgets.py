"""Account settings: widgets (website messengers), the widget editor with its live preview,
the embed snippet and the identity secret."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from messagecenter.core.errors import ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.team.forms import WidgetForm, apply_error
from messagecenter.web import csp
from messagecenter.web.access import actor, admin_page
from messagecenter.widgets.models import Widget
from messagecenter.widgets.services import create_widget, update_widget


@admin_page
def widget_list(request):
    widgets = (
        Widget.objects.for_account(request.user.account)
        .select_related("operator_group")
        .order_by("name")
    )
    context = {"widgets": widgets, "tab": "widgets", "section": "settings"}
    return render(request, "team/settings/widgets.html", context)


@admin_page
def widget_new(request):
    account = request.user.account
    # An unsaved widget carries the model's defaults: the form starts from them.
    initial = WidgetForm.initial_for(Widget(language=request.user.language))
    form = WidgetForm(request.POST or None, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        widget = _create(request, form)
        if widget is not None:
            messages.success(
                request, _("The widget is ready. Add the snippet below to your website.")
            )
            return redirect("settings_widget", public_id=widget.public_id)
    context = {"form": form, **_editor_context(request)}
    status = 400 if form.errors else 200
    return render(request, "team/settings/widget_new.html", context, status=status)


@admin_page
def widget_edit(request, public_id: str):
    account = request.user.account
    widget = get_scoped(Widget.objects.select_related("operator_group"), account, public_id)
    form = WidgetForm(request.POST or None, account=account, initial=WidgetForm.initial_for(widget))
    if request.method == "POST" and form.is_valid() and _update(request, widget, form):
        messages.success(request, _("The widget settings have been saved."))
        return redirect("settings_widget", public_id=widget.public_id)
    context = {
        "form": form,
        "widget": widget,
        "snippet": embed_snippet(widget),
        **_editor_context(request, widget.language),
    }
    status = 400 if form.errors else 200
    return render(request, "team/settings/widget_edit.html", context, status=status)


@admin_page
def widget_preview(request):
    """The messenger in preview mode, framed by the editor of this server only. It shows
    what the editor posts to it and never opens a socket, so no widget is needed here."""
    response = render(request, "webchat/preview.html")
    return csp.allow_framing_by(response, [])


def _editor_context(request, language: str | None = None) -> dict:
    return {
        "languages": settings.LANGUAGES,
        "preview_language": language or request.user.language,
        "tab": "widgets",
        "section": "settings",
    }


def embed_snippet(widget: Widget) -> str:
    return (
        f'<script type="module" src="{settings.PUBLIC_URL}/messenger.js" '
        f'data-widget="{widget.key}" async></script>'
    )


def _create(request, form: WidgetForm) -> Widget | None:
    changes = form.to_changes()
    try:
        return create_widget(
            request.user.account,
            changes.pop("name"),
            operator_group=changes.pop("operator_group"),
            language=changes.pop("language"),
            actor=actor(request),
            **changes,
        )
    except ValidationFailed as error:
        apply_error(form, error, WidgetForm.ERROR_FIELDS)
        return None


def _update(request, widget: Widget, form: WidgetForm) -> bool:
    # Only what changed, so the audit trail names the settings that were actually touched.
    changes = {k: v for k, v in form.to_changes().items() if getattr(widget, k) != v}
    if not changes:
        return True
    try:
        update_widget(widget, actor=actor(request), **changes)
    except ValidationFailed as error:
        widget.refresh_from_db()
        apply_error(form, error, WidgetForm.ERROR_FIELDS)
        return False
    return True
