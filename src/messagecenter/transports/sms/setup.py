"""The only writer of SMS connections: connect (a Twilio account and a sender), change the
settings, disconnect. Each change is audited without secrets.

Connecting checks everything with Twilio first and keeps nothing when a check fails, so the
administrator reads Twilio's reason: the account SID with the auth token (``GET
/Accounts/<sid>.json``; the auth token is always checked, because it signs the webhooks even
where the REST calls use an API key), the API key and its secret when given, and that the
phone number is one of the account's (``IncomingPhoneNumbers``). A Messaging Service SID is
checked for its form only (its API lives on another host). The secrets are stored encrypted
only (``credentials``); they are never rendered, returned or logged.

Connecting a phone number sets its "A message comes in" webhook to our inbound URL (the
number's ``SmsUrl``, POST), as Telegram's ``setWebhook`` does; disconnecting clears it again
if it still points at us. A Messaging Service's incoming-message webhook lives in Twilio's
Messaging API (another host): the administrator sets it in the Twilio Console (the settings
page shows the URL).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils.translation import gettext as _

from messagecenter.accounts import audit
from messagecenter.contacts.identities import normalise_phone
from messagecenter.core.actors import Actor
from messagecenter.core.errors import NotFound, PermissionDenied, ValidationFailed
from messagecenter.transports.sms import api, config
from messagecenter.widgets.models import ChannelConnection, TransportKind, Widget

log = logging.getLogger(__name__)

ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
API_KEY_SID = re.compile(r"^SK[0-9a-fA-F]{32}$")
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
SECRET = re.compile(r"^[A-Za-z0-9]{16,64}$")


@dataclass(frozen=True)
class SmsSettings:
    """What the administrator entered (secrets included: never stored outside
    ``credentials``)."""

    account_sid: str
    auth_token: str
    phone_number: str = ""
    messaging_service_sid: str = ""
    api_key_sid: str = ""
    api_key_secret: str = ""
    log_only: bool = False

    def __repr__(self) -> str:
        return f"SmsSettings({self.account_sid!r}, <secrets>)"

    def credentials(self) -> api.Credentials:
        return api.Credentials(
            self.account_sid, self.auth_token, self.api_key_sid, self.api_key_secret
        )


@dataclass(frozen=True)
class Checked:
    account_name: str
    sender: str
    number_sid: str = ""  # the phone number's PN… sid


def check(entered: SmsSettings) -> Checked:
    """Twilio's word on the settings (see the module docstring); ``ValidationFailed`` on
    the field to correct, with a reason an administrator can act on."""
    entered = _cleaned(entered)
    client = api.TwilioApi(entered.credentials())
    try:
        account = client.fetch_account(auth=(entered.account_sid, entered.auth_token))
    except api.ApiError as error:
        raise _problem(error, "auth_token") from None
    if account.get("status") not in (None, "active"):
        raise ValidationFailed(
            _("The Twilio account is %(status)s.") % {"status": account.get("status")},
            field="account_sid",
        )
    if entered.api_key_sid:
        try:
            client.fetch_account()
        except api.ApiError as error:
            raise _problem(error, "api_key_secret") from None
    number_sid = _check_number(client, entered.phone_number) if entered.phone_number else ""
    sender = entered.phone_number or entered.messaging_service_sid
    return Checked(str(account.get("friendly_name") or ""), sender, number_sid)


def connect(widget: Widget, entered: SmsSettings, *, actor: Actor) -> ChannelConnection:
    _admin(actor, widget.account_id)
    entered = _cleaned(entered)
    checked = check(entered)
    _not_connected_elsewhere(entered)
    with transaction.atomic():
        connection = ChannelConnection.objects.create(
            account_id=widget.account_id,
            widget=widget,
            kind=TransportKind.SMS,
            name=(checked.account_name or checked.sender)[:100],
            config=_config(entered, checked),
            credentials=_credentials(entered),
        )
    try:
        _point_number(connection)
    except ValidationFailed:
        connection.delete()
        raise
    audit.record(
        actor, "channel.created", "channel", connection.public_id, kind="sms",
        widget=widget.public_id, sender=checked.sender, log_only=entered.log_only,
    )  # fmt: skip
    return connection


def stored(connection: ChannelConnection, entered: SmsSettings) -> SmsSettings:
    """The entered settings with an empty secret field meaning "keep the saved one"."""
    secrets = connection.credentials or {}
    return replace(
        entered,
        auth_token=entered.auth_token or str(secrets.get("auth_token") or ""),
        api_key_secret=entered.api_key_secret
        or (str(secrets.get("api_key_secret") or "") if entered.api_key_sid else ""),
    )


def change(connection: ChannelConnection, entered: SmsSettings, *, actor: Actor):
    _own(connection, actor)
    entered = _cleaned(stored(connection, entered))
    checked = check(entered)
    _not_connected_elsewhere(entered, connection)
    before, secrets = dict(connection.config or {}), dict(connection.credentials or {})
    connection.config = _config(entered, checked)
    connection.credentials = _credentials(entered)
    changed = sorted(k for k in set(before) | set(connection.config)
                     if before.get(k) != connection.config.get(k))  # fmt: skip
    try:
        _point_number(connection)
    except ValidationFailed:
        connection.config, connection.credentials = before, secrets
        raise
    if before.get("phone_number_sid") not in ("", None, config.number_sid(connection)):
        _release_number(connection, str(before["phone_number_sid"]))
    with transaction.atomic():
        connection.save(update_fields=["config", "credentials"])
        audit.record(actor, "channel.updated", "channel", connection.public_id, fields=changed)
    return connection


def disconnect(connection: ChannelConnection, *, actor: Actor) -> str:
    """No new messages or deliveries; the conversations stay. The number's webhook is
    cleared if it still points at us; Twilio's reason when that failed (the channel is
    disconnected here all the same: a request Twilio still posts finds no channel, 404)."""
    _own(connection, actor)
    problem = ""
    if config.number_sid(connection):
        problem = _release_number(connection, config.number_sid(connection))
    with transaction.atomic():
        ChannelConnection.objects.filter(pk=connection.pk).update(is_active=False)
        audit.record(actor, "channel.disconnected", "channel", connection.public_id, kind="sms")
    connection.is_active = False
    return problem


# --- helpers ---------------------------------------------------------------------------------


def _cleaned(entered: SmsSettings) -> SmsSettings:
    """Forms checked before any call: ``ValidationFailed`` on the field."""
    entered = replace(
        entered,
        account_sid=entered.account_sid.strip(),
        auth_token=entered.auth_token.strip(),
        api_key_sid=entered.api_key_sid.strip(),
        api_key_secret=entered.api_key_secret.strip(),
        messaging_service_sid=entered.messaging_service_sid.strip(),
        phone_number=entered.phone_number.strip(),
    )
    if not ACCOUNT_SID.match(entered.account_sid):
        raise ValidationFailed(
            _("An account SID starts with AC and has 34 characters (Twilio Console)."),
            field="account_sid",
        )
    if not SECRET.match(entered.auth_token):
        raise ValidationFailed(
            _("Enter the account's auth token: Twilio signs its webhooks with it."),
            field="auth_token",
        )
    if entered.api_key_sid and not API_KEY_SID.match(entered.api_key_sid):
        raise ValidationFailed(
            _("An API key SID starts with SK and has 34 characters."), field="api_key_sid"
        )
    if entered.api_key_sid and not SECRET.match(entered.api_key_secret):
        raise ValidationFailed(_("Enter the API key's secret."), field="api_key_secret")
    if not entered.api_key_sid:
        entered = replace(entered, api_key_secret="")
    return _sender(entered)


def _sender(entered: SmsSettings) -> SmsSettings:
    number, service = entered.phone_number, entered.messaging_service_sid
    if bool(number) == bool(service):
        raise ValidationFailed(
            _("Enter either the phone number or the Messaging Service SID."),
            field="phone_number",
        )
    if service:
        if not SERVICE_SID.match(service):
            raise ValidationFailed(
                _("A Messaging Service SID starts with MG and has 34 characters."),
                field="messaging_service_sid",
            )
        return entered
    if not number.startswith("+"):
        raise ValidationFailed(
            _("Enter the number in international form (E.164), e.g. +4930123456."),
            field="phone_number",
        )
    try:
        return replace(entered, phone_number=normalise_phone(number))
    except ValidationFailed:
        raise ValidationFailed(_("Enter a valid phone number."), field="phone_number") from None


def _check_number(client: api.TwilioApi, number: str) -> str:
    """The number's PN… sid, if it is the account's."""
    try:
        found = client.incoming_numbers(number)
    except api.ApiError as error:
        raise _problem(error, "phone_number") from None
    sid = next((str(n.get("sid")) for n in found if n.get("phone_number") == number), "")
    if not sid:
        raise ValidationFailed(
            _("%(number)s is not a phone number of this Twilio account.") % {"number": number},
            field="phone_number",
        )
    return sid


def _point_number(connection: ChannelConnection) -> None:
    """The number's "A message comes in" webhook: our inbound URL, POST."""
    sid = config.number_sid(connection)
    if not sid:
        return
    url = config.inbound_url(connection)
    try:
        config.api(connection).update_number(sid, {"SmsUrl": url, "SmsMethod": "POST"})
    except api.ApiError as error:
        raise ValidationFailed(
            _("Twilio did not accept our webhook address %(url)s: %(reason)s")
            % {"url": url, "reason": error.reason},
            field="phone_number",
        ) from None


def _release_number(connection: ChannelConnection, sid: str) -> str:
    """Clear the number's webhook if it is still ours (never someone else's setting)."""
    client = config.api(connection)
    try:
        if client.fetch_number(sid).get("sms_url") == config.inbound_url(connection):
            client.update_number(sid, {"SmsUrl": ""})
    except api.ApiError as error:
        log.info("sms %s: the number's webhook was not cleared (%s)", connection.public_id,
                 error.reason)  # fmt: skip
        return error.reason
    return ""


def _problem(error: api.ApiError, field: str) -> ValidationFailed:
    if error.status == 401 or error.code == api.AUTHENTICATION_FAILED:
        if field == "api_key_secret":
            message = _("Twilio does not accept this API key and secret for the account.")
        else:
            message = _("Twilio does not accept this account SID and auth token.")
        return ValidationFailed(message, field=field)
    if error.status == 404:
        return ValidationFailed(_("Twilio does not know this account SID."), field="account_sid")
    if error.status == 0:
        return ValidationFailed(error.reason)
    return ValidationFailed(_("Twilio refused: %(reason)s") % {"reason": error.reason}, field=field)


def _not_connected_elsewhere(
    entered: SmsSettings, connection: ChannelConnection | None = None
) -> None:
    """One number or Messaging Service is one channel: its messages must land in one place."""
    sender = entered.phone_number or entered.messaging_service_sid
    field = "phone_number" if entered.phone_number else "messaging_service_sid"
    others = ChannelConnection.objects.filter(
        kind=TransportKind.SMS, is_active=True, config__account_sid=entered.account_sid,
        **{f"config__{field}": sender},
    )  # fmt: skip
    if connection is not None:
        others = others.exclude(pk=connection.pk)
    if others.exists():
        raise ValidationFailed(
            _("%(sender)s is connected already. Disconnect it there first.") % {"sender": sender},
            field=field,
        )


def _config(entered: SmsSettings, checked: Checked) -> dict:
    # Both sender keys, one of them empty: the channels list reads either.
    settings: dict = {"account_sid": entered.account_sid, "account_name": checked.account_name,
                    "log_only": entered.log_only, "phone_number": entered.phone_number,
                    "messaging_service_sid": entered.messaging_service_sid}  # fmt: skip
    if checked.number_sid:
        settings["phone_number_sid"] = checked.number_sid
    if entered.api_key_sid:
        settings["api_key_sid"] = entered.api_key_sid
    return settings


def _credentials(entered: SmsSettings) -> dict:
    secrets = {"auth_token": entered.auth_token}
    if entered.api_key_sid:
        secrets["api_key_secret"] = entered.api_key_secret
    return secrets


def _admin(actor: Actor, account_id: int) -> None:
    if actor.operator is None or not actor.operator.is_admin:
        raise PermissionDenied(_("Only an administrator can change channels."))
    if actor.account.pk != account_id:
        raise NotFound(_("Not found."))


def _own(connection: ChannelConnection, actor: Actor) -> None:
    _admin(actor, connection.account_id)
    if connection.kind != TransportKind.SMS:
        raise NotFound(_("Not found."))
