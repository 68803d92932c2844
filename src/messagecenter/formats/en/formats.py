"""English dates as the operator app writes them: "1 Dec 2026", "1 Dec 2026, 14:05"."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
