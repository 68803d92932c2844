"""WhatsApp message templates: synced from Meta, read, filled and rendered.

**Sync** (``sync``): ``GET /<WABA id>/message_templates`` with the fields we keep, page by
page (``paging.cursors.after`` while ``paging.next`` is given). The connection's templates
become exactly what Meta listed (new ones added, changed ones updated, missing ones removed);
when Meta refuses or cannot be reached nothing changes and the reason is kept for the
settings page (``WhatsAppChannelOptions``).

**Variables** (``variables``): a text HEADER, the BODY and URL buttons may hold parameters,
``{{1}}``, ``{{2}}``… (positional) or ``{{first_name}}`` (named, ``parameter_format:
NAMED``). Each is a ``Variable`` with a key the form and the API use: ``header.1``,
``body.2``, ``body.first_name``, ``button.0.1`` (the URL button at index 0). A header with
an image, video, document or location needs a file we cannot pick yet: such a template is
listed but not ``sendable`` (with the reason).

**Filling** (``prefill``): named parameters take the contact's field of that name (name,
first/last name, e-mail, phone, company, any custom field); positional ones have no names,
so ``{{1}}`` of the body takes the contact's name (the common convention) and the rest start
empty for the operator. **Rendering** (``render``): the text the contact will read, header,
body, footer and buttons, for the preview and the timeline.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.core import clock
from messagecenter.transports.whatsapp import api, config
from messagecenter.transports.whatsapp.models import (
    TemplateCategory,
    TemplateStatus,
    WhatsAppChannelOptions,
    WhatsAppTemplate,
)

log = logging.getLogger(__name__)

FIELDS = "id,name,language,status,category,components,parameter_format,rejected_reason"
PAGE_SIZE = 100
MAX_PAGES = 50  # 5,000 templates: Meta allows at most 250 per business account (6,000 with
# translations), and a loop must end even if a cursor never does.
PARAMETER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
# Meta's limits for a parameter's text: 1,024 characters in the body, 60 in a header.
MAX_VALUE = {"header": 60, "body": 1024, "button": 2000}
MEDIA_HEADERS = frozenset({"IMAGE", "VIDEO", "DOCUMENT", "LOCATION"})


class SyncFailed(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Variable:
    key: str  # "body.1", "header.1", "body.first_name", "button.0.1"
    component: str  # header, body, button
    name: str  # "1" or "first_name"
    example: str = ""
    button_index: int | None = None

    @property
    def label(self) -> str:
        where = {"header": _("Header"), "body": _("Text"), "button": _("Button link")}
        return f"{where[self.component]} {{{{{self.name}}}}}"

    def as_data(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "example": self.example,
                "max_length": MAX_VALUE[self.component]}  # fmt: skip


# --- sync --------------------------------------------------------------------------------------


def options(connection) -> WhatsAppChannelOptions:
    found, _created = WhatsAppChannelOptions.objects.get_or_create(connection=connection)
    return found


def sync(connection) -> int:
    """Read the business account's templates from Meta and keep exactly those. Answers how
    many there are; ``SyncFailed`` with Meta's reason (recorded for the page) otherwise."""
    try:
        listed = list(_fetch(connection))
    except api.ApiError as error:
        reason = _("WhatsApp did not list the templates: %(reason)s") % {"reason": error.reason}
        _record(connection, error=reason)
        log.info("whatsapp %s: template sync failed (%s)", connection.public_id, error.reason)
        raise SyncFailed(reason) from None
    now = clock.now()
    with transaction.atomic():
        kept = []
        for item in listed:
            template, _created = WhatsAppTemplate.objects.update_or_create(
                connection=connection,
                name=item["name"],
                language=item["language"],
                defaults={**item, "account_id": connection.account_id, "synced_at": now},
            )
            kept.append(template.pk)
        WhatsAppTemplate.objects.filter(connection=connection).exclude(pk__in=kept).delete()
        _record(connection, count=len(kept))
    return len(kept)


def _fetch(connection):
    graph = config.api(connection)
    path = f"{config.waba_id(connection)}/message_templates"
    after = ""
    for _page in range(MAX_PAGES):
        params: dict[str, Any] = {"fields": FIELDS, "limit": PAGE_SIZE}
        if after:
            params["after"] = after
        page = graph.get(path, **params)
        for item in page.get("data") or []:
            cleaned = _cleaned(item)
            if cleaned is not None:
                yield cleaned
        paging = _obj(page.get("paging"))
        cursors = _obj(paging.get("cursors"))
        after = str(cursors.get("after") or "")
        if not paging.get("next") or not after:
            return


def _cleaned(item: Any) -> dict[str, Any] | None:
    if not isinstance(item, dict) or not item.get("name") or not item.get("language"):
        return None
    components = item.get("components")
    return {
        "provider_id": str(item.get("id") or "")[:64],
        "name": str(item["name"])[:512],
        "language": str(item["language"])[:16],
        "category": str(item.get("category") or "")[:32].upper(),
        "status": str(item.get("status") or "")[:32].upper(),
        "parameter_format": str(item.get("parameter_format") or "POSITIONAL")[:16].upper(),
        "components": [c for c in components if isinstance(c, dict)]
        if isinstance(components, list)
        else [],
        "rejected_reason": _reason(item.get("rejected_reason")),
    }


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _fill_button(url: str, index: int, values: dict[str, str]) -> str:
    def fill(match: re.Match) -> str:
        return values.get(f"button.{index}.{match.group(1)}") or match.group(0)

    return PARAMETER.sub(fill, url)


def _reason(value: Any) -> str:
    text = str(value or "")
    return "" if text in ("NONE", "None") else text[:300]


def _record(connection, *, error: str = "", count: int | None = None) -> None:
    found = options(connection)
    found.templates_sync_error = error[:500]
    if not error:
        found.templates_synced_at = clock.now()
        found.templates_count = count or 0
    found.save()


# Meta's template events that are no status of their own: a flagged template (its quality
# dropped) can still be sent; a reinstated one is approved again.
EVENT_STATUS = {"FLAGGED": "APPROVED", "REINSTATED": "APPROVED"}


def apply_status_update(connection, value: dict[str, Any]) -> str:
    """A ``message_template_status_update`` webhook: Meta approved, rejected, paused or
    disabled a template of the business account. Every connection of that account sees the
    new state at once; a template we do not know yet is read by a sync."""
    from messagecenter.widgets.models import ChannelConnection

    name = str(value.get("message_template_name") or "")
    language = str(value.get("message_template_language") or "")
    event = str(value.get("event") or "").upper()
    if not name or not language or not event:
        return "ignored"
    same_account = ChannelConnection.objects.filter(
        account_id=connection.account_id, kind="whatsapp", is_active=True,
        config__waba_id=config.waba_id(connection),
    )  # fmt: skip
    updated = WhatsAppTemplate.objects.filter(
        connection__in=same_account, name=name, language=language
    ).update(
        status=EVENT_STATUS.get(event, event)[:32], rejected_reason=_reason(value.get("reason"))
    )
    if not updated:
        request_sync(connection)
    return "template"


# --- reading -----------------------------------------------------------------------------------


def component(template: WhatsAppTemplate, kind: str) -> dict[str, Any]:
    return next((c for c in template.components if str(c.get("type", "")).upper() == kind), {})


def buttons(template: WhatsAppTemplate) -> list[dict[str, Any]]:
    found = component(template, "BUTTONS").get("buttons")
    return [b for b in found if isinstance(b, dict)] if isinstance(found, list) else []


def variables(template: WhatsAppTemplate) -> list[Variable]:
    found: list[Variable] = []
    header = component(template, "HEADER")
    if str(header.get("format") or "TEXT").upper() == "TEXT":
        found += _in_text("header", str(header.get("text") or ""), _examples(header, "header"))
    body = component(template, "BODY")
    found += _in_text("body", str(body.get("text") or ""), _examples(body, "body"))
    for index, button in enumerate(buttons(template)):
        if str(button.get("type") or "").upper() != "URL":
            continue
        example = button.get("example")
        first = str(example[0]) if isinstance(example, list) and example else ""
        for name in _names(str(button.get("url") or "")):
            found.append(Variable(f"button.{index}.{name}", "button", name, first, index))
    return found


def _in_text(where: str, text: str, examples: dict[str, str]) -> list[Variable]:
    return [
        Variable(f"{where}.{name}", where, name, examples.get(name, "")) for name in _names(text)
    ]


def _names(text: str) -> list[str]:
    seen: list[str] = []
    for name in PARAMETER.findall(text):
        if name not in seen:
            seen.append(name)
    return seen


def _examples(part: dict[str, Any], where: str) -> dict[str, str]:
    """Meta's sample values (``example.body_text[0]``, ``example.body_text_named_params``)."""
    example = _obj(part.get("example"))
    named = example.get(f"{where}_text_named_params")
    if isinstance(named, list):
        return {str(p.get("param_name")): str(p.get("example") or "") for p in named
                if isinstance(p, dict)}  # fmt: skip
    positional = example.get(f"{where}_text")
    if isinstance(positional, list) and positional:
        values = positional[0] if isinstance(positional[0], list) else positional
        return {str(i + 1): str(v) for i, v in enumerate(values)}
    return {}


def unsendable_reason(template: WhatsAppTemplate) -> str:
    """Why the composer cannot send this template ("" when it can)."""
    if not template.approved:
        status = dict(TemplateStatus.choices).get(template.status, template.status)
        return _("Only approved templates can be sent (this one is: %(status)s).") % {
            "status": status
        }
    header = component(template, "HEADER")
    if str(header.get("format") or "TEXT").upper() in MEDIA_HEADERS:
        return _("This template needs a header file or location, which cannot be chosen here.")
    if any(str(b.get("type") or "").upper() in ("COPY_CODE", "FLOW", "CATALOG", "MPM")
           for b in buttons(template)):  # fmt: skip
        return _("This template has a button that needs data chosen in WhatsApp Manager.")
    if template.category == TemplateCategory.AUTHENTICATION:
        return _("Authentication templates carry one-time codes and are sent by your login system.")
    return ""


def sendable(template: WhatsAppTemplate) -> bool:
    return not unsendable_reason(template)


# --- filling and rendering ---------------------------------------------------------------------


def contact_fields(contact) -> dict[str, str]:
    """What a variable can be filled from: the contact's fields and custom fields."""
    name = (getattr(contact, "name", "") or "").strip()
    first, _sep, last = name.partition(" ")
    fields = {
        "name": name,
        "first_name": first,
        "last_name": last.strip(),
        "email": getattr(contact, "email", "") or "",
        "phone": getattr(contact, "phone", "") or _whatsapp_number(contact),
        "company": getattr(contact, "company", "") or "",
        "customer_id": getattr(contact, "customer_id", "") or "",
    }
    custom = getattr(contact, "custom_fields", None)
    if isinstance(custom, dict):
        for key, value in custom.items():
            if isinstance(value, (str, int, float)) and str(value).strip():
                fields.setdefault(_slug(str(key)), str(value))
    return {key: value for key, value in fields.items() if value}


def _whatsapp_number(contact) -> str:
    for identity in contact.identities.all():
        if identity.kind == "whatsapp":
            return str((identity.attributes or {}).get("phone") or "")
    return ""


# Named parameters that mean a contact field under another name.
ALIASES = {"customer_name": "name", "full_name": "name", "customer": "name", "e_mail": "email",
           "mail": "email", "firstname": "first_name", "lastname": "last_name",
           "mobile": "phone", "phone_number": "phone"}  # fmt: skip


def prefill(
    template: WhatsAppTemplate, contact, fields: dict[str, str] | None = None
) -> dict[str, str]:
    if fields is None:
        fields = contact_fields(contact) if contact is not None else {}
    values = {}
    for variable in variables(template):
        if variable.name.isdigit():
            guess = fields.get("name", "") if variable.key == "body.1" else ""
        else:
            slug = _slug(variable.name)
            guess = fields.get(slug) or fields.get(ALIASES.get(slug, ""), "")
        values[variable.key] = guess[: MAX_VALUE[variable.component]]
    return values


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def clean_values(template: WhatsAppTemplate, values: dict[str, Any]) -> dict[str, str]:
    """Every variable filled, within Meta's limits; ``ValidationFailed`` naming the first
    that is not."""
    from messagecenter.core.errors import ValidationFailed

    cleaned = {}
    for variable in variables(template):
        value = " ".join(str((values or {}).get(variable.key) or "").split())
        if not value:
            raise ValidationFailed(
                _("Fill in %(label)s.") % {"label": variable.label}, field=variable.key
            )
        if len(value) > MAX_VALUE[variable.component]:
            raise ValidationFailed(
                _("%(label)s may have at most %(max)d characters.")
                % {"label": variable.label, "max": MAX_VALUE[variable.component]},
                field=variable.key,
            )
        cleaned[variable.key] = value
    return cleaned


def render(template: WhatsAppTemplate, values: dict[str, str]) -> str:
    """The message as the contact reads it: header, body, footer, then the buttons."""

    def fill(where: str, text: str) -> str:
        return PARAMETER.sub(lambda m: values.get(f"{where}.{m.group(1)}") or m.group(0), text)

    parts = []
    header = component(template, "HEADER")
    if header.get("text") and str(header.get("format") or "TEXT").upper() == "TEXT":
        parts.append(f"**{fill('header', str(header['text']))}**")
    parts.append(fill("body", str(component(template, "BODY").get("text") or "")))
    footer = str(component(template, "FOOTER").get("text") or "")
    if footer:
        parts.append(f"_{footer}_")
    labels = []
    for index, button in enumerate(buttons(template)):
        label = f"[{button.get('text') or ''}]"
        if str(button.get("type") or "").upper() == "URL" and button.get("url"):
            url = _fill_button(str(button["url"]), index, values)
            label += f" {url}"
        labels.append(label)
    if labels:
        parts.append("\n".join(labels))
    return "\n\n".join(p for p in parts if p.strip())


def send_components(template: WhatsAppTemplate, values: dict[str, str]) -> list[dict[str, Any]]:
    """The Cloud API's ``template.components``: a text parameter per variable, in order,
    named (``parameter_name``) for a NAMED template."""
    named = template.parameter_format == "NAMED"

    def parameter(variable: Variable) -> dict[str, Any]:
        found: dict[str, Any] = {"type": "text", "text": values[variable.key]}
        if named and variable.component != "button":
            found["parameter_name"] = variable.name
        return found

    found_vars = variables(template)
    result: list[dict[str, Any]] = []
    for where in ("header", "body"):
        mine = [v for v in found_vars if v.component == where]
        if mine:
            result.append({"type": where, "parameters": [parameter(v) for v in mine]})
    indexes = {v.button_index for v in found_vars if v.button_index is not None}
    for index in sorted(indexes):
        mine = [v for v in found_vars if v.component == "button" and v.button_index == index]
        result.append({"type": "button", "sub_type": "url", "index": str(index),
                       "parameters": [parameter(v) for v in mine]})  # fmt: skip
    return result


def costs_notice(template: WhatsAppTemplate, *, window_open: bool) -> str:
    """What the operator is told before sending: WhatsApp charges per template message, by
    category (Meta's per-message pricing since July 2025)."""
    if template.category == TemplateCategory.UTILITY and window_open:
        return _("Utility template inside the 24-hour window: WhatsApp does not charge for it.")
    if template.category == TemplateCategory.UTILITY:
        return _("This utility template costs money: WhatsApp charges each one sent outside the "
                 "24-hour window (rates per country in Meta's price list).")  # fmt: skip
    return _("This marketing template costs money: WhatsApp charges every marketing template "
             "message delivered (rates per country in Meta's price list).")  # fmt: skip


def as_data(template: WhatsAppTemplate, *, contact=None, window_open: bool = False) -> dict:
    """A template for the composer's picker and form."""
    fields = contact_fields(contact) if contact is not None else {}
    return {
        "id": template.public_id,
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "category_label": dict(TemplateCategory.choices).get(template.category, template.category),
        "text": render(template, {}),
        "variables": [v.as_data() for v in variables(template)],
        "values": prefill(template, contact, fields) if contact is not None else {},
        "fields": fields,
        "unsendable": unsendable_reason(template),
        "costs": costs_notice(template, window_open=window_open),
        "components": template.components,
    }


def sync_by_pk(connection_pk: int) -> None:
    from messagecenter.widgets.models import ChannelConnection

    connection = ChannelConnection.objects.filter(
        pk=connection_pk, kind="whatsapp", is_active=True
    ).first()
    if connection is None:
        return
    with contextlib.suppress(SyncFailed):  # recorded for the settings page
        sync(connection)


def sync_all() -> None:
    from messagecenter.widgets.models import ChannelConnection

    for pk in ChannelConnection.objects.filter(kind="whatsapp", is_active=True).values_list(
        "pk", flat=True
    ):
        sync_by_pk(pk)


def request_sync(connection) -> None:
    """The settings page's "Sync templates": the job, after the caller's commit."""
    from messagecenter.jobs.names import enqueue_on_commit

    enqueue_on_commit("transports.whatsapp_sync_templates", connection.pk)
