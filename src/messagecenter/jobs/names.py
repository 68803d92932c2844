"""Jobs by name: a service asks for ``enqueue_on_commit("notifications.deliver", pk)`` and never
imports the task module that does the work (which imports the service: the import circles
this breaks).

A task module declares its jobs with ``@job("<app>.<name>")`` on a Huey task. A name resolves
when it is enqueued: the registry imports ``messagecenter.<app>.tasks`` (the app is the name's
first part) and takes the task registered under the name, so nothing is wired by hand and a
missing or misspelt name fails loudly at the call.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.db import transaction

_jobs: dict[str, Any] = {}


def job(name: str) -> Callable[[Any], Any]:
    """Register a Huey task (``db_task``/``task``) under ``name``."""

    def register(task: Any) -> Any:
        _jobs[name] = task
        return task

    return register


def resolve(name: str) -> Any:
    if name not in _jobs:
        app = name.split(".", 1)[0]
        importlib.import_module(f"messagecenter.{app}.tasks")
    try:
        return _jobs[name]
    except KeyError:
        raise LookupError(f"no job is registered as {name!r}") from None


def enqueue(name: str, *args: Any, delay: float | None = None) -> None:
    """Queue the job now (``delay``: in that many seconds). Prefer ``enqueue_on_commit``."""
    task = resolve(name)
    if delay:
        task.schedule(args=args, delay=delay)
    else:
        task(*args)


def enqueue_on_commit(name: str, *args: Any, delay: float | None = None) -> None:
    """Queue the job once the caller's transaction commits (never for a rolled-back write)."""
    resolve(name)  # a wrong name fails in the writer, not later in a worker
    transaction.on_commit(lambda: enqueue(name, *args, delay=delay))
