"""The one clock every time-based rule reads.

Tests control it with ``time-machine`` (``travel(..., tick=False)``), which moves
``django.utils.timezone.now`` too; going through this function keeps the rule code free of
test hooks and makes "which rules depend on time" a grep away.
"""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
