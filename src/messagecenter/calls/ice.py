"""What a browser needs to reach the other side: ICE servers and short-lived TURN credentials.

Credentials follow coturn's REST API scheme (``use-auth-secret``; draft-uberti-behave-turn-rest):
the username is ``<expiry unix time>:<id>`` and the password is
``base64(HMAC-SHA1(static-auth-secret, username))``. coturn recomputes the password from the
username and its own copy of the secret and refuses a username whose time has passed, so
nothing is stored per call and a leaked credential dies on its own. coturn checks the time
when an allocation is made, not while it lasts, so a call may run longer than the credential.

By default the browsers may only use relay candidates (``iceTransportPolicy: "relay"``): the
operator and the contact each see the relay's address, never each other's (privacy). With
``MC_CALLS_ALLOW_DIRECT`` they may also connect directly (STUN), which is faster but shows
each side the other's IP address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Literal, TypedDict

from django.conf import settings

from messagecenter.core import clock


class IceServer(TypedDict, total=False):
    urls: list[str]
    username: str
    credential: str


class IceConfig(TypedDict):
    """The ``RTCPeerConnection`` configuration the client uses as it is."""

    ice_servers: list[IceServer]
    ice_transport_policy: Literal["relay", "all"]


def configured() -> bool:
    """Calls can connect: a TURN relay with its secret, or direct connections allowed."""
    return bool(settings.TURN_URLS and settings.TURN_SECRET) or settings.CALLS_ALLOW_DIRECT


def relay_only() -> bool:
    return not settings.CALLS_ALLOW_DIRECT


def turn_credentials(identity: str) -> tuple[str, str]:
    """A (username, password) pair coturn accepts until ``MC_TURN_CREDENTIAL_SECONDS`` from now.
    ``identity`` names the call and side (no personal data: it shows in coturn's log)."""
    expiry = int(clock.now().timestamp()) + settings.TURN_CREDENTIAL_SECONDS
    username = f"{expiry}:{identity}"
    digest = hmac.new(settings.TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def config_for(identity: str) -> IceConfig:
    servers: list[IceServer] = []
    if settings.TURN_URLS and settings.TURN_SECRET:
        username, credential = turn_credentials(identity)
        servers.append(
            {"urls": list(settings.TURN_URLS), "username": username, "credential": credential}
        )
    if settings.CALLS_ALLOW_DIRECT and settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    return {"ice_servers": servers, "ice_transport_policy": "relay" if relay_only() else "all"}


# --- keeping addresses private ------------------------------------------------------------------

_CANDIDATE_TYPE = re.compile(r"\btyp\s+(\w+)")


def private_candidate(candidate: str) -> bool:
    """In relay-only mode, only relay candidates may pass: a host or server-reflexive one
    carries the sender's own address (a client that ignored the policy, or a forged one)."""
    if not relay_only() or not candidate:
        return True  # "" is the end-of-candidates marker
    found = _CANDIDATE_TYPE.search(candidate)
    return found is not None and found.group(1) == "relay"


def private_sdp(sdp: str) -> str:
    """The session description without candidate lines that would reveal an address."""
    if not relay_only():
        return sdp
    lines = sdp.split("\r\n")
    kept = [
        line for line in lines if not line.startswith("a=candidate:") or private_candidate(line)
    ]
    return "\r\n".join(kept)
