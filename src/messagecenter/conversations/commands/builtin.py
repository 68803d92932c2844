"""The commands of R-CMD. Each one: check its argument, call one service, say what happened."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from messagecenter.accounts.models import Operator, OperatorGroup
from messagecenter.accounts.services import available_operators
from messagecenter.contacts import services as contacts
from messagecenter.contacts import verification
from messagecenter.conversations import contact_entries, notes, ratings, services, transcripts
from messagecenter.conversations.commands.engine import command
from messagecenter.conversations.models import Conversation, Status, Topic
from messagecenter.core.actors import Actor
from messagecenter.core.errors import InvalidTransition, ValidationFailed
from messagecenter.widgets.models import TransportKind


def _need(argument: str, usage: str) -> str:
    if not argument:
        raise ValidationFailed(_("Usage: %(usage)s") % {"usage": usage})
    return argument


@command("name", "$name <name>", "Set the contact's name")
def set_name(conversation: Conversation, actor: Actor, argument: str) -> str:
    contacts.update_contact(conversation.contact, actor=actor, name=_need(argument, "$name <name>"))
    return _("Contact name set to %(name)s.") % {"name": argument}


@command("email", "$email <address>", "Set the contact's e-mail address")
def set_email(conversation: Conversation, actor: Actor, argument: str) -> str:
    contacts.update_contact(
        conversation.contact, actor=actor, email=_need(argument, "$email <address>")
    )
    return _("Contact e-mail set to %(email)s.") % {"email": argument.strip().lower()}


@command("locale", "$locale <language>", "Set the conversation language", completes="locales")
def set_locale(conversation: Conversation, actor: Actor, argument: str) -> str:
    services.set_locale(conversation, _need(argument, "$locale de").lower(), actor=actor)
    return _("Conversation language set to %(lang)s.") % {
        "lang": dict(settings.LANGUAGES)[argument.lower()]
    }


@command("note", "$note <text>", "Add a note to the conversation")
def add_note(conversation: Conversation, actor: Actor, argument: str) -> str:
    notes.add_note(conversation, _need(argument, "$note <text>"), actor=actor)
    return _("Note added.")


@command("send", "$send", "E-mail the transcript to the contact when the conversation ends")
def send_transcript(conversation: Conversation, actor: Actor, argument: str) -> str:
    transcripts.request_transcript(conversation, actor=actor, to_contact=True)
    return _("The transcript will be e-mailed to the contact when the conversation ends.")


@command("dispatch", "$dispatch [e-mail]", "E-mail the transcript to you (or an address)")
def dispatch_transcript(conversation: Conversation, actor: Actor, argument: str) -> str:
    address = argument or (actor.operator.email if actor.operator else "")
    transcripts.request_transcript(conversation, actor=actor, recipients=[address])
    return _("The transcript will be e-mailed to %(email)s when the conversation ends.") % {
        "email": address
    }


@command("topic", "$topic <topic>", "Set the topic", completes="topics")
def set_topic(conversation: Conversation, actor: Actor, argument: str) -> str:
    name = _need(argument, "$topic <topic>")
    topic = Topic.objects.filter(account_id=conversation.account_id, name__iexact=name).first()
    if topic is None:
        raise ValidationFailed(_("There is no topic called %(name)s.") % {"name": name})
    services.set_topic(conversation, topic, actor=actor)
    return _("Topic set to %(name)s.") % {"name": topic.name}


@command("status", "$status <open|waiting|ended>", "Set the status", completes="statuses")
def set_status(conversation: Conversation, actor: Actor, argument: str) -> str:
    value = _need(argument, "$status waiting").lower()
    if value not in (Status.OPEN, Status.WAITING, Status.ENDED):
        raise ValidationFailed(_("The status can be open, waiting or ended."))
    services.set_status(conversation, value, actor=actor)
    return _("Status set to %(status)s.") % {"status": Status(value).label}


@command(
    "forward",
    "$forward <operator> | $forward group <group>",
    "Assign to an operator, or to an online operator of a group",
    completes="operators",
)
def forward(conversation: Conversation, actor: Actor, argument: str) -> str:
    argument = _need(argument, "$forward <operator>")
    if argument.lower().startswith("group "):
        return _forward_to_group(conversation, actor, argument[6:].strip())
    operator = _operator_named(conversation, argument)
    services.assign_operator(conversation, operator, actor=actor)
    return _("Forwarded to %(name)s.") % {"name": operator.name}


def _forward_to_group(conversation: Conversation, actor: Actor, name: str) -> str:
    group = OperatorGroup.objects.filter(
        account_id=conversation.account_id, name__iexact=name
    ).first()
    if group is None:
        raise ValidationFailed(_("There is no group called %(name)s.") % {"name": name})
    if not available_operators(conversation.account).filter(groups=group).exists():
        raise InvalidTransition(_("Nobody in %(name)s is online right now.") % {"name": group.name})
    services.assign_group(conversation, group, actor=actor)
    conversation.refresh_from_db(fields=["assigned_operator"])
    if conversation.assigned_operator is None:
        return _("Handed to %(group)s; it waits there for a free chat slot.") % {
            "group": group.name
        }
    return _("Forwarded to %(name)s (%(group)s).") % {
        "name": conversation.assigned_operator.name,
        "group": group.name,
    }


def _operator_named(conversation: Conversation, name: str) -> Operator:
    operators = list(Operator.objects.filter(account_id=conversation.account_id, is_active=True))
    matches = notes._match(name.strip().lstrip("@").lower(), operators)
    if len(matches) != 1:
        raise ValidationFailed(_("There is no single operator called %(name)s.") % {"name": name})
    return matches[0]


@command("rating", "$rating", "Ask the contact for a rating")
def rating(conversation: Conversation, actor: Actor, argument: str) -> str:
    ratings.request_rating(conversation, actor=actor)
    return _("Rating requested.")


@command("webtransfer", "$webtransfer", "Continue this conversation in the website messenger")
def webtransfer(conversation: Conversation, actor: Actor, argument: str) -> str:
    from messagecenter.transports.webchat.visitors import issue_continue_token

    if conversation.connection.kind == TransportKind.WEBCHAT:
        raise InvalidTransition(_("This conversation already is in the website messenger."))
    # The hosted messenger page (webchat:chat); its socket reads the continue token and the
    # contact's next message there continues this conversation (inbound ``transferred``).
    page = reverse("webchat:chat", args=[conversation.widget.key])
    link = f"{settings.PUBLIC_URL}{page}?continue={issue_continue_token(conversation)}"
    text = _("You can continue our conversation in the chat: %(link)s") % {"link": link}
    services.post_operator_message(conversation, text, actor=actor)
    return _("The contact got a link to the website messenger.")


@command("block", "$block", "Block the contact")
def block(conversation: Conversation, actor: Actor, argument: str) -> str:
    contact_entries.block_contact(conversation, True, actor=actor)
    return _("The contact is blocked.")


@command("unblock", "$unblock", "Unblock the contact")
def unblock(conversation: Conversation, actor: Actor, argument: str) -> str:
    contact_entries.block_contact(conversation, False, actor=actor)
    return _("The contact is unblocked.")


@command("verify", "$verify [e-mail]", "E-mail the contact a verification code")
def verify(conversation: Conversation, actor: Actor, argument: str) -> str:
    record = verification.start_verification(
        conversation.contact, argument or None, actor=actor, conversation=conversation
    )
    return _("A verification code was sent to %(email)s.") % {"email": record.email}


@command("macro", "![macro]", "Send a macro")
def macro(conversation: Conversation, actor: Actor, argument: str) -> str:
    from messagecenter.macros import services as macros
    from messagecenter.macros.models import MacroKind

    found = macros.find(conversation.account, argument)
    if found.kind == MacroKind.PUSH:
        services.push_to_contact(conversation, found.url, actor=actor)
        return _("The contact's page was sent to %(url)s.") % {"url": found.url}
    text = macros.render(
        found, language=conversation.locale, contact=conversation.contact, operator=actor.operator
    )
    services.post_operator_message(conversation, text, actor=actor)
    return _("Macro %(name)s sent.") % {"name": found.name}
