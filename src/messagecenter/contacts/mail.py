"""E-mails to contacts, in the contact's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from messagecenter.contacts.models import VerificationCode


def send_verification_code(record_pk: int, code: str) -> None:
    record = (
        VerificationCode.objects.select_related("contact", "account").filter(pk=record_pk).first()
    )
    if record is None or record.used_at or record.invalidated_at:
        return  # replaced or erased meanwhile: never send a dead code
    language = record.contact.locale or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"code": code, "account": record.account.name, "minutes": 15}
        subject = render_to_string("contacts/email/verification_subject.txt", context).strip()
        text = render_to_string("contacts/email/verification.txt", context)
        html = render_to_string("contacts/email/verification.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [record.email])
    message.attach_alternative(html, "text/html")
    message.send()
