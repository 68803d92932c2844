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


def operator_origin_allowed(scope) -> bool:
    """The operator app is served by us: only our own origins (or the request's own host)."""
    origin = _origin(scope)
    if not origin:
        return False
    if origin in _own_origins():
        return True
    host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1").lower()
    return urlparse(origin).netloc == host


def messenger_origin_allowed(scope, widget) -> bool:
    """A widget accepts its configured site origins; with none configured, only our own
    (the hosted demo and conversation pages)."""
    origin = _origin(scope)
    if not origin:
        return False
    allowed = {o.rstrip("/").lower() for o in widget.allowed_origins} or _own_origins()
    return origin in allowed or "*" in allowed
