"""The mail to an account's administrators when an endpoint was disabled for failing, in
each administrator's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from messagecenter.accounts.models import Operator, Role
from messagecenter.webhooks.models import WebhookEndpoint


def send_disabled(endpoint_pk: int) -> int:
    """How many administrators were told (none when it was switched on again meanwhile)."""
    endpoint = WebhookEndpoint.objects.select_related("account").filter(pk=endpoint_pk).first()
    if endpoint is None or endpoint.enabled:
        return 0
    admins = Operator.objects.filter(account=endpoint.account, role=Role.ADMIN, is_active=True)
    link = settings.PUBLIC_URL + reverse("settings_webhook", args=[endpoint.public_id])
    sent = 0
    for admin in admins.order_by("pk"):
        with translation.override(admin.language or settings.LANGUAGE_CODE):
            context = {"endpoint": endpoint, "account": endpoint.account.name, "link": link}
            subject = render_to_string("webhooks/email/disabled_subject.txt", context).strip()
            text = render_to_string("webhooks/email/disabled.txt", context)
        sent += send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [admin.email])
    return sent
