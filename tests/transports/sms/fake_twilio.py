"""A fake Twilio REST API on 127.0.0.1, written from Twilio's published documentation
(https://www.twilio.com/docs/messaging/api/message-resource, …/iam/api/account,
…/phone-numbers/api/incomingphonenumber-resource, …/usage/webhooks/webhooks-security,
…/messaging/guides/webhook-request, …/api/errors): real HTTP, the same URLs, answers and errors.

- HTTP basic auth on every API call: the account SID and its auth token, or an API key SID
  and its secret (a key belongs to one account). Anything else is ``401`` with error 20003
  ("Authenticate"); another account's path is ``404`` with 20404.
- ``GET /2010-04-01/Accounts/<sid>.json``: the account (status ``active``/``suspended``).
- ``GET /2010-04-01/Accounts/<sid>/IncomingPhoneNumbers.json?PhoneNumber=+…``: the account's
  numbers (filtered), ``{"incoming_phone_numbers": […]}``; ``GET`` and ``POST``
  ``…/IncomingPhoneNumbers/<PN…>.json``: one number, and its ``SmsUrl``/``SmsMethod`` changed.
- ``POST /2010-04-01/Accounts/<sid>/Messages.json`` (form-encoded ``To``, ``From`` or
  ``MessagingServiceSid``, ``Body``, ``MediaUrl`` (repeatable), ``StatusCallback``): ``201``
  with the new Message (``SM…`` / ``MM…`` with media; ``queued``, or ``accepted`` through a
  Messaging Service). Errors as Twilio sends them, ``{"code", "message", "more_info",
  "status"}``: 21604 no To, 21211 invalid To, 21603 no From, 21606 a From not ours, 21701 an
  unknown Messaging Service, 21602 no Body nor media, 21617 a Body over 1,600 characters,
  21610 a recipient who replied STOP, 21620 a media URL that is not http(s).
- ``GET /2010-04-01/Accounts/<sid>/Messages/<MM…>/Media/<ME…>`` (authenticated): a ``307``
  to the media store (``/media-store/<id>``, unauthenticated), which serves the bytes.

Tests script failures (``fail``), read what was sent (``sent``), and build what Twilio would
post to our webhooks (``incoming``, ``status_callback``), signed the published way
(``sign``: base64 HMAC-SHA1 of the URL and the sorted parameters, with the auth token).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 32
API_KEY_SID = "SK" + "fedcba9876543210" * 2
API_KEY_SECRET = "k3ySecret" + "x" * 23
NUMBER = "+4930123456"
SERVICE_SID = "MG" + "11112222333344445555666677778888"
SERVICE_NUMBERS = ("+4930111111", "+4930222222")
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
MAX_BODY = 1600
ACCOUNT_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})(?P<rest>(/.*)?\.json|/.*)$"
)
NUMBER_PATH = re.compile(r"^/IncomingPhoneNumbers/(?P<sid>PN[0-9a-f]{32})\.json$")
MEDIA_PATH = re.compile(r"^/Messages/(?P<message>MM[0-9a-f]{32})/Media/(?P<media>ME[0-9a-f]{32})$")
MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


@dataclass
class Account:
    sid: str
    auth_token: str
    friendly_name: str = "Acme Support"
    status: str = "active"
    api_keys: dict[str, str] = field(default_factory=dict)
    numbers: list[str] = field(default_factory=list)
    services: dict[str, list[str]] = field(default_factory=dict)  # MG sid → its numbers


@dataclass
class Media:
    message_sid: str
    sid: str
    content: bytes
    content_type: str


class FakeTwilio:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accounts: dict[str, Account] = {}
        self.media: dict[str, Media] = {}
        self.sent: list[dict[str, Any]] = []  # every message created, as answered
        self.unsubscribed: set[str] = set()  # numbers that replied STOP
        self.requests: list[tuple[str, str, str]] = []  # (method, path, auth user): no secrets
        self.media_auth: list[str] = []  # the Authorization header each media-store GET carried
        # Each number's settings (PN sid → SmsUrl, SmsMethod), changed by a POST.
        self.number_config: dict[str, dict[str, str]] = {}
        self.script: list[tuple[str, int, dict[str, Any], int | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer._answer(self, "GET", b"")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                outer._answer(self, "POST", body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    # --- what tests set up -------------------------------------------------------------

    def add_account(self, sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> Account:
        account = Account(sid, auth_token, api_keys={API_KEY_SID: API_KEY_SECRET},
                          numbers=[NUMBER, *SERVICE_NUMBERS],
                          services={SERVICE_SID: list(SERVICE_NUMBERS)})  # fmt: skip
        self.accounts[sid] = account
        for number in account.numbers:
            self.number_config[number_sid(number)] = {"sms_url": "", "sms_method": "POST"}
        return account

    def sms_url(self, number: str) -> str:
        """What "A message comes in" of the number is set to."""
        return self.number_config[number_sid(number)]["sms_url"]

    def add_media(self, content: bytes, content_type: str) -> str:
        """A file a contact sent: its MediaUrl (on the API host, authenticated)."""
        media = Media("MM" + secrets.token_hex(16), "ME" + secrets.token_hex(16), content,
                      content_type)  # fmt: skip
        self.media[media.sid] = media
        return (f"{self.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{media.message_sid}"
                f"/Media/{media.sid}")  # fmt: skip

    def fail(self, status: int, code: int, message: str, *, times: int = 1,
             retry_after: int | None = None) -> None:  # fmt: skip
        """The next ``times`` message creations answer this error."""
        error = {"code": code, "message": message, "more_info": MORE_INFO.format(code=code),
                 "status": status}  # fmt: skip
        self.script += [("Messages", status, error, retry_after)] * times

    def bodies(self) -> list[str]:
        return [message["body"] for message in self.sent]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- what Twilio posts to us ---------------------------------------------------------

    def incoming(self, body: str, *, sid: str = "", sender: str = "+491701234567",
                 to: str = NUMBER, service: str = "", media: tuple[tuple[str, str], ...] = (),
                 **extra: str) -> dict[str, str]:  # fmt: skip
        """The parameters of Twilio's request to the incoming-message webhook."""
        sid = sid or ("MM" if media else "SM") + secrets.token_hex(16)
        params = {
            "ToCountry": "DE", "ToState": "", "SmsMessageSid": sid, "NumMedia": str(len(media)),
            "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
            "FromCity": "", "Body": body, "FromCountry": "DE", "To": to, "ToZip": "",
            "NumSegments": "1", "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender,
            "ApiVersion": "2010-04-01",
        }  # fmt: skip
        if service:
            params["MessagingServiceSid"] = service
        for i, (url, content_type) in enumerate(media):
            params[f"MediaUrl{i}"], params[f"MediaContentType{i}"] = url, content_type
        return params | extra

    def status_callback(self, message: dict[str, Any], status: str, *, error_code: str = "") \
            -> dict[str, str]:  # fmt: skip
        """Twilio's request to a message's StatusCallback URL."""
        params = {
            "MessageSid": message["sid"], "SmsSid": message["sid"], "SmsStatus": status,
            "MessageStatus": status, "To": message["to"], "From": message["from"] or "",
            "AccountSid": message["account_sid"], "ApiVersion": "2010-04-01",
        }  # fmt: skip
        if message.get("messaging_service_sid"):
            params["MessagingServiceSid"] = message["messaging_service_sid"]
        if error_code:
            params["ErrorCode"] = error_code
        return params

    # --- the API -------------------------------------------------------------------------

    def _answer(self, handler, method: str, body: bytes) -> None:
        url = urlparse(handler.path)
        if url.path.startswith("/media-store/"):
            return self._media_store(handler, url.path.removeprefix("/media-store/"))
        match = ACCOUNT_PATH.match(url.path)
        if match is None:
            return _send(handler, 404, _error(20404, "The requested resource was not found", 404))
        account, user = self._authenticate(handler.headers.get("authorization") or "")
        with self.lock:
            self.requests.append((method, url.path, user))
        if account is None:
            return _send(handler, 401, _error(20003, "Authenticate", 401))
        if account.sid != match["sid"]:
            return _send(handler, 404, _error(20404, "The requested resource was not found", 404))
        rest = match["rest"]
        query = {k: v for k, v in parse_qs(url.query).items()}
        form = parse_qs(body.decode(), keep_blank_values=True)
        if method == "GET" and rest == ".json":
            return _send(handler, 200, _account(account))
        if method == "GET" and rest == "/IncomingPhoneNumbers.json":
            found = self._numbers(account, (query.get("PhoneNumber") or [""])[0])
            return _send(handler, 200, found)
        number = NUMBER_PATH.match(rest)
        if number and number["sid"] in self.number_config:
            if method == "POST":
                self._update_number(number["sid"], form)
            return _send(handler, 200, self._number(account, number["sid"]))
        if method == "POST" and rest == "/Messages.json":
            return self._create_message(handler, account, form)
        media = MEDIA_PATH.match(rest)
        if method == "GET" and media:
            return self._media(handler, media["media"])
        _send(handler, 404, _error(20404, "The requested resource was not found", 404))

    def _authenticate(self, header: str) -> tuple[Account | None, str]:
        if not header.startswith("Basic "):
            return None, ""
        try:
            user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None, ""
        for account in self.accounts.values():
            if user == account.sid and hmac.compare_digest(password, account.auth_token):
                return account, user
            secret = account.api_keys.get(user)
            if secret is not None and hmac.compare_digest(password, secret):
                return account, user
        return None, user

    def _create_message(self, handler, account: Account, form: dict[str, list[str]]) -> None:
        with self.lock:
            scripted = self.script.pop(0) if self.script else None
        if scripted is not None:
            _name, status, error, retry_after = scripted
            headers = {"Retry-After": str(retry_after)} if retry_after else {}
            return _send(handler, status, error, headers)
        status, answer = self._message(account, {k: v for k, v in form.items()})
        _send(handler, status, answer)

    def _message(self, account: Account, form: dict[str, list[str]]):
        one = {key: values[0] for key, values in form.items()}
        to, sender = one.get("To", ""), one.get("From", "")
        service, body = one.get("MessagingServiceSid", ""), one.get("Body", "")
        media = form.get("MediaUrl", [])
        if not to:
            return 400, _error(21604, "A 'To' phone number is required.")
        if not E164.match(to):
            return 400, _error(21211, f"The 'To' number {to} is not a valid phone number.")
        if not sender and not service:
            return 400, _error(21603, "A 'From' phone number is required.")
        if service and service not in account.services:
            return 400, _error(21701, f"The Messaging Service Sid {service} is invalid.")
        if sender and sender not in account.numbers:
            return 400, _error(
                21606,
                f"The From phone number {sender} is not a valid, "
                "SMS-capable inbound phone number or short code for your account.",
            )
        if not body and not media:
            return 400, _error(21602, "Message body is required.")
        if len(body) > MAX_BODY:
            return 400, _error(21617, "The concatenated message body exceeds the 1600 character "
                               "limit.")  # fmt: skip
        if any(not url.startswith(("http://", "https://")) for url in media):
            return 400, _error(21620, "Invalid media URL(s).")
        if to in self.unsubscribed:
            return 400, _error(21610, "Attempt to send to unsubscribed recipient")
        sid = ("MM" if media else "SM") + secrets.token_hex(16)
        message = {
            "sid": sid, "account_sid": account.sid, "to": to,
            "from": sender or None, "messaging_service_sid": service or None, "body": body,
            "status": "accepted" if service else "queued", "num_segments": "1",
            "num_media": str(len(media)), "direction": "outbound-api",
            "api_version": "2010-04-01", "price": None, "price_unit": "USD",
            "error_code": None, "error_message": None,
            "date_created": "Fri, 04 Dec 2026 18:00:00 +0000", "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{account.sid}/Messages/{sid}.json",
            "status_callback": one.get("StatusCallback") or None, "media_url": media,
        }  # fmt: skip
        with self.lock:
            self.sent.append(message)
        return 201, message

    def _numbers(self, account: Account, phone_number: str) -> dict[str, Any]:
        numbers = [n for n in account.numbers if not phone_number or n == phone_number]
        found = [self._number(account, number_sid(n)) for n in numbers]
        return {"incoming_phone_numbers": found, "page": 0, "page_size": 50, "start": 0,
                "end": max(len(found) - 1, 0)}  # fmt: skip

    def _number(self, account: Account, sid: str) -> dict[str, Any]:
        number = next(n for n in account.numbers if number_sid(n) == sid)
        settings = self.number_config[sid]
        return {"sid": sid, "phone_number": number, "friendly_name": number,
                "account_sid": account.sid, "sms_url": settings["sms_url"],
                "sms_method": settings["sms_method"],
                "capabilities": {"sms": True, "mms": True, "voice": True}}  # fmt: skip

    def _update_number(self, sid: str, form: dict[str, list[str]]) -> None:
        with self.lock:
            for key, field_name in (("SmsUrl", "sms_url"), ("SmsMethod", "sms_method")):
                if key in form:
                    self.number_config[sid][field_name] = form[key][0]

    def _media(self, handler, media_sid: str) -> None:
        media = self.media.get(media_sid)
        if media is None:
            return _send(handler, 404, _error(20404, "The requested resource was not found", 404))
        handler.send_response(307)
        handler.send_header("Location", f"{self.url}/media-store/{media.sid}")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _media_store(self, handler, media_sid: str) -> None:
        with self.lock:
            self.media_auth.append(handler.headers.get("authorization") or "")
        media = self.media.get(media_sid)
        if media is None:
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("Content-Type", media.content_type)
        handler.send_header("Content-Length", str(len(media.content)))
        handler.end_headers()
        handler.wfile.write(media.content)


def sign(auth_token: str, url: str, params: dict[str, str] | list[tuple[str, str]]) -> str:
    """``X-Twilio-Signature`` as Twilio computes it for a form POST: the full URL, then each
    parameter name (sorted) followed by its value(s) (sorted), HMAC-SHA1 with the auth
    token, base64."""
    pairs = params.items() if isinstance(params, dict) else params
    data = url + "".join(k + v for k, v in sorted(set(pairs)))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _account(account: Account) -> dict[str, Any]:
    return {
        "sid": account.sid, "owner_account_sid": account.sid,
        "friendly_name": account.friendly_name, "status": account.status, "type": "Full",
        "auth_token": account.auth_token, "date_created": "Thu, 01 Jan 2026 00:00:00 +0000",
        "uri": f"/2010-04-01/Accounts/{account.sid}.json",
    }  # fmt: skip


def number_sid(number: str) -> str:
    return "PN" + hashlib.md5(number.encode()).hexdigest()


def _error(code: int, message: str, status: int = 400) -> dict[str, Any]:
    return {"code": code, "message": message, "more_info": MORE_INFO.format(code=code),
            "status": status}  # fmt: skip


def _send(handler, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None):
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


@pytest.fixture
def twilio_api(settings):
    """The fake Twilio with Acme's account, as ``MC_TWILIO_API_URL``."""
    fake = FakeTwilio()
    fake.add_account()
    settings.TWILIO_API_URL = fake.url
    yield fake
    fake.stop()
