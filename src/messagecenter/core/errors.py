"""Typed domain errors.

Services raise these with a user-facing, translatable message; every adapter (view, API,
WebSocket consumer, chat command) turns them into its own error format with that message.
"""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule said no. ``code`` is stable for API clients; ``message`` is for people."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str | Promise, *, code: str | None = None, **details: object):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.details = details

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    """The object does not exist *for this caller* (another account's objects included)."""

    code = "not_found"
    http_status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403


class InvalidTransition(DomainError):
    code = "invalid_transition"
    http_status = 409


class ValidationFailed(DomainError):
    code = "validation_failed"
    http_status = 422


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
