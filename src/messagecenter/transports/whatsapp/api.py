"""Meta's Graph API, as the WhatsApp channel uses it: ``GraphApi(token).get/post/delete(path)``.

Requests go to ``{MC_WHATSAPP_API_URL}/{VERSION}/<path>`` with ``Authorization: Bearer
<token>``; the token is never part of a URL, so httpx's own log lines carry none. Media is
fetched in two steps, both with the token: ``GET /<media id>`` answers a short-lived ``url``,
whose bytes are then downloaded (``download``).

Meta answers errors as ``{"error": {"message", "type", "code", "error_subcode",
"error_data": {"details"}, "fbtrace_id"}}``. ``ApiError`` keeps the code and a reason for
operators (the title and details, never the token); ``permanent`` is false for Meta's own
trouble (HTTP 5xx, codes 1, 2, 131000, 133004), rate limits (4, 80007, 130429, 131056) and
network failures, true for everything retrying cannot change (a token, a recipient outside
the 24-hour window: 131047, an unknown number).
"""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

VERSION = "v21.0"
TIMEOUT_SECONDS = 10.0
DOWNLOAD_TIMEOUT_SECONDS = 120.0
REASON_LENGTH = 300
# Worth another try: Meta's service trouble and its rate limits (Cloud API error codes).
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131056, 133004})
TOKEN_CODES = frozenset({190, 102})
RE_ENGAGEMENT = 131047


class ApiError(Exception):
    """A refused or failed call. ``status``: the HTTP status (0: no answer); ``code``:
    Meta's error code (0 when there was none)."""

    def __init__(self, reason: str, *, status: int = 0, code: int = 0):
        super().__init__(reason)
        self.reason = reason[:REASON_LENGTH]
        self.status = status
        self.code = code

    @property
    def permanent(self) -> bool:
        if self.status == 0 or self.status >= 500 or self.status == 429:
            return False
        return self.code not in TRANSIENT_CODES


def base_url() -> str:
    return f"{settings.WHATSAPP_API_URL.rstrip('/')}/{VERSION}"


class GraphApi:
    def __init__(self, token: str, *, timeout: float = TIMEOUT_SECONDS):
        self._token = token
        self._timeout = timeout

    def __repr__(self) -> str:  # never the token
        return "GraphApi(<token>)"

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self._call("GET", path, params=params or None)

    def post(self, path: str, body: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        return self._call("POST", path, json=body, **kwargs)

    def delete(self, path: str) -> dict[str, Any]:
        return self._call("DELETE", path)

    def upload(self, path: str, *, data: dict[str, str], files: dict[str, Any],
               timeout: float) -> dict[str, Any]:  # fmt: skip
        """A multipart POST (``/<phone number id>/media``), the file streamed from its handle."""
        return self._call("POST", path, data=data, files=files, timeout=timeout)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{base_url()}/{path.lstrip('/')}"
        kwargs.setdefault("timeout", self._timeout)
        try:
            response = httpx.request(method, url, headers=self._headers(), **kwargs)
        except httpx.TimeoutException:
            raise ApiError(_("WhatsApp did not answer in time.")) from None
        except httpx.HTTPError as error:
            raise ApiError(
                _("WhatsApp cannot be reached (%(error)s).") % {"error": type(error).__name__}
            ) from None
        return _result(response)

    def download(self, url: str, *, max_bytes: int) -> bytes:
        """The bytes behind a media ``url`` (from ``GET /<media id>``), at most ``max_bytes``."""
        try:
            with httpx.stream(
                "GET", url, headers=self._headers(), timeout=DOWNLOAD_TIMEOUT_SECONDS
            ) as response:
                if response.status_code != 200:
                    response.read()
                    _result(response)  # raises with Meta's reason
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise ApiError(_("The file is larger than WhatsApp's limit."), status=400)
                    chunks.append(chunk)
        except httpx.TimeoutException:
            raise ApiError(_("WhatsApp did not answer in time.")) from None
        except httpx.HTTPError as error:
            raise ApiError(
                _("WhatsApp cannot be reached (%(error)s).") % {"error": type(error).__name__}
            ) from None
        return b"".join(chunks)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}


def _result(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    status = response.status_code
    if 200 <= status < 300 and isinstance(data, dict) and "error" not in data:
        return data
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        raise ApiError(_("WhatsApp answered HTTP %(status)d.") % {"status": status}, status=status)
    code = error["code"] if isinstance(error.get("code"), int) else 0
    raise ApiError(describe(error) or _("WhatsApp answered HTTP %(status)d.") % {"status": status},
                   status=status, code=code)  # fmt: skip


def describe(error: dict[str, Any]) -> str:
    """An error object (of an answer, or a failed status or message) as one sentence: its
    message or title, and the details when they add something."""
    title = str(error.get("message") or error.get("title") or "").strip()
    data = error.get("error_data")
    data = data if isinstance(data, dict) else {}
    details = str(data.get("details") or "").strip()
    code = error.get("code")
    if code and title and not title.startswith("("):
        title = f"({code}) {title}"
    if details and details not in title:
        title = f"{title}: {details}" if title else details
    return title[:REASON_LENGTH]
