"""schemathesis hooks for tests/api/test_openapi.py (loaded through SCHEMATHESIS_HOOKS).

schemathesis reuses a generated value across cases, so two different requests would share
one ``Idempotency-Key`` and the second would be refused (422 ``idempotency_key_reused``),
which is right for a client but no finding about the schema. Each request keeps the key's
generated text (its format is still fuzzed) with a number that makes it its own. Replays
under one key are tested in test_idempotency.py.
"""

from __future__ import annotations

import itertools

import schemathesis

_numbers = itertools.count(1)
HEADER = "Idempotency-Key"


@schemathesis.hook
def before_call(context, case, kwargs):
    key = (case.headers or {}).get(HEADER)
    if isinstance(key, str) and key.strip():
        case.headers[HEADER] = f"{key.strip()[:180]}-{next(_numbers)}"
