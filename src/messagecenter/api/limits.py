"""The API's body limit: ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (10 MiB) for every endpoint.

A body over it is answered with a 413 problem before anything reads it (the declared
``Content-Length``); a body sent without a length is caught when Django reads it
(``RequestDataTooBig``, see ``problems``). Endpoints that stream their body to storage
(uploads) check sizes themselves: they name themselves exempt where they are declared,

    @router.post("/uploads", url_name=limits.streamed_body("upload_create"))

so the exemption is visible at the endpoint and in one registry, never a side effect.
"""

from __future__ import annotations

from django.conf import settings

_STREAMED_BODY: set[str] = set()


def streamed_body(url_name: str) -> str:
    """Exempt the endpoint named ``url_name`` from the body limit; returns the name."""
    _STREAMED_BODY.add(url_name)
    return url_name


def is_streamed(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name in _STREAMED_BODY


def body_too_large(request) -> bool:
    """Whether the request declares a body over the limit, and its endpoint is not exempt."""
    return _declared_length(request) > limit_bytes() and not is_streamed(request)


def limit_bytes() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def limit_mib() -> int:
    return limit_bytes() // (1024 * 1024)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        # A malformed length: Django's own reading refuses such a request.
        return 0
