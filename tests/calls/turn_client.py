"""A minimal TURN client (RFC 5766 Allocate with long-term credentials, RFC 5389 framing):
enough to ask the private coturn whether it accepts a username and password."""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import struct

MAGIC = 0x2112A442
ALLOCATE, ALLOCATE_OK, ALLOCATE_ERROR = 0x0003, 0x0103, 0x0113
USERNAME, INTEGRITY, ERROR, REALM, NONCE, TRANSPORT = 0x0006, 0x0008, 0x0009, 0x0014, 0x0015, 0x0019


def _attr(kind: int, value: bytes) -> bytes:
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)


def _message(attrs: bytes, txid: bytes, extra: int = 0) -> bytes:
    return struct.pack("!HHI", ALLOCATE, len(attrs) + extra, MAGIC) + txid + attrs


def _parse(data: bytes) -> tuple[int, dict[int, bytes]]:
    kind, length = struct.unpack("!HH", data[:4])
    attrs, at = {}, 20
    while at < 20 + length:
        key, size = struct.unpack("!HH", data[at : at + 4])
        attrs[key] = data[at + 4 : at + 4 + size]
        at += 4 + size + (-size % 4)
    return kind, attrs


def _ask(sock: socket.socket, port: int, message: bytes) -> bytes:
    """UDP may drop a datagram: retransmit like a STUN client does (RFC 5389 7.2.1)."""
    for _ in range(5):
        sock.sendto(message, ("127.0.0.1", port))
        try:
            return sock.recv(2048)
        except TimeoutError:
            continue
    raise TimeoutError("coturn did not answer")


def allocate(port: int, username: str, password: str) -> int:
    """The error code coturn answers (401: refused), or 0 for an allocation it granted."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.5)
        transport = _attr(TRANSPORT, bytes([17, 0, 0, 0]))
        _, challenge = _parse(_ask(sock, port, _message(transport, os.urandom(12))))
        realm, nonce = challenge[REALM], challenge[NONCE]
        attrs = transport + _attr(USERNAME, username.encode()) + _attr(REALM, realm)
        attrs += _attr(NONCE, nonce)
        txid = os.urandom(12)
        # The long-term credential key of RFC 5389: MD5(username:realm:password).
        key = hashlib.md5(f"{username}:{realm.decode()}:{password}".encode()).digest()
        digest = hmac.new(key, _message(attrs, txid, extra=24), hashlib.sha1).digest()
        kind, answer = _parse(_ask(sock, port, _message(attrs + _attr(INTEGRITY, digest), txid)))
        if kind == ALLOCATE_OK:
            return 0
        code = answer.get(ERROR, b"\0\0\0\0")
        return code[2] * 100 + code[3]
