"""Inviting an operator: the password-reset e-mail, worded as an invitation.

``create_operator`` without a password makes an operator who cannot sign in yet; Django's
password-reset token is the invitation link (it works once, until they choose a password).
Called after the service's transaction committed, so nobody is invited to an account that
was rolled back.
"""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings

from messagecenter.accounts.models import Operator
from messagecenter.web.forms import OperatorPasswordResetForm


def send_invitation(operator: Operator, *, invited_by: Operator) -> bool:
    """E-mail ``operator`` a link to choose a password. False if they cannot receive one."""
    form = OperatorPasswordResetForm({"email": operator.email})
    if not form.is_valid() or not operator.is_active:
        return False
    context: dict[str, object] = {
        "public_url": settings.PUBLIC_URL,
        "invited_by": invited_by.name,
        "account": operator.account.name,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    form.save(
        domain_override=urlparse(settings.PUBLIC_URL).netloc,
        subject_template_name="team/email/invitation_subject.txt",
        email_template_name="team/email/invitation.txt",
        # django-stubs says dict[str, str]; Django passes any value to the template, and the
        # day count must stay a number for the plural.
        extra_email_context=context,  # type: ignore[arg-type]
    )
    return True
