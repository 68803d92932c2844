"""Settings › Webhooks: the account's endpoints with their health, create and edit, rotate
the signing secret (shown once), switch on and off, delete, and each endpoint's delivery log
with a replay button. Administrators only; every change goes through ``webhooks.services``
or ``webhooks.delivery``."""

from __future__ import annotations

import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.core.errors import InvalidTransition, ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.team.forms import apply_error
from messagecenter.web.access import actor, admin_page
from messagecenter.webhooks import delivery, services
from messagecenter.webhooks.forms import EndpointForm
from messagecenter.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

LOG_SIZE = 50
_PAGE = {"tab": "webhooks", "section": "settings"}


def _endpoint(request, public_id: str) -> WebhookEndpoint:
    return get_scoped(WebhookEndpoint, request.user.account, public_id)


@admin_page
def endpoint_list(request):
    endpoints = WebhookEndpoint.objects.for_account(request.user.account).order_by("created_at")
    rows = [(endpoint, delivery.health(endpoint)) for endpoint in endpoints]
    return render(request, "webhooks/list.html", {"rows": rows, **_PAGE})


@admin_page
def endpoint_new(request):
    form = EndpointForm(request.POST or None, initial=EndpointForm.initial_for(None))
    if request.method == "POST" and form.is_valid():
        try:
            made = services.create_endpoint(
                request.user.account,
                form.cleaned_data["url"],
                form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
                actor=actor(request),
            )
        except ValidationFailed as error:
            apply_error(form, error, EndpointForm.ERROR_FIELDS)
        else:
            return _secret_page(request, made, created=True)
    status = 400 if form.errors else 200
    return render(request, "webhooks/new.html", {"form": form, **_PAGE}, status=status)


@admin_page
def endpoint_edit(request, public_id: str):
    endpoint = _endpoint(request, public_id)
    form = EndpointForm(request.POST or None, initial=EndpointForm.initial_for(endpoint))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(
                endpoint,
                form.cleaned_data["url"],
                form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
                actor=actor(request),
            )
        except ValidationFailed as error:
            endpoint.refresh_from_db()
            apply_error(form, error, EndpointForm.ERROR_FIELDS)
        else:
            messages.success(request, _("The webhook has been saved."))
            return redirect("settings_webhook", public_id=endpoint.public_id)
    context = {
        "form": form,
        "endpoint": endpoint,
        "health": delivery.health(endpoint),
        "rotating": len(services.signing_secrets(endpoint)) > 1,
        **_PAGE,
    }
    status = 400 if form.errors else 200
    return render(request, "webhooks/edit.html", context, status=status)


@admin_page
@require_POST
def endpoint_rotate(request, public_id: str):
    made = services.rotate_secret(_endpoint(request, public_id), actor=actor(request))
    return _secret_page(request, made, created=False)


@admin_page
@require_POST
def endpoint_enabled(request, public_id: str):
    endpoint = _endpoint(request, public_id)
    enabled = request.POST.get("enabled") == "1"
    services.set_enabled(endpoint, enabled, actor=actor(request))
    if enabled:
        messages.success(request, _("The webhook is enabled: new events are sent to it."))
    else:
        messages.success(request, _("The webhook is disabled: nothing is sent to it."))
    if request.POST.get("back") == "edit":
        return redirect("settings_webhook", public_id=endpoint.public_id)
    return redirect("settings_webhooks")


@admin_page
@require_POST
def endpoint_delete(request, public_id: str):
    endpoint = _endpoint(request, public_id)
    services.delete_endpoint(endpoint, actor=actor(request))
    messages.success(request, _("The webhook %(url)s is deleted.") % {"url": endpoint.url})
    return redirect("settings_webhooks")


@admin_page
def endpoint_log(request, public_id: str):
    """The last deliveries, newest first, each with its attempts and the body it sends."""
    endpoint = _endpoint(request, public_id)
    state = request.GET.get("state", "")
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
    if state in DeliveryState.values:
        deliveries = deliveries.filter(state=state)
    shown = list(deliveries.order_by("-created_at", "-pk")[:LOG_SIZE])
    attempts: dict[int, list[WebhookAttempt]] = {}
    for attempt in WebhookAttempt.objects.filter(delivery__in=shown).order_by("number", "pk"):
        attempts.setdefault(attempt.delivery_id, []).append(attempt)
    context = {
        "endpoint": endpoint,
        "health": delivery.health(endpoint),
        "rows": [(row, attempts.get(row.pk, []), _pretty(row.event.body)) for row in shown],
        "states": DeliveryState.choices,
        "state": state,
        "log_size": LOG_SIZE,
        **_PAGE,
    }
    return render(request, "webhooks/log.html", context)


@admin_page
@require_POST
def delivery_replay(request, public_id: str, delivery_pk: int):
    me = actor(request)
    found = delivery.get_delivery(me, public_id, delivery_pk)
    try:
        state = delivery.replay(found, actor=me)
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        if state == DeliveryState.SUCCEEDED:
            messages.success(request, _("Sent again: the receiver accepted it."))
        else:
            messages.error(request, _("Sent again: it failed. See the attempt in the log."))
    return redirect("settings_webhook_log", public_id=public_id)


def _pretty(body: str) -> str:
    """The body as sent, indented for reading (what was signed is the compact original)."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


def _secret_page(request, made: services.EndpointSecret, *, created: bool):
    context = {"endpoint": made.endpoint, "secret": made.secret, "created": created, **_PAGE}
    response = render(request, "webhooks/secret.html", context)
    response["Cache-Control"] = "no-store"
    return response
