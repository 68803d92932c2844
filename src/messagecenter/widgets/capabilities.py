"""What each channel can do: kept as the widgets' entry point, answered by the transports.

The record itself (``transports.base.Capabilities``) and each kind's values live with the
transports (``transports.registry``); this module only delegates for existing callers.
"""

from __future__ import annotations

from messagecenter.transports.base import Capabilities
from messagecenter.transports.registry import capabilities_for

__all__ = ["Capabilities", "capabilities_for"]
