"""Segment count and encoding of an SMS (``transports.sms.segments``): the table of cases in
``segment_cases.json`` (also run against the composer's JS port, ``test_composer_browser``),
and the rules behind it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from messagecenter.transports.sms import segments

CASES = json.loads((Path(__file__).parent / "segment_cases.json").read_text())["cases"]


def text_of(case: dict) -> str:
    if "text" in case:
        return case["text"]
    if "repeat" in case:
        char, times = case["repeat"]
        return char * times
    return "".join(char * times for char, times in case["parts"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_segment_case(case):
    counted = segments.count(text_of(case))

    assert counted.as_data() == {key: case[key] for key in ("count", "encoding", "units",
                                                            "capacity")}  # fmt: skip


def test_every_character_of_the_default_alphabet_is_gsm7():
    assert len(segments.GSM7_BASIC) == 127  # 128 codes, the escape is no character
    assert segments.encoding_of("".join(segments.GSM7_BASIC)) == segments.GSM7


def test_the_extension_table():
    assert frozenset("\f^{}\\[~]|€") == segments.GSM7_EXTENSION
    assert not segments.GSM7_BASIC & segments.GSM7_EXTENSION


@pytest.mark.parametrize("char", ["ç", "`", "Á", "ő", "ł", "–", "’", "…", "\t", "\u00a0"])
def test_common_characters_that_force_ucs2(char):
    assert segments.encoding_of(f"Hallo {char}") == segments.UCS2


def test_the_parts_grow_by_153_in_gsm7():
    for n in range(161, 1601):
        assert segments.count("a" * n).count == -(-n // 153)


def test_the_parts_grow_by_67_in_ucs2():
    for n in range(71, 700):
        assert segments.count("я" * n).count == -(-n // 67)
