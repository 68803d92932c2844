"""Account security: whether every operator must sign in with two factors, and an
administrator's reset of an operator's second factor (the operator is told by e-mail, so a
reset nobody asked for is noticed)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from messagecenter.accounts import totp
from messagecenter.accounts.models import Operator
from messagecenter.administration.models import AccountProfile
from messagecenter.core.actors import Actor
from messagecenter.jobs.names import enqueue_on_commit

RESET_MAIL_JOB = "administration.mail_2fa_reset"


def must_set_up_two_factor(operator: Operator, profile: AccountProfile) -> bool:
    """True when the account requires two factors and this operator has none yet."""
    return profile.require_two_factor and not operator.totp_enabled


def socket_refused(operator: Operator) -> bool:
    """The operator socket's admission check: shut while the operator must set up a second
    factor (the pages send them to set-up; the socket would otherwise still carry the inbox)."""
    if operator.totp_enabled:
        return False  # no query for the common case
    profile = AccountProfile.objects.filter(account_id=operator.account_id).first()
    return profile is not None and must_set_up_two_factor(operator, profile)


def reset_second_factor(operator: Operator, *, actor: Actor) -> None:
    """Clear ``operator``'s authenticator and recovery codes, then e-mail them."""
    with transaction.atomic():
        totp.reset(operator, actor=actor)
        enqueue_on_commit(RESET_MAIL_JOB, operator.pk, actor.public_id)


def send_reset_mail(operator_pk: int, admin_id: str) -> int:
    """The e-mail to the operator whose second factor was reset, in their language."""
    operator = Operator.objects.select_related("account").filter(pk=operator_pk).first()
    if operator is None or not operator.is_active:
        return 0
    admin = Operator.objects.filter(account=operator.account, public_id=admin_id).first()
    context = {
        "operator": operator,
        "admin": admin.name if admin else "",
        "account": operator.account.name,
        "link": settings.PUBLIC_URL + reverse("security"),
    }
    with translation.override(operator.language or settings.LANGUAGE_CODE):
        subject = render_to_string("administration/email/2fa_reset_subject.txt", context).strip()
        text = render_to_string("administration/email/2fa_reset.txt", context)
    return send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [operator.email])
