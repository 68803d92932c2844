"""Opaque public ids: what URLs and the API show instead of row numbers.

An id is a short type prefix and 16 random base32 characters (80 bits), e.g.
``cv_4hq2n7x3kd9mbw5z``. The prefix tells a human (and a support engineer reading logs) what the
id refers to; the random part reveals neither order nor count.
"""

import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, no i/l/o/u


def new_public_id(prefix: str) -> str:
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(16))
