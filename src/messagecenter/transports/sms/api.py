"""Twilio's REST API (2010-04-01), as the SMS channel uses it: ``TwilioApi(credentials)``.

Requests go to ``{MC_TWILIO_API_URL}/2010-04-01/Accounts/<AccountSid>/…`` with HTTP basic auth:
the account SID and auth token, or an API key SID and its secret (Twilio's recommendation for
production; the auth token is still needed to check webhook signatures, ``sms.inbound``).
Bodies are form-encoded; answers are JSON. An error answer is
``{"code": 21211, "message": "…", "more_info": "https://www.twilio.com/docs/errors/21211",
"status": 400}``: ``ApiError`` keeps Twilio's ``code``, the HTTP status and the message;
``permanent`` is true for the 4xx answers retrying cannot change (an invalid number, an
unsubscribed recipient, wrong credentials), false for 429 (code 20429), 5xx and network
failures. Credentials never appear in a URL, a reason or a log line of ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

API_VERSION = "2010-04-01"
TIMEOUT_SECONDS = 10.0
DOWNLOAD_TIMEOUT_SECONDS = 60.0
REASON_LENGTH = 300
MAX_REDIRECTS = 3
# Twilio's error codes this channel acts on (https://www.twilio.com/docs/api/errors).
AUTHENTICATION_FAILED = 20003
NOT_FOUND = 20404
TOO_MANY_REQUESTS = 20429
INVALID_TO = 21211
UNSUBSCRIBED = 21610


class ApiError(Exception):
    """A refused or failed call. ``status``: the HTTP status (0: no answer); ``code``:
    Twilio's error code (0 when the answer had none)."""

    def __init__(
        self, reason: str, *, status: int = 0, code: int = 0, retry_after: int | None = None
    ):
        super().__init__(reason)
        self.reason = reason[:REASON_LENGTH]
        self.status = status
        self.code = code
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        if self.code == TOO_MANY_REQUESTS:
            return False
        return 400 <= self.status < 500 and self.status not in (408, 429)


@dataclass(frozen=True)
class Credentials:
    """Who we are at Twilio. REST calls use the API key when one is given, else the auth
    token; ``auth_token`` always signs the webhooks."""

    account_sid: str
    auth_token: str
    api_key_sid: str = ""
    api_key_secret: str = ""

    def __repr__(self) -> str:  # never a secret
        return f"Credentials({self.account_sid!r}, <secrets>)"

    def rest_auth(self) -> tuple[str, str]:
        if self.api_key_sid and self.api_key_secret:
            return self.api_key_sid, self.api_key_secret
        return self.account_sid, self.auth_token


def base_url() -> str:
    return settings.TWILIO_API_URL.rstrip("/")


class TwilioApi:
    def __init__(self, credentials: Credentials, *, timeout: float = TIMEOUT_SECONDS):
        self._credentials = credentials
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"TwilioApi({self._credentials.account_sid!r})"

    def account_url(self, path: str) -> str:
        return f"{base_url()}/{API_VERSION}/Accounts/{self._credentials.account_sid}{path}"

    def fetch_account(self, *, auth: tuple[str, str] | None = None) -> dict[str, Any]:
        """``GET /Accounts/<sid>.json``: the connection test (``auth``: other credentials,
        to check the auth token beside an API key)."""
        return self._call("GET", self.account_url(".json"), auth=auth)

    def incoming_numbers(self, phone_number: str) -> list[dict[str, Any]]:
        """``GET /Accounts/<sid>/IncomingPhoneNumbers.json?PhoneNumber=…``: is it ours?"""
        found = self._call(
            "GET",
            self.account_url("/IncomingPhoneNumbers.json"),
            params={"PhoneNumber": phone_number},
        )
        numbers = found.get("incoming_phone_numbers")
        return [n for n in numbers if isinstance(n, dict)] if isinstance(numbers, list) else []

    def update_number(self, number_sid: str, params: dict[str, Any]) -> dict[str, Any]:
        """``POST /Accounts/<sid>/IncomingPhoneNumbers/<PN sid>.json``: e.g. its ``SmsUrl``."""
        url = self.account_url(f"/IncomingPhoneNumbers/{number_sid}.json")
        return self._call("POST", url, data=params)

    def fetch_number(self, number_sid: str) -> dict[str, Any]:
        return self._call("GET", self.account_url(f"/IncomingPhoneNumbers/{number_sid}.json"))

    def create_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """``POST /Accounts/<sid>/Messages.json`` (form-encoded; a list value repeats its
        key, as ``MediaUrl`` does)."""
        return self._call("POST", self.account_url("/Messages.json"), data=params)

    def download(self, url: str, *, max_bytes: int) -> tuple[bytes, str]:
        """A media file's bytes and type. Our credentials go only to Twilio's own API host
        (a media URL elsewhere is fetched without them), and never along a redirect: Twilio
        answers with one to its media store, which needs none."""
        auth = self._credentials.rest_auth() if _same_origin(url, base_url()) else None
        try:
            with httpx.Client(timeout=DOWNLOAD_TIMEOUT_SECONDS) as client:
                for _hop in range(MAX_REDIRECTS + 1):
                    with client.stream("GET", url, auth=auth) as response:
                        if not response.is_redirect:
                            return _media(response, max_bytes)
                        url, auth = urljoin(url, response.headers.get("location", "")), None
        except httpx.TimeoutException:
            raise ApiError(_("Twilio did not answer in time.")) from None
        except httpx.HTTPError as error:
            raise ApiError(
                _("Twilio cannot be reached (%(error)s).") % {"error": type(error).__name__}
            ) from None
        raise ApiError(_("Twilio redirected the file too often."), status=400)

    def _call(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            response = httpx.request(
                method,
                url,
                params=params,
                data=data,
                auth=auth or self._credentials.rest_auth(),
                timeout=self._timeout,
            )
        except httpx.TimeoutException:
            raise ApiError(_("Twilio did not answer in time.")) from None
        except httpx.HTTPError as error:
            raise ApiError(
                _("Twilio cannot be reached (%(error)s).") % {"error": type(error).__name__}
            ) from None
        return _result(response)


def _media(response: httpx.Response, max_bytes: int) -> tuple[bytes, str]:
    if response.status_code != 200:
        raise ApiError(
            _("Twilio refused the file (HTTP %(status)d).") % {"status": response.status_code},
            status=response.status_code,
        )
    content = _read_limited(response, max_bytes)
    return content, response.headers.get("content-type", "").split(";")[0].strip()


def _read_limited(response: httpx.Response, max_bytes: int) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ApiError(_("The file is larger than the channel carries."), status=413)
        chunks.append(chunk)
    return b"".join(chunks)


def _same_origin(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _result(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    status = response.status_code
    if 200 <= status < 300 and isinstance(data, dict):
        return data
    code = data.get("code") if isinstance(data, dict) else None
    message = str(data.get("message") or "") if isinstance(data, dict) else ""
    reason = message or _("Twilio answered HTTP %(status)d.") % {"status": status}
    if isinstance(code, int):
        reason = f"{reason} ({code})"
    raise ApiError(
        reason,
        status=status,
        code=code if isinstance(code, int) else 0,
        retry_after=_retry_after(response),
    )


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("retry-after", "")
    return int(value) if value.isdigit() and int(value) > 0 else None
