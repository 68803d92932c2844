"""The conversation's action bar and composer: each view parses, calls one service, answers.

The services decide who may do what (only the assigned operator replies, deletion only where
the channel can delete, ...); a refusal comes back with the service's translated message.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from messagecenter.accounts.models import Operator, OperatorGroup
from messagecenter.contacts import verification
from messagecenter.conversations import delivery, services, transcripts
from messagecenter.conversations.events import entry_payload
from messagecenter.conversations.models import Status, Topic
from messagecenter.core.errors import ValidationFailed
from messagecenter.core.scoping import get_scoped
from messagecenter.web import reads
from messagecenter.web.access import actor
from messagecenter.web.views.conversation import load
from messagecenter.web.views.respond import perform


def back_to(item) -> str:
    return reverse("conversation", args=[item.public_id])


def state(item) -> dict:
    return {"conversation": reads.conversation_state(item)}


def entry(result) -> dict:
    return {"entry": entry_payload(result)}


def act(request, conversation_id: str, call, payload=state):
    item = load(request, conversation_id)
    return perform(request, lambda: call(item, actor(request)), back=back_to(item), payload=payload)


@login_required
@require_POST
def reply(request, conversation_id: str):
    body = request.POST.get("body", "")
    client_id = request.POST.get("client_id", "")[:64] or None
    # Finished uploads (web.views.uploads) sent with the text, in the order attached.
    uploads = request.POST.getlist("upload")[:20]
    return act(
        request,
        conversation_id,
        lambda c, a: services.post_operator_message(
            c, body, actor=a, client_msg_id=client_id, uploads=uploads
        ),
        payload=entry,
    )


@login_required
@require_POST
def assign(request, conversation_id: str):
    """``to`` is ``me``, ``op:<id>``, ``grp:<id>`` or ``none`` (unassign)."""
    target = request.POST.get("to", "")
    return act(request, conversation_id, lambda c, a: _assign(c, target, a))


def _assign(item, target: str, who):
    kind, _sep, public_id = target.partition(":")
    if target == "me":
        return services.assign_operator(item, who.operator, actor=who)
    if target == "none":
        return services.unassign(item, actor=who)
    if kind == "op":
        return services.assign_operator(
            item, get_scoped(Operator, who.account, public_id), actor=who
        )
    if kind == "grp":
        group = get_scoped(OperatorGroup, who.account, public_id)
        return services.assign_group(item, group, actor=who)
    raise ValidationFailed(_("Choose an operator or a group."))


@login_required
@require_POST
def set_status(request, conversation_id: str):
    status = request.POST.get("status", "")
    return act(request, conversation_id, lambda c, a: services.set_status(c, status, actor=a))


@login_required
@require_POST
def end(request, conversation_id: str):
    return act(request, conversation_id, lambda c, a: services.end_conversation(c, actor=a))


@login_required
@require_POST
def set_subject(request, conversation_id: str):
    subject = request.POST.get("subject", "")
    return act(request, conversation_id, lambda c, a: services.set_subject(c, subject, actor=a))


@login_required
@require_POST
def set_topic(request, conversation_id: str):
    topic_id = request.POST.get("topic", "")
    return act(
        request,
        conversation_id,
        lambda c, a: services.set_topic(
            c, get_scoped(Topic, a.account, topic_id) if topic_id else None, actor=a
        ),
    )


@login_required
@require_POST
def set_language(request, conversation_id: str):
    locale = request.POST.get("locale", "")
    return act(request, conversation_id, lambda c, a: services.set_locale(c, locale, actor=a))


@login_required
@require_POST
def delete_message(request, conversation_id: str, seq: int):
    return act(
        request,
        conversation_id,
        lambda c, a: services.delete_message(c, seq, actor=a),
        payload=entry,
    )


@login_required
@require_POST
def retry_delivery(request, conversation_id: str, seq: int):
    """Send a failed message again (the timeline's Retry action)."""
    return act(
        request,
        conversation_id,
        lambda c, a: delivery.retry(c, seq, actor=a),
        payload=entry,
    )


@login_required
@require_POST
def send_transcript(request, conversation_id: str):
    """``to`` is ``contact`` or ``me``; it goes out when the conversation ends (or now)."""
    to = request.POST.get("to", "")
    item = load(request, conversation_id)
    who = actor(request)

    def call():
        if to == "contact":
            return transcripts.request_transcript(item, actor=who, to_contact=True)
        if to == "me":
            return transcripts.request_transcript(item, actor=who, recipients=[who.operator.email])
        raise ValidationFailed(_("Choose who gets the transcript."))

    def payload(result) -> dict:
        address = item.contact.email if to == "contact" else who.operator.email
        if result.status == Status.ENDED:
            text = _("The transcript is being e-mailed to %(email)s now.")
        else:
            text = _("The transcript will be e-mailed to %(email)s when the conversation ends.")
        return {"message": text % {"email": address}, **state(result)}

    return perform(request, call, back=back_to(item), payload=payload)


@login_required
@require_POST
def verify_email(request, conversation_id: str):
    """E-mail the contact a one-time code; the messenger shows the code entry screen."""
    item = load(request, conversation_id)

    def payload(record) -> dict:
        masked = verification._mask(record.email)  # the masking the messenger shows
        return {"message": _("A verification code was sent to %(email)s.") % {"email": masked}}

    return perform(
        request,
        lambda: verification.start_verification(
            item.contact, None, actor=actor(request), conversation=item
        ),
        back=back_to(item),
        payload=payload,
    )
