"""Account-defined custom fields and the validation of their values by type."""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.accounts.models import Account
from messagecenter.contacts.models import CustomField, FieldType
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed

MAX_TEXT = 500
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


def define_field(
    account: Account,
    *,
    actor: Actor,
    key: str,
    label: str,
    type: str = FieldType.TEXT,
    options: list[str] | None = None,
) -> CustomField:
    _require_admin(actor, account)
    if not _KEY.match(key or ""):
        raise ValidationFailed(_("A field key is lower-case letters, digits and _."), field="key")
    if type not in FieldType.values:
        raise ValidationFailed(_("Unknown field type."), field="type")
    options = [str(o).strip() for o in (options or []) if str(o).strip()]
    if type == FieldType.SELECT and not options:
        raise ValidationFailed(_("A choice field needs options."), field="options")
    if not (label or "").strip():
        raise ValidationFailed(_("A field needs a label."), field="label")
    try:
        with transaction.atomic():
            field = CustomField.objects.create(
                account=account, key=key, label=label.strip()[:100], type=type, options=options
            )
            audit.record(actor, "custom_field.created", "custom_field", key)
    except IntegrityError:
        raise ValidationFailed(_("A field with this key exists already."), field="key") from None
    return field


def delete_field(field: CustomField, *, actor: Actor) -> None:
    """The definition goes; values already stored on contacts stay readable in exports."""
    _require_admin(actor, field.account)
    with transaction.atomic():
        audit.record(actor, "custom_field.deleted", "custom_field", field.key)
        field.delete()


def clean_values(account_id: int, values: dict, definitions: dict | None = None) -> dict:
    """Validate custom field values against the account's definitions; returns them typed
    (numbers as numbers, dates as ISO strings). Empty values remove the field."""
    if not isinstance(values, dict):
        raise ValidationFailed(
            _("Custom fields must be given as an object."), field="custom_fields"
        )
    definitions = definitions if definitions is not None else fields_of(account_id)
    clean = {}
    for key, raw in values.items():
        field = definitions.get(key)
        if field is None:
            raise ValidationFailed(_("Unknown custom field: %(key)s") % {"key": key}, field=key)
        if raw in (None, ""):
            continue
        clean[key] = _typed(field, raw)
    return clean


def fields_of(account_id: int) -> dict[str, CustomField]:
    return {f.key: f for f in CustomField.objects.filter(account_id=account_id)}


def _typed(field: CustomField, raw):
    text = str(raw).strip()
    if field.type == FieldType.NUMBER:
        try:
            number = float(text.replace(",", ".")) if not isinstance(raw, int | float) else raw
        except ValueError:
            raise ValidationFailed(
                _("%(label)s must be a number.") % {"label": field.label}, field=field.key
            ) from None
        return int(number) if float(number).is_integer() else number
    if field.type == FieldType.DATE:
        return _date(field, text)
    if field.type == FieldType.SELECT and text not in field.options:
        raise ValidationFailed(
            _("%(label)s must be one of: %(options)s")
            % {"label": field.label, "options": ", ".join(field.options)},
            field=field.key,
        )
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("%(label)s is too long.") % {"label": field.label}, field=field.key
        )
    return text


def _date(field: CustomField, text: str) -> str:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date().isoformat()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    raise ValidationFailed(
        _("%(label)s must be a date like 2026-03-31.") % {"label": field.label}, field=field.key
    )


def _require_admin(actor: Actor, account) -> None:
    if actor.account.pk != account.pk:
        raise NotFound(_("Not found."))
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can do this."))
