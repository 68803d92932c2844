"""The composer's `$` command picker and `!` macro picker (R-CMD, R-MACRO-2).

``tools`` lists what the pickers offer; ``command`` runs one command through the command
engine (which decides who may do what); ``macro_text`` renders a macro for editing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_POST

from messagecenter.accounts.models import Operator, OperatorGroup
from messagecenter.contacts.services import is_online
from messagecenter.conversations.commands import catalogue, run_command
from messagecenter.conversations.models import Status, Topic
from messagecenter.conversations.notes import mention_handle
from messagecenter.macros import services as macros
from messagecenter.macros.models import Macro, MacroKind
from messagecenter.web import reads
from messagecenter.web.access import actor
from messagecenter.web.views.actions import back_to
from messagecenter.web.views.conversation import load
from messagecenter.web.views.respond import not_found_as_404, perform


@login_required
@require_GET
def tools(request, conversation_id: str):
    item = load(request, conversation_id)
    account = item.account
    online = is_online(item.contact)
    found = Macro.objects.filter(account=account).select_related("group")
    return JsonResponse(
        {
            "commands": catalogue(),
            "completions": {
                "operators": list(
                    Operator.objects.filter(account=account, is_active=True)
                    .order_by("name")
                    .values_list("name", flat=True)
                ),
                "groups": list(
                    OperatorGroup.objects.filter(account=account)
                    .order_by("name")
                    .values_list("name", flat=True)
                ),
                "topics": list(
                    Topic.objects.filter(account=account)
                    .order_by("name")
                    .values_list("name", flat=True)
                ),
                "statuses": [Status.OPEN, Status.WAITING, Status.ENDED],
                "locales": [code for code, _name in settings.LANGUAGES],
            },
            "mentions": _mentionable(request.user),
            "macros": [
                {
                    "name": m.name,
                    "kind": m.kind,
                    "group": m.group.name if m.group else "",
                    "text": macros.variant(m, item.locale) if m.kind == MacroKind.TEXT else m.url,
                }
                for m in sorted(
                    found, key=lambda m: (m.group is None, m.group.name if m.group else "", m.name)
                )
                # Push macros only while the contact is online (R-MACRO-2).
                if m.kind == MacroKind.TEXT or online
            ],
        }
    )


def _mentionable(me: Operator) -> list[dict[str, str]]:
    """The colleagues a note can mention (R-RULES Mentions), each with the handle the mention
    parser resolves to them alone; not the author, whom a mention never notifies."""
    colleagues = list(Operator.objects.filter(account=me.account, is_active=True).order_by("name"))
    return [
        {"name": op.name, "email": op.email, "handle": mention_handle(op, colleagues)}
        for op in colleagues
        if op.pk != me.pk
    ]


def _grouped(macro: Macro) -> tuple:
    """Grouped macros first, by group; those without a group last."""
    return (macro.group is None, macro.group.name if macro.group else "", macro.name)


@login_required
@require_POST
def command(request, conversation_id: str):
    item = load(request, conversation_id)
    text = request.POST.get("text", "")

    def payload(result) -> dict:
        item.refresh_from_db()
        return {"message": result.message, "conversation": reads.conversation_state(item)}

    return perform(
        request,
        lambda: run_command(item, text, actor=actor(request)),
        back=back_to(item),
        payload=payload,
    )


@login_required
@require_GET
def macro_text(request, conversation_id: str):
    item = load(request, conversation_id)
    found = not_found_as_404(lambda: macros.find(item.account, request.GET.get("name", "")))
    text = macros.render(found, language=item.locale, contact=item.contact, operator=request.user)
    return JsonResponse({"ok": True, "name": found.name, "kind": found.kind, "text": text})
