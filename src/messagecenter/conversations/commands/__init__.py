"""Chat commands (R-CMD): ``$name args`` and ``![macro]`` typed in the composer.

One parser and one registry; each command is a small object with its name, arguments,
preconditions and one call into the domain services. The same engine serves the composer,
the REST API and any other adapter.
"""

from messagecenter.conversations.commands.engine import (
    CommandResult,
    catalogue,
    parse,
    run_command,
)

__all__ = ["CommandResult", "catalogue", "parse", "run_command"]
