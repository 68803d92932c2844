"""Django's SQLite backend, with a process-wide queue for write transactions.

SQLite lets one connection write at a time. Every transaction here begins ``IMMEDIATE``, so a
second writer waits in SQLite's busy handler, which *polls*: it sleeps 1, 2, 5, 10, 15, 20…
milliseconds between attempts. In the embedded server the messenger's database thread, the
outbox drainer, the job workers and HTTP requests are threads of one process writing one file,
and under load a third of the database thread's time went to those sleeps (py-spy, 2026-12-04:
``BEGIN IMMEDIATE`` 27 % of its wall time at 100 messages a second).

So the threads of this process queue on a ``threading.Lock`` before ``BEGIN`` and release it
after ``COMMIT``/``ROLLBACK``: the next writer starts the moment the previous one ends. Other
processes on the same file (a ``worker`` beside the server) still meet SQLite's busy handler,
and a writer that waited ``timeout`` seconds for the lock goes on to SQLite's own wait rather
than hang (a thread that holds a transaction open while it waits for another thread would
otherwise deadlock; with the fallback it gets SQLite's "database is locked" as before).
"""

# django-stubs do not describe the backend's private transaction hooks overridden here.
# mypy: disable-error-code="misc,attr-defined"

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base

_write_locks: dict[str, threading.Lock] = {}
_registry_lock = threading.Lock()


def _write_lock(name: str) -> threading.Lock:
    with _registry_lock:
        return _write_locks.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._held_write_lock: threading.Lock | None = None

    def _write_queue(self) -> threading.Lock | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or self.transaction_mode != "IMMEDIATE":
            return None  # only IMMEDIATE transactions write-lock at BEGIN
        return _write_lock(name)

    def _start_transaction_under_autocommit(self):
        queue = self._write_queue()
        if queue is not None and self._held_write_lock is None:
            timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
            if queue.acquire(timeout=timeout):
                self._held_write_lock = queue
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            super()._close()
        finally:
            self._release_write_lock()

    def _release_write_lock(self) -> None:
        held, self._held_write_lock = self._held_write_lock, None
        if held is not None:
            held.release()
