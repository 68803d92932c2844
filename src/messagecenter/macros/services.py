"""Macro writers and the macro renderer (R-MACRO-1..3).

The conversation's language picks a macro's variant, falling back to the macro's default
language; placeholders ``{contact.name}``, ``{contact.email}``, ``{operator.name}``,
``{operator.first_name}``, ``{account.name}`` are filled in; unknown placeholders stay as
written so a typo is visible rather than silently empty.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.macros.models import Macro, MacroGroup, MacroKind

MAX_TEXT = 10_000
_PLACEHOLDER = re.compile(r"\{(contact|operator|account)\.(\w+)\}")


def create_macro(account: Account, *, actor: Actor, **fields) -> Macro:
    require_admin(actor, account)
    clean = validate(account, fields)
    try:
        with transaction.atomic():
            macro = Macro.objects.create(account=account, **clean)
            audit.record(actor, "macro.created", "macro", macro.public_id)
    except IntegrityError:
        raise ValidationFailed(_("A macro with this name already exists."), field="name") from None
    return macro


def update_macro(macro: Macro, *, actor: Actor, **fields) -> Macro:
    require_admin(actor, macro.account)
    current = {
        f: getattr(macro, f) for f in ("name", "kind", "group", "texts", "default_language", "url")
    }
    clean = validate(macro.account, current | fields)
    try:
        with transaction.atomic():
            for name, value in clean.items():
                setattr(macro, name, value)
            macro.save()
            audit.record(actor, "macro.updated", "macro", macro.public_id)
    except IntegrityError:
        raise ValidationFailed(_("A macro with this name already exists."), field="name") from None
    return macro


def delete_macro(macro: Macro, *, actor: Actor) -> None:
    require_admin(actor, macro.account)
    with transaction.atomic():
        audit.record(actor, "macro.deleted", "macro", macro.public_id)
        macro.delete()


def create_group(account: Account, name: str, *, actor: Actor) -> MacroGroup:
    require_admin(actor, account)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("A macro group needs a name."), field="name")
    try:
        with transaction.atomic():
            return MacroGroup.objects.create(account=account, name=name[:100])
    except IntegrityError:
        raise ValidationFailed(_("A macro group with this name already exists.")) from None


def delete_group(group: MacroGroup, *, actor: Actor) -> None:
    """Its macros stay, without a group."""
    require_admin(actor, group.account)
    group.delete()


def validate(account: Account, fields: dict) -> dict:
    """Check one macro's fields; returns them cleaned or raises ``ValidationFailed``."""
    allowed = {"name", "kind", "group", "texts", "default_language", "url"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationFailed(_("Unknown macro field: %(f)s") % {"f": ", ".join(sorted(unknown))})
    name = str(fields.get("name") or "").strip()
    if not name or len(name) > 100 or any(c in name for c in "[]\n"):
        raise ValidationFailed(
            _("A macro needs a name without brackets, up to 100 characters."), field="name"
        )
    kind = fields.get("kind") or MacroKind.TEXT
    if kind not in MacroKind.values:
        raise ValidationFailed(_("A macro is a chat macro or a push macro."), field="kind")
    languages = dict(settings.LANGUAGES)
    default_language = fields.get("default_language") or "en"
    if default_language not in languages:
        raise ValidationFailed(_("Unsupported language."), field="default_language")
    texts = _clean_texts(fields.get("texts") or {}, languages)
    url = str(fields.get("url") or "").strip()
    if kind == MacroKind.PUSH:
        if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
            raise ValidationFailed(_("A push macro needs a web address (https://…)."), field="url")
    elif not texts:
        raise ValidationFailed(_("A chat macro needs a text."), field="texts")
    group = fields.get("group")
    if group is not None and group.account_id != account.pk:
        raise ValidationFailed(_("Unknown macro group."), field="group")
    return {
        "name": name,
        "kind": kind,
        "group": group,
        "texts": texts,
        "default_language": default_language,
        "url": url,
    }


def variant(macro: Macro, language: str | None) -> str:
    """The text for ``language``, else the default language's, else any."""
    for candidate in (language, macro.default_language):
        if candidate and macro.texts.get(candidate):
            return macro.texts[candidate]
    return next(iter(macro.texts.values()), "")


def render(macro: Macro, *, language: str | None, contact=None, operator=None) -> str:
    values = {
        "contact": {
            "name": getattr(contact, "name", ""),
            "email": getattr(contact, "email", ""),
            "company": getattr(contact, "company", ""),
        },
        "operator": {
            "name": getattr(operator, "name", ""),
            "first_name": (getattr(operator, "name", "") or "").split(" ")[0],
        },
        "account": {"name": macro.account.name},
    }

    def fill(match: re.Match) -> str:
        value = values[match.group(1)].get(match.group(2))
        return match.group(0) if value is None else str(value)

    return _PLACEHOLDER.sub(fill, variant(macro, language))


def find(account: Account, name: str) -> Macro:
    macro = Macro.objects.filter(account=account, name__iexact=name.strip()).first()
    if macro is None:
        raise NotFound(_("There is no macro called %(name)s.") % {"name": name})
    return macro


def _clean_texts(texts, languages) -> dict[str, str]:
    if not isinstance(texts, dict):
        raise ValidationFailed(_("Macro texts must be given per language."), field="texts")
    clean = {}
    for language, text in texts.items():
        if language not in languages:
            raise ValidationFailed(
                _("Unsupported language: %(l)s") % {"l": language}, field="texts"
            )
        text = str(text or "").strip()
        if len(text) > MAX_TEXT:
            raise ValidationFailed(_("A macro text is too long."), field="texts")
        if text:
            clean[language] = text
    return clean


def require_admin(actor: Actor, account) -> None:
    if actor.account.pk != account.pk:
        raise NotFound(_("Not found."))
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can do this."))
