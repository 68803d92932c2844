"""Translation pages and actions: Settings › Translation (administrators), the operator's
"languages I read", and the conversation's toggle, preview and translated send. Every write
goes through ``translation.services`` or ``translation.outbound``."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.conversations.models import Conversation
from messagecenter.core.errors import DomainError, ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.translation import outbound, services
from messagecenter.translation.forms import SettingsForm
from messagecenter.translation.models import State
from messagecenter.web.access import actor, admin_page, operator, operator_page

_PAGE = {"tab": "translation", "section": "settings"}


@admin_page
def settings_page(request):
    account = request.user.account
    config = services.settings_of(account)
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_for(config))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_settings(account, form.choice(), actor=actor(request))
        except ValidationFailed as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The translation settings have been saved."))
            return redirect("settings_translation")
    context = {
        "form": form,
        "config": config,
        "has_key": bool(config and (config.credentials or {}).get("api_key")),
        "characters": services.characters_this_month(account),
        "check": request.session.pop("translation_check", None),
        **_PAGE,
    }
    return render(request, "translation/settings.html", context, status=400 if form.errors else 200)


@admin_page
@require_POST
def settings_test(request):
    """The test button: a sample translation, the languages, the provider's quota."""
    result = services.check_provider(request.user.account, actor=actor(request))
    request.session["translation_check"] = {
        "ok": result.ok,
        "state": str(State(result.state).label),
        "detail": result.detail[:200],
        "sample": result.sample,
        "used": result.usage.characters if result.usage else None,
        "limit": result.usage.limit if result.usage else None,
        "languages": result.languages,
    }
    return redirect("settings_translation")


@operator_page
def reading_page(request):
    me = operator(request)
    if request.method == "POST":
        services.set_reading_languages(me, request.POST.getlist("languages"), actor=actor(request))
        messages.success(request, _("Your languages have been saved."))
        return redirect("translation_reading")
    context = {
        "languages": services.language_names(),
        "reads": services.reading_languages(me),
        "section": "settings",
    }
    return render(request, "translation/reading.html", context)


def _conversation(request, conversation_id: str) -> Conversation:
    return get_scoped(Conversation, request.user.account, conversation_id)


@operator_page
@require_POST
def toggle(request, conversation_id: str):
    conversation = _conversation(request, conversation_id)
    try:
        state = services.set_toggle(
            conversation,
            enabled=request.POST.get("enabled") == "on",
            language=request.POST.get("language", "")[:8],
            actor=actor(request),
        )
    except DomainError as error:
        return JsonResponse({"ok": False, "error": str(error)}, status=400)
    return JsonResponse({"ok": True, **toggle_payload(conversation, state)})


def toggle_payload(conversation: Conversation, state=None, config=services.UNREAD) -> dict:
    """What the toggle shows: on or off, the language, and why it cannot work (if so)."""
    state = state or services.toggle_of(conversation)
    if config is services.UNREAD:
        config = services.settings_of(conversation.account)
    blocked = services.blocked_reason(conversation, config)
    shown = blocked or state.state
    return {
        "enabled": state.enabled,
        "language": state.target_language,
        "pinned": state.pinned,
        "state": shown,
        "state_label": str(State(shown).label),
        "available": not blocked,
    }


@operator_page
@require_POST
def preview(request, conversation_id: str):
    conversation = _conversation(request, conversation_id)
    try:
        found = outbound.preview(conversation, request.POST.get("body", ""), actor=actor(request))
    except outbound.TranslationUnavailable as error:
        return JsonResponse({"ok": False, "state": error.state, "error": str(error)}, status=503)
    except DomainError as error:
        return JsonResponse({"ok": False, "error": str(error)}, status=400)
    return JsonResponse(
        {"ok": True, "text": found.text, "source": found.source, "target": found.target}
    )


@operator_page
@require_POST
def send(request, conversation_id: str):
    conversation = _conversation(request, conversation_id)
    try:
        entry = outbound.send_translated(
            conversation,
            request.POST.get("original", ""),
            request.POST.get("translated", ""),
            actor=actor(request),
            source=request.POST.get("source", ""),
            client_msg_id=request.POST.get("client_id", "")[:64] or None,
        )
    except DomainError as error:
        return JsonResponse({"ok": False, "error": str(error)}, status=400)
    return JsonResponse({"ok": True, "seq": entry.seq})
