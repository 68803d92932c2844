"""Every API error is an RFC 9457 problem document (``application/problem+json``).

``type`` stays ``about:blank``: the HTTP status already names the kind of problem (RFC 9457
§4.2.1), and the stable, machine-readable reason travels in the ``code`` extension member,
which docs/api.md lists. Domain errors keep the service's own message as ``detail``, so an API
client reads the same sentence the operator app shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from messagecenter.api import limits, ratelimit
from messagecenter.core.errors import DomainError

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Members a domain error's details may not overwrite.
_RESERVED = {"type", "title", "status", "detail", "code"}
_HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    429: "rate_limited",
}


def problem(status: int, detail: str, *, code: str, **extra: Any) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    if status == 401:
        # RFC 9110 §11.6.1: a 401 names the scheme the client should use.
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def install(api: NinjaAPI) -> None:
    """Replace ninja's default error bodies with problems."""
    handlers: dict[type[Exception], Callable[..., HttpResponse]] = {
        DomainError: on_domain_error,
        ValidationError: on_validation_error,
        AuthenticationError: on_missing_credentials,
        HttpError: on_http_error,
        Http404: on_not_found,
        RequestDataTooBig: on_body_too_large,
        Exception: on_unexpected,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)


def on_domain_error(request, exc: DomainError) -> HttpResponse:
    extra = {k: _jsonable(v) for k, v in exc.details.items() if k not in _RESERVED}
    return problem(exc.http_status, str(exc.message), code=exc.code, **extra)


def on_validation_error(request, exc: ValidationError) -> HttpResponse:
    errors = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type")}
        for error in exc.errors
    ]
    return problem(422, _("The request is not valid."), code="validation_failed", errors=errors)


def on_missing_credentials(request, exc: AuthenticationError) -> HttpResponse:
    detail = _("Send an API token in the header Authorization: Bearer <token>.")
    return problem(401, detail, code="unauthenticated")


def on_http_error(request, exc: HttpError) -> HttpResponse:
    code = _HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    return problem(exc.status_code, str(exc), code=code)


def on_not_found(request, exc: Exception) -> HttpResponse:
    return problem(404, _("Not found."), code="not_found")


def on_body_too_large(request, exc: Exception | None = None) -> HttpResponse:
    detail = _("The request body is larger than the limit of %(limit)d MiB.") % {
        "limit": limits.limit_mib()
    }
    return problem(413, detail, code="body_too_large")


def on_unexpected(request, exc: Exception) -> HttpResponse:
    # A bug, not a client mistake: log it in full, tell the client nothing internal.
    log.exception("API request %s %s failed", request.method, request.path)
    return problem(500, _("Something went wrong on our side."), code="internal_error")


def unknown_endpoint(request, *args, **kwargs) -> HttpResponse:
    """Any path under the API that no endpoint matches."""
    return problem(404, _("There is no such API endpoint."), code="not_found")


def outside_handlers(view):
    """Two answers of ninja's bypass its exception handlers: a wrong method gets a plain-text
    405 from deep inside its path view, and the API root raises Django's (HTML) 404. This turns
    both into problems. It also applies the body limit (``limits``) to every endpoint."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        # Before authentication and parsing: an oversized body is refused unread.
        if limits.body_too_large(request):
            return on_body_too_large(request)
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return unknown_endpoint(request)
        ratelimit.add_headers(request, response)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        detail = _("This endpoint does not support %(method)s.") % {"method": request.method}
        result = problem(405, detail, code="method_not_allowed")
        result["Allow"] = response["Allow"]
        return result

    return wrapped


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)
