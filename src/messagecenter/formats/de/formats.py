"""German dates as German readers expect them: "1. Dez. 2026", "1. Dez. 2026, 14:05"
(``N``: the abbreviated month with its period where German abbreviates, "März" in full)."""

DATE_FORMAT = "j. N Y"
DATETIME_FORMAT = "j. N Y, H:i"
