"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from huey.contrib.djhuey import HUEY


def healthz(request):
    """The process answers. Nothing else is checked, so a slow database never restarts it."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Database, channel layer and job queue answer; 503 with the failing part otherwise."""
    checks = {"database": _check_database, "channel_layer": _check_layer, "queue": _check_queue}
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"error: {type(exc).__name__}: {exc}"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    # A send to a channel nobody listens on reaches the backend (Redis PUBLISH; the in-memory
    # layer expires it after 60 s). group_add() is refused by the Redis pub/sub layer for
    # channels not created in this process.
    async_to_sync(layer.send)(f"readyz.{uuid.uuid4().hex}", {"type": "readyz.probe"})


def _check_queue() -> None:
    # Reading the queue length touches the storage (SQLite file or Redis) without side effects.
    HUEY.pending_count()
