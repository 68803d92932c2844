"""Outbound HTTP to URLs that customers configure (custom-channel and webhook URLs).

A customer who may type a URL must not be able to make our server call its own neighbours:
the loopback interface, the private network, the cloud metadata service. So:

- only ``http``/``https`` URLs, checked again on **every redirect hop** (at most
  ``max_redirects``);
- the host name is resolved by us **when the connection is opened**, every address it resolves
  to is checked, and the socket connects to exactly the checked address. A DNS answer that
  changes between a check and the connection (rebinding) changes nothing, because nothing is
  checked except what is then connected to. TLS still sends the name (SNI) and verifies the
  certificate for the name, and the Host header stays the name: only the socket is pinned;
- refused: loopback, private (RFC 1918, fc00::/7), link-local (169.254/16, fe80::/10), shared
  CGNAT (100.64/10), multicast, unspecified, reserved and every other non-global address, the
  same addresses inside IPv6 (``::ffff:a.b.c.d``, 6to4, NAT64), and the metadata services'
  names and addresses;
- ``MC_OUTBOUND_ALLOWED_HOSTS`` (host names or CIDRs) lets an installation reach a named
  internal system (an on-prem CRM). Metadata addresses stay refused even then;
- environment proxies are ignored (a proxy would connect on our behalf, unchecked), responses
  are read up to a size cap, and every operation has a timeout plus an overall deadline.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import time
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import certifi
import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from messagecenter.core.errors import ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = ("http", "https")
USER_AGENT = "MessageCenter/1 (+outbound)"

CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, DigitalOcean, OpenStack…
        "169.254.170.2",  # AWS ECS task credentials
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
    }
)

_REASONS = {
    "invalid_url": _("The URL is not valid."),
    "unresolvable": _("{host} does not resolve to an address."),
    "scheme": _("Only http:// and https:// URLs are allowed."),
    "metadata": _("{host} is a cloud metadata service."),
    "loopback": _("{host} is a loopback address ({address})."),
    "private": _("{host} is a private network address ({address})."),
    "link_local": _("{host} is a link-local address ({address})."),
    "shared": _("{host} is a carrier-grade NAT address ({address})."),
    "multicast": _("{host} is a multicast address ({address})."),
    "unspecified": _("{host} is the unspecified address ({address})."),
    "reserved": _("{host} is a reserved address ({address})."),
    "not_global": _("{host} is not a public internet address ({address})."),
}
_INTERNAL_HINT = _(
    "The Message Center does not call internal addresses; an administrator can allow a host "
    "with MC_OUTBOUND_ALLOWED_HOSTS."
)


class BlockedAddress(ValidationFailed):
    """The URL or an address it leads to may not be called. ``reason`` is a stable code
    (a key of ``_REASONS``); the message says what was refused, for the person who typed it."""

    code = "blocked_address"

    def __init__(self, reason: str, *, host: str = "", address: str = ""):
        text = str(_REASONS[reason]).format(host=host or "?", address=address)
        if reason not in ("invalid_url", "scheme", "unresolvable"):
            text = f"{text} {_INTERNAL_HINT}"
        super().__init__(text, reason=reason, host=host, address=address)
        self.reason = reason
        self.host = host
        self.address = address


class OutboundError(Exception):
    """The exchange went wrong in a way that is not the network's fault."""


class ResponseTooLarge(OutboundError):
    pass


class TooManyRedirects(OutboundError):
    pass


# --- which addresses ---------------------------------------------------------------------------


def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be called (a reason code), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # the socket reaches exactly this IPv4 address
            return address_problem(ip.ipv4_mapped)
        embedded = _embedded_ipv4(ip)
        if embedded is not None and (problem := address_problem(embedded)):
            return problem
    if ip in METADATA_ADDRESSES:
        return "metadata"
    for reason, test in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link_local", ip.is_link_local),
        ("shared", ip in CGNAT),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),  # before private: Python counts 240/4 as private too
        ("private", ip.is_private),
        ("not_global", not ip.is_global),
    ):
        if test:
            return reason
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a 6to4 or NAT64 address leads to through a gateway."""
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (tests replace this function)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, IPAddress] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone (fe80::1%eth0)
        seen.setdefault(text, ipaddress.ip_address(text))
    return list(seen.values())


@dataclass(frozen=True)
class Policy:
    """Which hosts and addresses may be called; ``allowed`` is MC_OUTBOUND_ALLOWED_HOSTS."""

    allowed_names: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> Policy:
        names, networks = set(), []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                if "/" in entry or ":" in entry:
                    raise ImproperlyConfigured(
                        f"MC_OUTBOUND_ALLOWED_HOSTS: {raw!r} is neither a host name nor a CIDR"
                    ) from None
                names.add(entry)
        return cls(frozenset(names), tuple(networks))

    @classmethod
    def from_settings(cls) -> Policy:
        return cls.from_entries(getattr(settings, "OUTBOUND_ALLOWED_HOSTS", ()))

    def check_host(self, host: str) -> str:
        """Refuse names that are internal by name; returns the normalised name."""
        name = host.lower().rstrip(".").strip("[]")
        if not name:
            raise BlockedAddress("invalid_url")
        if name in METADATA_NAMES:
            raise BlockedAddress("metadata", host=name)
        if (name == "localhost" or name.endswith(".localhost")) and name not in self.allowed_names:
            raise BlockedAddress("loopback", host=name, address=name)
        return name

    def check_address(self, name: str, ip: IPAddress) -> None:
        problem = address_problem(ip)
        if problem is None:
            return
        if problem != "metadata" and (
            name in self.allowed_names or any(ip in net for net in self.allowed_networks)
        ):
            return
        raise BlockedAddress(problem, host=name, address=str(ip))

    def addresses_for(self, host: str, port: int) -> list[IPAddress]:
        """Resolve ``host`` and check every answer: one bad address refuses the host, so a
        name cannot offer a public address first and fall back to an internal one."""
        name = self.check_host(host)
        try:
            addresses = [ipaddress.ip_address(name)]
        except ValueError:
            addresses = resolve(name, port)
        for ip in addresses:
            self.check_address(name, ip)
        return addresses


def check_url(
    url: str | httpx.URL, *, resolve: bool = False, policy: Policy | None = None
) -> httpx.URL:
    """Refuse a URL before it is saved or called; returns it as ``httpx.URL``.

    Without ``resolve`` only the scheme, the name and an IP literal are checked (the answer a
    DNS name gives today proves nothing about tomorrow: the connection checks again).
    """
    policy = policy or Policy.from_settings()
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise BlockedAddress("invalid_url") from None
    if parsed.scheme not in SCHEMES:
        raise BlockedAddress("scheme")
    if not parsed.host:
        raise BlockedAddress("invalid_url")
    if resolve:
        try:
            policy.addresses_for(parsed.host, parsed.port or _default_port(parsed.scheme))
        except OSError:
            raise BlockedAddress("unresolvable", host=parsed.host) from None
    else:
        name = policy.check_host(parsed.host)
        with contextlib.suppress(ValueError):  # a name: checked when connecting
            policy.check_address(name, ipaddress.ip_address(name))
    return parsed


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


# --- the transport: resolve, check, connect to the checked address -----------------------------


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore asks its backend for a TCP stream to (host, port); we resolve and check here,
    at connection time, and connect to the checked address only. TLS is started on this stream
    by httpcore with the original name (SNI and certificate check)."""

    def __init__(self, policy: Policy):
        self._policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self._policy.addresses_for(host, port)
        except OSError as exc:  # the name does not resolve
            raise httpcore.ConnectError(f"{host}: {exc}") from exc
        error: Exception | None = None
        for ip in addresses[:3]:
            try:
                return self._inner.connect_tcp(
                    str(ip), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(self, *args, **kwargs):  # never for customer URLs
        raise httpcore.ConnectError("unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, policy: Policy, ssl_context: ssl.SSLContext):
        super().__init__(verify=ssl_context, trust_env=False)
        # httpx does not expose the pool's network backend; the pool is the only thing we swap.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=10,
            max_keepalive_connections=5,
            network_backend=_GuardedBackend(policy),
        )


@lru_cache(maxsize=1)
def _default_ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


@dataclass(frozen=True)
class OutboundResponse:
    status_code: int
    headers: httpx.Headers
    content: bytes
    url: str
    truncated: bool = False

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class OutboundClient:
    """``with OutboundClient() as client: client.request("POST", url, content=b"…")``.

    ``timeout`` is per operation (connect, each read, each write), ``total_timeout`` the whole
    exchange including redirects. A body over ``max_response_bytes`` raises
    :class:`ResponseTooLarge`, or with ``truncate=True`` is cut there (the status is what a
    delivery needs). Compression is declined (``Accept-Encoding: identity``) so the cap counts
    what arrives, not what a small gzip bomb unpacks to.
    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        total_timeout: float | None = None,
        max_redirects: int = 3,
        max_response_bytes: int = 1024 * 1024,
        policy: Policy | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.policy = policy or Policy.from_settings()
        self.timeout = timeout
        self.total_timeout = total_timeout if total_timeout is not None else 3 * timeout
        self.max_redirects = max_redirects
        self.max_response_bytes = max_response_bytes
        self._http = httpx.Client(
            transport=_GuardedTransport(self.policy, ssl_context or _default_ssl_context()),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,  # we follow them, checking each hop
            trust_env=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        )

    def __enter__(self) -> OutboundClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        truncate: bool = False,
    ) -> OutboundResponse:
        deadline = time.monotonic() + self.total_timeout
        request = self._http.build_request(
            method, check_url(url, policy=self.policy), headers=headers, content=content
        )
        for _hop in range(self.max_redirects + 1):
            response = self._http.send(request, stream=True)
            try:
                if response.next_request is None:
                    content_read, cut = self._read(response, deadline, truncate)
                    return OutboundResponse(
                        response.status_code, response.headers, content_read, str(request.url), cut
                    )
                request = response.next_request
                check_url(request.url, policy=self.policy)
            finally:
                response.close()
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the exchange took too long", request=request)
        raise TooManyRedirects(f"more than {self.max_redirects} redirects")

    def _read(
        self, response: httpx.Response, deadline: float, truncate: bool
    ) -> tuple[bytes, bool]:
        cap = self.max_response_bytes
        declared = response.headers.get("content-length", "")
        if not truncate and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(f"the response has {declared} bytes (at most {cap})")
        body = bytearray()
        for chunk in response.iter_raw():
            body += chunk
            if len(body) > cap:
                if truncate:
                    return bytes(body[:cap]), True
                raise ResponseTooLarge(f"the response is larger than {cap} bytes")
            if time.monotonic() > deadline:  # a server trickling bytes to hold us
                raise httpx.ReadTimeout("the response took too long", request=response.request)
        return bytes(body), False


def request(method: str, url: str, **kwargs) -> OutboundResponse:
    """One guarded request with a client of its own (see :class:`OutboundClient`)."""
    options = {
        k: kwargs.pop(k)
        for k in ("timeout", "total_timeout", "max_redirects", "max_response_bytes", "policy")
        if k in kwargs
    }
    with OutboundClient(**options) as client:
        return client.request(method, url, **kwargs)
