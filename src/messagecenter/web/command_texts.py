"""The chat commands' help texts, marked for translation.

The command engine registers each help text through ``gettext_lazy(help_text)`` with a
variable, which ``makemessages`` cannot see; listing them here keeps them in the catalogue so
the `$` picker shows them in the operator's language.
"""

from django.utils.translation import gettext_noop

COMMAND_HELP = [
    gettext_noop("Block the contact"),
    gettext_noop("E-mail the transcript to you (or an address)"),
    gettext_noop("Set the contact's e-mail address"),
    gettext_noop("Assign to an operator, or to an online operator of a group"),
    gettext_noop("Set the conversation language"),
    gettext_noop("Set the contact's name"),
    gettext_noop("Add a note to the conversation"),
    gettext_noop("Ask the contact for a rating"),
    gettext_noop("E-mail the transcript to the contact when the conversation ends"),
    gettext_noop("Set the status"),
    gettext_noop("Set the topic"),
    gettext_noop("Unblock the contact"),
    gettext_noop("E-mail the contact a verification code"),
    gettext_noop("Continue this conversation in the website messenger"),
    gettext_noop("Send a macro"),
]
