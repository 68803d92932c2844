"""Origin checks for WebSocket handshakes (browsers always send Origin on WebSockets)."""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings


def _origin(scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return value.decode("latin-1").rstrip("/").lower()
    return ""


def _own_origins() -> set[str]:
    origins = {settings.PUBLIC_URL.rstrip("/").lower()}
    origins |= {o.rstrip("/").lower() for o in settings.CSRF_TRUSTED_ORIGINS}
    return origins


def _host(scope) -> str:
    return dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1").lower()


def operator_origin_allowed(scope) -> bool:
    """The operator app is served by us: only our own origins (or the request's own host)."""
    origin = _origin(scope)
    if not origin:
        return False
    if origin in _own_origins():
        return True
    return urlparse(origin).netloc == _host(scope)


def messenger_origin_allowed(scope, widget) -> bool:
    """A widget accepts its configured site origins and always our own hosted pages."""
    origin = _origin(scope)
    if not origin:
        return False
    configured = {o.rstrip("/").lower() for o in widget.allowed_origins}
    if "*" in configured or origin in configured or origin in _own_origins():
        return True
    # Our own hosted pages (/chat/, /demo/) on whatever host we are reached by: a foreign page
    # cannot send an Origin equal to our Host header.
    return urlparse(origin).netloc == _host(scope)
