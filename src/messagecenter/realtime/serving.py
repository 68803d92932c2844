"""How the ASGI server runs the WebSockets: one place for ``serve``, the tests and the
benchmarks (and the README's plain-uvicorn line).

- Frames: the server refuses a frame larger than twice the largest socket limit before reading
  it whole (uvicorn's default is 16 MiB); frames up to that get the consumers' own clear
  ``frame_too_large`` error.
- permessage-deflate: off unless ``MC_WS_COMPRESSION`` (CPU on every frame, small JSON).
- Implementation: uvicorn's sans-I/O binding of ``websockets`` (the older one is deprecated).
- Keepalive: pings every 20 s keep proxies from closing idle sockets, but a late pong never
  closes a socket: a busy server answers late, and a dead client is found by the app's own
  heartbeat (stale connections are pruned after 90 s).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

PING_INTERVAL_SECONDS = 20.0


def max_frame_bytes() -> int:
    return 2 * max(settings.MESSENGER_MAX_FRAME_BYTES, settings.OPERATOR_MAX_FRAME_BYTES)


def uvicorn_options() -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config``."""
    return {
        "ws": "websockets-sansio",
        "ws_max_size": max_frame_bytes(),
        "ws_per_message_deflate": settings.WS_COMPRESSION,
        "ws_ping_interval": PING_INTERVAL_SECONDS,
        "ws_ping_timeout": None,
    }


def uvicorn_flags() -> list[str]:
    """The same as ``uvicorn`` command-line flags (ping timeout: uvicorn's CLI cannot say
    "never", so a day)."""
    return [
        "--ws",
        "websockets-sansio",
        "--ws-max-size",
        str(max_frame_bytes()),
        "--ws-per-message-deflate",
        "true" if settings.WS_COMPRESSION else "false",
        "--ws-ping-interval",
        str(PING_INTERVAL_SECONDS),
        "--ws-ping-timeout",
        "86400",
    ]
