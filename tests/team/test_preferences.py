"""The schema of Operator.preferences: one place, validated for saving, lenient for reading."""

from __future__ import annotations

import pytest

from messagecenter.accounts import preferences as prefs
from messagecenter.core.errors import ValidationFailed


def test_defaults_name_every_event_for_both_channels_and_scopes():
    defaults = prefs.defaults()

    for channel in prefs.CHANNELS:
        for scope in prefs.SCOPES:
            assert set(defaults[channel][scope]) == set(prefs.EVENTS)
    assert defaults["inactivity"]["sound"] in prefs.SOUNDS


def test_clean_fills_what_is_missing_from_the_defaults():
    cleaned = prefs.clean({"inactivity": {"countdown": 45}, "audio": {"team": {"mention": False}}})

    assert cleaned["inactivity"]["countdown"] == 45
    assert cleaned["inactivity"]["repeat"] == prefs.DEFAULTS["inactivity"]["repeat"]
    assert cleaned["audio"]["team"]["mention"] is False
    assert cleaned["audio"]["mine"] == prefs.DEFAULTS["audio"]["mine"]
    assert cleaned["version"] == prefs.VERSION


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"sounds": True}, "sounds"),
        ({"audio": {"mine": {"typing": True}}}, "audio.mine.typing"),
        ({"audio": {"others": {}}}, "audio.others"),
        ({"audio_feedback": "yes"}, "audio_feedback"),
        ({"volume": 101}, "volume"),
        ({"volume": True}, "volume"),
        ({"inactivity": {"countdown": 5}}, "inactivity.countdown"),
        ({"inactivity": {"countdown": 3601}}, "inactivity.countdown"),
        ({"inactivity": {"repeat": 3}}, "inactivity.repeat"),
        ({"inactivity": {"sound": "trumpet"}}, "inactivity.sound"),
        ({"inactivity": {"volume": -1}}, "inactivity.volume"),
        ({"browser": {"mine": {"mention": 1}}}, "browser.mine.mention"),
        ({"browser": []}, "browser"),
    ],
)
def test_clean_refuses_unknown_keys_wrong_types_and_out_of_range_values(raw, field):
    with pytest.raises(ValidationFailed) as refused:
        prefs.clean(raw)

    assert refused.value.details["field"] == field


def test_repeat_zero_means_play_once_and_is_allowed():
    assert prefs.clean({"inactivity": {"repeat": 0}})["inactivity"]["repeat"] == 0


def test_clean_refuses_a_non_object():
    with pytest.raises(ValidationFailed):
        prefs.clean(["volume", 3])


def test_effective_reads_old_or_broken_preferences_with_defaults_standing_in():
    stored = {"volume": "loud", "inactivity": {"countdown": 30, "sound": "kazoo"}, "legacy": 1}

    current = prefs.effective(stored)

    assert current["volume"] == prefs.DEFAULTS["volume"]
    assert current["inactivity"]["countdown"] == 30
    assert current["inactivity"]["sound"] == prefs.DEFAULTS["inactivity"]["sound"]
    assert "legacy" not in current


def test_effective_of_nothing_is_the_defaults():
    assert prefs.effective(None) == prefs.DEFAULTS
    assert prefs.effective({}) == prefs.DEFAULTS
