"""HTTP doors of the e-mail channel.

- ``POST /channels/email/<connection public id>/inbound``: providers that push mail (instead of
  our IMAP worker fetching it) post the raw MIME as the body, signed with Standard Webhooks
  headers (``core.webhooks``) under the connection's ``webhook_secret``. Without a secret
  nothing is accepted (fail closed). The mail is committed before the 2xx, and a replay (the
  same mail again) answers 200 with the same message: ``inbound.ingest`` is idempotent.
- ``GET /channels/email/files/<file public id>``: an inbound mail's attachment or inline
  ``cid:`` image, for a signed-in operator of its account.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from messagecenter.core import webhooks
from messagecenter.files.http import file_response
from messagecenter.transports.email import inbound
from messagecenter.transports.email.config import EmailConfig
from messagecenter.transports.email.models import MailAttachment
from messagecenter.widgets.models import ChannelConnection

log = logging.getLogger(__name__)


def _problem(status: int, code: str) -> JsonResponse:
    return JsonResponse({"error": code}, status=status)


@csrf_exempt
@require_POST
def inbound_webhook(request: HttpRequest, connection_id: str) -> HttpResponse:
    connection = (
        ChannelConnection.objects.select_related("account", "widget")
        .filter(public_id=connection_id, kind="email", is_active=True)
        .first()
    )
    if connection is None:
        return _problem(404, "not_found")
    limit = settings.EMAIL_WEBHOOK_MAX_MB * 1024 * 1024
    if int(request.headers.get("Content-Length") or 0) > limit:
        return _problem(413, "too_large")
    body = request.body
    if len(body) > limit:
        return _problem(413, "too_large")
    secret = _secret(connection)
    try:
        webhooks.verify([secret] if secret else [], request.headers, body)
    except webhooks.SignatureError as error:
        log.info("connection %s: inbound webhook refused (%s)", connection_id, error.reason)
        return _problem(401, error.reason)
    with transaction.atomic():
        result = inbound.ingest(connection, body)
    answer: dict[str, str | int] = {"outcome": result.outcome}
    if result.received is not None:
        answer |= {
            "conversation": result.received.conversation.public_id,
            "seq": result.received.entry.seq,
        }
    return JsonResponse(answer, status=422 if result.outcome == inbound.Outcome.UNREADABLE else 200)


def _secret(connection) -> str:
    try:
        return EmailConfig.of(connection).webhook_secret
    except Exception:  # incomplete settings: no secret we could trust
        return str((connection.credentials or {}).get("webhook_secret") or "")


@login_required
@require_GET
def attachment(request: HttpRequest, file_id: str) -> HttpResponseBase:
    account_id = getattr(request.user, "account_id", None)
    if account_id is None:
        raise Http404
    linked = (
        MailAttachment.objects.filter(file__public_id=file_id, file__account_id=account_id)
        .select_related("file")
        .first()
    )
    if linked is None:
        raise Http404
    return file_response(linked.file, inline=linked.inline, request=request)
