"""Public ids: a type prefix and 16 characters of Crockford base32 (80 random bits)."""

import re
from collections import Counter

from messagecenter.core.ids import new_public_id

SHAPE = re.compile(r"^cv_[0-9abcdefghjkmnpqrstvwxyz]{16}$")


def test_an_id_is_the_prefix_and_sixteen_unambiguous_characters():
    ids = [new_public_id("cv") for _ in range(2_000)]
    assert all(SHAPE.match(public_id) for public_id in ids), ids[:3]
    assert len(set(ids)) == len(ids)


def test_every_character_of_the_alphabet_is_used_about_equally():
    # 32,000 characters: each of the 32 about 1,000 times; a mapping that lost or doubled a
    # character (i, l, o, u must never appear) would show here.
    counts = Counter(ch for _ in range(2_000) for ch in new_public_id("cv")[3:])
    assert len(counts) == 32
    assert min(counts.values()) > 800 and max(counts.values()) < 1_200
