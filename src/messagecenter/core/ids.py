"""Opaque public ids: what URLs and the API show instead of row numbers.

An id is a short type prefix and 16 random base32 characters (80 bits), e.g.
``cv_4hq2n7x3kd9mbw5z``. The prefix tells a human (and a support engineer reading logs) what the
id refers to; the random part reveals neither order nor count.
"""

import base64
import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, no i/l/o/u
# RFC 4648 base32 of 10 random bytes is exactly 16 characters, 5 bits each: mapped onto the
# alphabet above in C. (One ``secrets.choice`` per character cost an import of 100,000
# contacts a few seconds: every contact, identity and import change gets an id.)
_FROM_RFC4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())


def new_public_id(prefix: str) -> str:
    random_part = base64.b32encode(secrets.token_bytes(10)).translate(_FROM_RFC4648)
    return prefix + "_" + random_part.decode()
