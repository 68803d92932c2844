"""Parsing and running chat commands."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messagecenter.conversations.models import Conversation
from messagecenter.core.actors import Actor
from messagecenter.core.errors import PermissionDenied, ValidationFailed

_COMMAND = re.compile(r"^\$([a-z]+)(?:\s+(.*))?$", re.DOTALL)
_MACRO = re.compile(r"^!\[([^\]\n]{1,100})\]\s*$")


@dataclass(frozen=True)
class CommandResult:
    """What the composer shows after a command: a short, translated confirmation."""

    command: str
    message: str


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: object  # a lazy translation
    run: Callable[[Conversation, Actor, str], str]
    # Argument completion offered by the picker: operators, groups, topics, statuses, locales.
    completes: str = ""


_registry: dict[str, Command] = {}


def command(name: str, usage: str, help_text: str, completes: str = ""):
    def register(run):
        _registry[name] = Command(name, usage, gettext_lazy(help_text), run, completes)
        return run

    return register


def parse(text: str) -> tuple[str, str]:
    """``"$forward group Sales"`` -> ``("forward", "group Sales")``; ``"![Hallo]"`` -> macro."""
    text = (text or "").strip()
    macro = _MACRO.match(text)
    if macro:
        return "macro", macro.group(1).strip()
    match = _COMMAND.match(text)
    if not match:
        raise ValidationFailed(_("Commands start with $ (for example $status waiting)."))
    return match.group(1), (match.group(2) or "").strip()


def run_command(conversation: Conversation, text: str, *, actor: Actor) -> CommandResult:
    """Parse and run one command. Failed preconditions raise a domain error with a clear,
    translated explanation, and change nothing."""
    from messagecenter.conversations.commands import builtin  # noqa: F401 (registers)

    if actor.operator is None:
        raise PermissionDenied(_("Only operators can use chat commands."))
    name, argument = parse(text)
    found = _registry.get(name)
    if found is None:
        raise ValidationFailed(
            _("Unknown command $%(name)s. Type $ to see all commands.") % {"name": name}
        )
    return CommandResult(name, found.run(conversation, actor, argument))


def catalogue() -> list[dict]:
    """For the $ picker: every command with its usage, help and completion kind."""
    from messagecenter.conversations.commands import builtin  # noqa: F401

    return [
        {"name": c.name, "usage": c.usage, "help": str(c.help), "completes": c.completes}
        for c in sorted(_registry.values(), key=lambda c: c.name)
        if c.name != "macro"
    ]
