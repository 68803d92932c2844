"""Optional virus scan with ClamAV's daemon (``MC_CLAMD``: a unix socket path or host:port).

The file is streamed with clamd's ``INSTREAM`` command (4-byte big-endian length before each
chunk, a zero length at the end); the daemon answers ``stream: OK`` or ``stream: <name>
FOUND``. An infected file is kept in quarantine: stored, shown as infected, never downloaded.
A scanner that cannot be reached leaves the file ``pending`` (also not downloadable), so a
down daemon never lets a file through unscanned.
"""

from __future__ import annotations

import logging
import socket
import struct
from typing import IO

from django.conf import settings

from messagecenter.files.models import ScanState

log = logging.getLogger(__name__)

CHUNK = 256 * 1024


def scan(spooled: IO[bytes]) -> str:
    if not settings.CLAMD:
        return ScanState.SKIPPED
    try:
        answer = _instream(spooled)
    except OSError:
        log.warning("clamd at %s did not answer; file left pending", settings.CLAMD)
        return ScanState.PENDING
    if answer.endswith("FOUND"):
        log.warning("clamd: %s", answer)
        return ScanState.INFECTED
    return ScanState.CLEAN if answer.endswith("OK") else ScanState.PENDING


def _instream(spooled: IO[bytes]) -> str:
    spooled.seek(0)
    with _connect() as conn:
        conn.sendall(b"zINSTREAM\0")
        while chunk := spooled.read(CHUNK):
            conn.sendall(struct.pack("!L", len(chunk)) + chunk)
        conn.sendall(struct.pack("!L", 0))
        reply = b""
        while part := conn.recv(4096):
            reply += part
            if reply.endswith(b"\0"):
                break
    return reply.rstrip(b"\0\n").decode("utf-8", "replace")


def _connect() -> socket.socket:
    target: str = settings.CLAMD
    timeout = settings.CLAMD_TIMEOUT_SECONDS
    if target.startswith("/"):
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(timeout)
        conn.connect(target)
        return conn
    host, _sep, port = target.rpartition(":")
    return socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout)
