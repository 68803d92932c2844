"""The schema of ``Operator.preferences``: sounds, inactivity alarm and notifications (R-OP-4).

This module is the one place that knows the shape. ``clean`` validates a complete dict before
it is saved (raising ``ValidationFailed`` naming the offending field); ``effective`` reads a
stored dict leniently, filling what is missing from the defaults, so preferences saved by an
older version keep working and the browser runtime (``static/team/js/personal.js``) always
gets every key.

Shape (version 1)::

    {
      "version": 1,
      "audio_feedback": true,            # UI sounds for my own actions
      "volume": 70,                      # 0-100, notification sounds
      "inactivity": {                    # alarm while a contact waits for my reply
        "enabled": true,
        "countdown": 120,                # seconds the contact waited
        "repeat": 60,                    # seconds between repeats; 0 = play once
        "sound": "bell",
        "volume": 80
      },
      "audio":   {"mine": {<event>: bool, ...}, "team": {...}},
      "browser": {"mine": {<event>: bool, ...}, "team": {...}}
    }

``mine`` are conversations assigned to me; ``team`` are the other conversations of my groups
(unassigned in one of my groups, or assigned to a colleague of mine).
"""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messagecenter.core.errors import ValidationFailed

VERSION = 1
EVENTS = ("new_conversation", "new_message", "assigned", "mention")
EVENT_LABELS = {
    "new_conversation": gettext_lazy("New conversation"),
    "new_message": gettext_lazy("New message"),
    "assigned": gettext_lazy("Assigned or forwarded"),
    "mention": gettext_lazy("Mention in a note"),
}
SCOPES = ("mine", "team")
CHANNELS = ("audio", "browser")
SOUNDS = ("bell", "chime", "pulse", "alarm")
SOUND_LABELS = {
    "bell": gettext_lazy("Bell"),
    "chime": gettext_lazy("Chime"),
    "pulse": gettext_lazy("Pulse"),
    "alarm": gettext_lazy("Alarm"),
}
COUNTDOWN_RANGE = (10, 3600)
REPEAT_RANGE = (10, 3600)  # or 0: do not repeat

DEFAULTS: dict[str, Any] = {
    "version": VERSION,
    "audio_feedback": True,
    "volume": 70,
    "inactivity": {"enabled": True, "countdown": 120, "repeat": 60, "sound": "bell", "volume": 80},
    # Everything about my own conversations; only new work for the team, so a busy colleague
    # does not make my speakers chatter.
    "audio": {
        "mine": dict.fromkeys(EVENTS, True),
        "team": {
            "new_conversation": True,
            "new_message": False,
            "assigned": False,
            "mention": True,
        },
    },
    "browser": {
        "mine": dict.fromkeys(EVENTS, True),
        "team": {
            "new_conversation": True,
            "new_message": False,
            "assigned": False,
            "mention": True,
        },
    },
}


def defaults() -> dict[str, Any]:
    return copy.deepcopy(DEFAULTS)


def effective(stored: object) -> dict[str, Any]:
    """The stored preferences over the defaults; unknown keys and bad values are ignored."""
    result = defaults()
    if isinstance(stored, dict):
        _overlay(result, stored, "")
    return result


def clean(raw: object) -> dict[str, Any]:
    """Validate a complete preferences dict for saving; missing keys take the defaults."""
    if not isinstance(raw, dict):
        raise ValidationFailed(_("Preferences must be an object."))
    _reject_unknown(raw, DEFAULTS, "")
    result = defaults()
    for key, value in raw.items():
        if key == "version":
            continue
        if isinstance(DEFAULTS[key], dict):
            result[key] = _clean_section(key, value)
        else:
            result[key] = _clean_value(key, value)
    return result


def _clean_section(section: str, value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationFailed(_("This setting is not valid."), field=section)
    merged = copy.deepcopy(DEFAULTS[section])
    for key, item in value.items():
        path = f"{section}.{key}"
        if isinstance(merged[key], dict):
            if not isinstance(item, dict):
                raise ValidationFailed(_("This setting is not valid."), field=path)
            for event, flag in item.items():
                merged[key][event] = _clean_value(f"{path}.{event}", flag)
        else:
            merged[key] = _clean_value(path, item)
    return merged


def _clean_value(path: str, value: object) -> object:
    """One leaf value, checked against its default's type and the documented ranges."""
    default = _default_at(path)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValidationFailed(_("This setting must be on or off."), field=path)
        return value
    if path == "inactivity.sound":
        if value not in SOUNDS:
            raise ValidationFailed(_("Choose one of the sounds."), field=path)
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed(_("Enter a whole number."), field=path)
    _check_range(path, value)
    return value


def _check_range(path: str, value: int) -> None:
    if path.endswith("volume") and not 0 <= value <= 100:
        raise ValidationFailed(_("The volume must be between 0 and 100."), field=path)
    if path == "inactivity.countdown" and not (COUNTDOWN_RANGE[0] <= value <= COUNTDOWN_RANGE[1]):
        raise ValidationFailed(
            _("The countdown must be between %(min)d seconds and %(max)d minutes.")
            % {"min": COUNTDOWN_RANGE[0], "max": COUNTDOWN_RANGE[1] // 60},
            field=path,
        )
    if (
        path == "inactivity.repeat"
        and value != 0
        and not REPEAT_RANGE[0] <= value <= REPEAT_RANGE[1]
    ):
        raise ValidationFailed(
            _("Repeat every %(min)d seconds to %(max)d minutes, or 0 to play once.")
            % {"min": REPEAT_RANGE[0], "max": REPEAT_RANGE[1] // 60},
            field=path,
        )


def _reject_unknown(raw: dict, schema: dict, prefix: str) -> None:
    for key, value in raw.items():
        path = f"{prefix}{key}"
        if key not in schema:
            raise ValidationFailed(_("Unknown setting: %(f)s") % {"f": path}, field=path)
        if isinstance(schema[key], dict) and isinstance(value, dict):
            _reject_unknown(value, schema[key], path + ".")


def _default_at(path: str) -> object:
    node: Any = DEFAULTS
    for part in path.split("."):
        node = node[part]
    return node


def _overlay(target: dict, stored: dict, prefix: str) -> None:
    for key, value in stored.items():
        if key not in target or key == "version":
            continue
        if isinstance(target[key], dict):
            if isinstance(value, dict):
                _overlay(target[key], value, f"{prefix}{key}.")
            continue
        try:
            target[key] = _clean_value(prefix + key, value)
        except ValidationFailed:
            continue  # a value an older version allowed: the default stands in
