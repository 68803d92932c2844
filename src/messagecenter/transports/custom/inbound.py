"""A custom channel's inbound message: find the connection, verify the Standard Webhooks
signature over the exact bytes received (fail closed: no secret, no header, a stale stamp or
a wrong signature all refuse), parse, and hand it to ``conversations.inbound.receive`` —
idempotent on the sender's message id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from django.utils.translation import gettext as _

from messagecenter.conversations import inbound
from messagecenter.conversations.inbound import Received
from messagecenter.core.errors import DomainError, NotFound, ValidationFailed
from messagecenter.core.webhooks import SignatureError, verify
from messagecenter.transports import registry
from messagecenter.transports.custom import config
from messagecenter.widgets.models import ChannelConnection, TransportKind

log = logging.getLogger(__name__)


class SignatureRefused(DomainError):
    """HTTP 401. ``reason`` is the stable code of ``core.webhooks.SignatureError``; nothing
    about the expected signature or our secrets is said."""

    code = "invalid_signature"
    http_status = 401


def accept(public_id: str, headers: Mapping[str, str], body: bytes) -> Received:
    connection = _connection(public_id)
    try:
        verify(config.inbound_secrets(connection), headers, body)
    except SignatureError as error:
        log.info("custom channel %s: inbound refused (%s)", connection.public_id, error.reason)
        raise SignatureRefused(
            _("The request's webhook signature did not verify."), reason=error.reason
        ) from None
    try:
        data = json.loads(body)
    except ValueError:
        raise ValidationFailed(_("The body must be JSON."), field="body") from None
    message = registry.require(TransportKind.CUSTOM).parse(connection, data)
    return inbound.receive(connection, message)


def _connection(public_id: str) -> ChannelConnection:
    connection = (
        ChannelConnection.objects.select_related("widget__account", "account")
        .filter(public_id=public_id, kind=TransportKind.CUSTOM, is_active=True)
        .first()
    )
    if connection is None:
        raise NotFound(_("There is no such channel."))
    return connection
