"""The Telegram Bot API, as this channel uses it: ``BotApi(token).call(method, **params)``.

Requests go to ``{MC_TELEGRAM_API_URL}/bot<token>/<method>`` (JSON body) and files are read
from ``{MC_TELEGRAM_API_URL}/file/bot<token>/<file_path>``. The token is part of those URLs, so:

- no error, reason or log line of ours contains a URL; reasons are Telegram's ``description``
  or the kind of network failure;
- httpx and httpcore log requests with their URL: ``redact_http_logs`` puts a filter on their
  loggers that replaces any bot token in a record (the settings also keep them at WARNING).

Telegram answers ``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": 429,
"description": "Too Many Requests: retry after 5", "parameters": {"retry_after": 5}}``.
``ApiError`` keeps the code, the description and ``retry_after``; ``permanent`` is true for
the 4xx answers retrying cannot change (a wrong chat, a bot the user blocked, a revoked
token), false for 429, 5xx and network failures.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

TOKEN_PATTERN = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$")
_IN_TEXT = re.compile(r"bot[0-9]{1,20}:[A-Za-z0-9_-]+")
REDACTED = "bot<token>"
TIMEOUT_SECONDS = 10.0
# getFile and the download: Telegram serves bots files of at most 20 MB.
DOWNLOAD_TIMEOUT_SECONDS = 60.0
REASON_LENGTH = 300


class ApiError(Exception):
    """A refused or failed call. ``status``: Telegram's ``error_code`` (the HTTP status), 0
    for a network failure."""

    def __init__(self, reason: str, *, status: int = 0, retry_after: int | None = None):
        super().__init__(reason)
        self.reason = reason[:REASON_LENGTH]
        self.status = status
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        return 400 <= self.status < 500 and self.status not in (408, 429)


def base_url() -> str:
    return settings.TELEGRAM_API_URL.rstrip("/")


def looks_like_token(token: str) -> bool:
    return bool(TOKEN_PATTERN.match(token or ""))


class BotApi:
    def __init__(self, token: str, *, timeout: float = TIMEOUT_SECONDS):
        self._token = token
        self._timeout = timeout

    def __repr__(self) -> str:  # never the token
        return "BotApi(<token>)"

    def call(self, method: str, **params: Any) -> Any:
        url = f"{base_url()}/bot{self._token}/{method}"
        try:
            response = httpx.post(url, json=params, timeout=self._timeout)
        except httpx.TimeoutException:
            raise ApiError(_("Telegram did not answer in time.")) from None
        except httpx.HTTPError as error:
            raise ApiError(
                _("Telegram cannot be reached (%(error)s).") % {"error": type(error).__name__}
            ) from None
        return _result(response)

    def send_file(self, method: str, field: str, handle, filename: str, mime: str, **params):
        """``sendPhoto``/``sendDocument`` as multipart/form-data, the file streamed from
        ``handle`` (never read whole)."""
        url = f"{base_url()}/bot{self._token}/{method}"
        data = {key: str(value) for key, value in params.items()}
        try:
            response = httpx.post(
                url,
                data=data,
                files={field: (filename, handle, mime)},
                timeout=DOWNLOAD_TIMEOUT_SECONDS,
            )
        except httpx.TimeoutException:
            raise ApiError(_("Telegram did not answer in time.")) from None
        except httpx.HTTPError as error:
            raise ApiError(
                _("Telegram cannot be reached (%(error)s).") % {"error": type(error).__name__}
            ) from None
        return _result(response)

    def download(self, file_path: str, *, max_bytes: int) -> bytes:
        """A file's bytes (``file_path`` from ``getFile``), at most ``max_bytes``."""
        url = f"{base_url()}/file/bot{self._token}/{file_path.lstrip('/')}"
        try:
            with httpx.stream("GET", url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
                if response.status_code != 200:
                    raise ApiError(
                        _("Telegram refused the file (HTTP %(status)d).")
                        % {"status": response.status_code},
                        status=response.status_code,
                    )
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise ApiError(_("The file is larger than Telegram's limit."), status=400)
                    chunks.append(chunk)
        except httpx.TimeoutException:
            raise ApiError(_("Telegram did not answer in time.")) from None
        except httpx.HTTPError as error:
            raise ApiError(
                _("Telegram cannot be reached (%(error)s).") % {"error": type(error).__name__}
            ) from None
        return b"".join(chunks)


def _result(response: httpx.Response) -> Any:
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("ok") is True:
        return data.get("result")
    status = response.status_code
    if not isinstance(data, dict):
        raise ApiError(_("Telegram answered HTTP %(status)d.") % {"status": status}, status=status)
    code = data.get("error_code")
    description = str(data.get("description") or "") or _("Telegram answered HTTP %(status)d.") % {
        "status": status
    }
    parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
    retry_after = parameters.get("retry_after")
    raise ApiError(
        redact(description),
        status=code if isinstance(code, int) else status,
        retry_after=retry_after if isinstance(retry_after, int) and retry_after > 0 else None,
    )


def redact(text: str) -> str:
    return _IN_TEXT.sub(REDACTED, text)


class _RedactTokens(logging.Filter):
    """Rewrites a record so no bot token survives in its message or arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(a) if isinstance(a, str) else _str_redact(a) for a in args)
        return True


def _str_redact(value: Any) -> Any:
    # httpx passes the URL object: its text, redacted, prints the same.
    if isinstance(value, httpx.URL):
        return redact(str(value))
    return value


_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy")


def redact_http_logs() -> None:
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactTokens) for f in logger.filters):
            logger.addFilter(_RedactTokens())
