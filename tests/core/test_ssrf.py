"""The outbound client for customer-configured URLs refuses internal addresses.

Names are answered by a replaced resolver; the only real server is one on 127.0.0.1 started
here, and a guard makes any attempt to open a socket elsewhere fail the test.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import time

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured

from messagecenter.core import ssrf
from messagecenter.core.ssrf import (
    BlockedAddress,
    OutboundClient,
    Policy,
    ResponseTooLarge,
    TooManyRedirects,
    address_problem,
    check_url,
)
from tests.core.local_http import PUBLIC, Server

pytestmark = pytest.mark.usefixtures("loopback_only")


def allow(*entries: str) -> Policy:
    return Policy.from_entries(entries)


def fetch(method: str, url: str, content: bytes | None = None, **options):
    with OutboundClient(**options) as client:
        return client.request(method, url, content=content)


# --- the blocked classes ----------------------------------------------------------------------

BLOCKED = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("[::1]", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.5.4", "private"),
    ("172.31.255.254", "private"),
    ("192.168.0.10", "private"),
    ("[fc00::1]", "private"),
    ("[fd12:3456::1]", "private"),
    ("169.254.169.254", "metadata"),
    ("169.254.170.2", "metadata"),
    ("[fd00:ec2::254]", "metadata"),
    ("100.100.100.200", "metadata"),
    ("169.254.10.20", "link_local"),
    ("[fe80::1]", "link_local"),
    ("100.64.0.1", "shared"),
    ("100.127.255.254", "shared"),
    ("224.0.0.1", "multicast"),
    ("[ff02::1]", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("[::]", "unspecified"),
    ("240.0.0.1", "reserved"),
    ("192.0.2.1", "private"),  # TEST-NET: Python counts documentation ranges as private
    ("198.18.0.1", "private"),  # benchmarking
    ("[::ffff:127.0.0.1]", "loopback"),
    ("[::ffff:10.0.0.1]", "private"),
    ("[::ffff:169.254.169.254]", "metadata"),
    ("[::ffff:100.64.0.1]", "shared"),
    ("[2002:7f00:1::]", "loopback"),  # 6to4 around 127.0.0.1
    ("[2002:a00:1::]", "private"),  # 6to4 around 10.0.0.1
    ("[64:ff9b::7f00:1]", "loopback"),  # NAT64 around 127.0.0.1
    ("[64:ff9b::a9fe:a9fe]", "metadata"),  # NAT64 around 169.254.169.254
]


@pytest.mark.parametrize("host,reason", BLOCKED)
def test_ip_literals_of_every_internal_class_are_refused(host, reason, loopback_only):
    url = f"http://{host}/hook"
    with pytest.raises(BlockedAddress) as caught:
        check_url(url, policy=allow())
    assert caught.value.reason == reason
    with pytest.raises(BlockedAddress) as caught, OutboundClient(policy=allow()) as client:
        client.request("POST", url, content=b"{}")
    assert caught.value.reason == reason
    assert loopback_only == []  # refused before any socket


def test_public_addresses_pass():
    for public in (PUBLIC, "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"):
        assert address_problem(ipaddress.ip_address(public)) is None


@pytest.mark.parametrize(
    "host,answer,reason",
    [
        ("internal.example.com", ["10.0.0.5"], "private"),
        ("rebind.example.com", ["127.0.0.1"], "loopback"),
        ("cloud.example.com", ["169.254.169.254"], "metadata"),
        ("v6.example.com", ["::1"], "loopback"),
        ("mapped.example.com", ["::ffff:192.168.1.1"], "private"),
        # one bad answer refuses the name, so it cannot fall back to the internal one
        ("mixed.example.com", [PUBLIC, "127.0.0.1"], "loopback"),
    ],
)
def test_names_are_checked_after_resolution(fake_dns, host, answer, reason):
    fake_dns[host] = answer
    check_url(f"https://{host}/x", policy=allow())  # by name alone it looks fine
    with pytest.raises(BlockedAddress) as caught:
        check_url(f"https://{host}/x", resolve=True, policy=allow())
    assert caught.value.reason == reason
    with pytest.raises(BlockedAddress) as caught, OutboundClient(policy=allow()) as client:
        client.request("GET", f"https://{host}/x")
    assert caught.value.reason == reason
    assert host in str(caught.value)


@pytest.mark.parametrize(
    "host",
    [
        "metadata.google.internal",
        "METADATA.google.internal.",
        "metadata",
        "instance-data",
        "localhost",
        "app.localhost",
    ],
)
def test_internal_names_are_refused_without_asking_dns(fake_dns, host):
    with pytest.raises(BlockedAddress) as caught:
        check_url(f"http://{host}/latest/meta-data/", resolve=True, policy=allow())
    assert caught.value.reason in ("metadata", "loopback")
    assert fake_dns.asked == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://files.example.com/",
        "gopher://x/",
        "javascript:alert(1)",
        "http://",
        "not a url",
        "//example.com/",
        "http://0177.0.0.1/",  # octal: httpx refuses the spelling
    ],
)
def test_only_http_and_https_urls(url):
    with pytest.raises(BlockedAddress) as caught:
        check_url(url)
    assert caught.value.reason in ("scheme", "invalid_url")


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "127.1", "localhost"])
def test_odd_spellings_of_loopback_are_refused_by_the_real_resolver(host, http_server):
    # getaddrinfo reads these numeric forms itself (no DNS query leaves the machine)
    url = f"http://{host}:{http_server.port}/"
    with pytest.raises(BlockedAddress) as caught:
        check_url(url, resolve=True, policy=allow())
    assert caught.value.reason == "loopback"
    with pytest.raises(BlockedAddress):
        fetch("GET", url, policy=allow())
    assert http_server.hits == []


def test_a_name_that_does_not_resolve_is_reported(fake_dns, monkeypatch):
    def no_answer(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(ssrf, "resolve", no_answer)
    with pytest.raises(BlockedAddress) as caught:
        check_url("https://typo.example.invalid/hook", resolve=True)
    assert caught.value.reason == "unresolvable"
    with pytest.raises(httpx.ConnectError):  # when sending: a transient network error
        fetch("GET", "https://typo.example.invalid/hook")


def test_a_public_name_passes_the_save_time_check(fake_dns):
    fake_dns["hooks.example.com"] = [PUBLIC]
    assert check_url("https://hooks.example.com/in", resolve=True).host == "hooks.example.com"


def test_the_error_is_a_validation_error_for_the_ui():
    with pytest.raises(BlockedAddress) as caught:
        check_url("http://10.0.0.1/")
    error = caught.value
    assert error.code == "blocked_address"
    assert error.http_status == 422
    assert "10.0.0.1" in str(error) and "MC_OUTBOUND_ALLOWED_HOSTS" in str(error)


# --- DNS rebinding and pinning -------------------------------------------------------------------


def test_rebinding_between_the_check_and_the_call_is_refused(fake_dns, http_server):
    http_server.routes["/hook"] = (200, {}, b"internal service answered")
    fake_dns["rebind.example.com"] = [[PUBLIC], ["127.0.0.1"]]  # public first, then loopback
    url = f"http://rebind.example.com:{http_server.port}/hook"
    check_url(url, resolve=True, policy=allow())  # when the customer saved it: public
    with pytest.raises(BlockedAddress) as caught, OutboundClient(policy=allow()) as client:
        client.request("POST", url, content=b"{}")
    assert caught.value.reason == "loopback"
    assert http_server.hits == []


def test_the_socket_goes_to_the_checked_address_with_the_name_as_host(
    fake_dns, http_server, loopback_only
):
    http_server.routes["/in"] = (200, {}, b"hello")
    fake_dns["crm.test"] = ["127.0.0.1"]
    with OutboundClient(policy=allow("crm.test")) as client:
        response = client.request("GET", f"http://crm.test:{http_server.port}/in")
    assert response.status_code == 200 and response.content == b"hello"
    assert fake_dns.asked == ["crm.test"]  # resolved once, when connecting
    assert loopback_only == ["127.0.0.1"]  # connected to what was checked
    assert http_server.hits[0][2]["Host"] == f"crm.test:{http_server.port}"


# --- redirects ----------------------------------------------------------------------------------


def test_a_redirect_to_loopback_is_refused(fake_dns, http_server):
    fake_dns["hooks.test"] = ["127.0.0.1"]
    http_server.routes["/start"] = (
        302,
        {"Location": f"http://127.0.0.1:{http_server.port}/admin"},
        b"",
    )
    http_server.routes["/admin"] = (200, {}, b"internal admin page")
    with pytest.raises(BlockedAddress) as caught:
        fetch("GET", f"http://hooks.test:{http_server.port}/start", policy=allow("hooks.test"))
    assert caught.value.reason == "loopback"
    assert http_server.paths() == ["/start"]


def test_a_redirect_to_a_name_that_resolves_internally_is_refused(fake_dns, http_server):
    fake_dns["hooks.test"] = ["127.0.0.1"]
    fake_dns["sneaky.example.com"] = ["127.0.0.1"]
    http_server.routes["/start"] = (
        307,
        {"Location": f"http://sneaky.example.com:{http_server.port}/admin"},
        b"",
    )
    with pytest.raises(BlockedAddress), OutboundClient(policy=allow("hooks.test")) as client:
        client.request("POST", f"http://hooks.test:{http_server.port}/start", content=b"{}")
    assert http_server.paths() == ["/start"]


@pytest.mark.parametrize("location", ["file:///etc/passwd", "http://169.254.169.254/latest/"])
def test_a_redirect_out_of_http_or_to_metadata_is_refused(fake_dns, http_server, location):
    fake_dns["hooks.test"] = ["127.0.0.1"]
    http_server.routes["/start"] = (301, {"Location": location}, b"")
    with pytest.raises(BlockedAddress):
        fetch(
            "GET",
            f"http://hooks.test:{http_server.port}/start",
            policy=allow("hooks.test", "169.254.0.0/16"),
        )


def test_allowed_redirects_are_followed_up_to_the_limit(fake_dns, http_server):
    fake_dns["hooks.test"] = ["127.0.0.1"]
    base = f"http://hooks.test:{http_server.port}"
    http_server.routes["/a"] = (302, {"Location": "/b"}, b"")
    http_server.routes["/b"] = (308, {"Location": f"{base}/c"}, b"")
    http_server.routes["/c"] = (200, {}, b"arrived")
    http_server.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    with OutboundClient(policy=allow("hooks.test"), max_redirects=2) as client:
        response = client.request("GET", f"{base}/a")
        assert (response.status_code, response.content) == (200, b"arrived")
        assert response.url == f"{base}/c"
        with pytest.raises(TooManyRedirects):
            client.request("GET", f"{base}/loop")
    assert http_server.paths().count("/loop") == 3  # the first request and two redirects


# --- the allow-list -----------------------------------------------------------------------------


def test_the_allow_list_lets_a_local_server_be_reached(http_server, settings):
    http_server.routes["/crm"] = (200, {"Content-Type": "text/plain"}, b"on-prem CRM")
    url = f"http://127.0.0.1:{http_server.port}/crm"
    settings.OUTBOUND_ALLOWED_HOSTS = []
    with pytest.raises(BlockedAddress):
        ssrf.request("GET", url)
    settings.OUTBOUND_ALLOWED_HOSTS = ["crm.corp.example", "127.0.0.0/8"]
    response = ssrf.request("GET", url)
    assert (response.status_code, response.text) == (200, "on-prem CRM")


def test_an_allowed_name_may_resolve_internally_but_only_that_name(fake_dns, http_server):
    http_server.routes["/x"] = (200, {}, b"ok")
    fake_dns["crm.corp.example"] = ["127.0.0.1"]
    fake_dns["other.corp.example"] = ["127.0.0.1"]
    with OutboundClient(policy=allow("crm.corp.example")) as client:
        assert (
            client.request("GET", f"http://crm.corp.example:{http_server.port}/x").status_code
            == 200
        )
        with pytest.raises(BlockedAddress):
            client.request("GET", f"http://other.corp.example:{http_server.port}/x")


def test_metadata_stays_refused_whatever_is_allowed(fake_dns):
    fake_dns["meta.corp.example"] = ["169.254.169.254"]
    policy = allow("meta.corp.example", "169.254.0.0/16", "0.0.0.0/0")
    for url in ("http://169.254.169.254/", "http://meta.corp.example/"):
        with pytest.raises(BlockedAddress) as caught:
            check_url(url, resolve=True, policy=policy)
        assert caught.value.reason == "metadata"


def test_a_malformed_allow_list_entry_stops_the_start():
    with pytest.raises(ImproperlyConfigured):
        Policy.from_entries(["10.0.0.0/33"])
    policy = Policy.from_entries([" CRM.corp.example. ", "10.0.0.0/8", "[fd00::1]", ""])
    assert policy.allowed_names == {"crm.corp.example"}
    assert len(policy.allowed_networks) == 2


def test_environment_proxies_are_not_used(http_server, monkeypatch):
    http_server.routes["/direct"] = (200, {}, b"direct")
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.9.9.9:3128")
    with OutboundClient(policy=allow("127.0.0.1")) as client:
        assert (
            client.request("GET", f"http://127.0.0.1:{http_server.port}/direct").content
            == b"direct"
        )


# --- size and time limits ---------------------------------------------------------------------


def test_a_response_over_the_cap_is_refused_or_cut(http_server):
    http_server.routes["/big"] = (200, {}, b"x" * 50_000)

    def chunked():
        parts = [b"%x\r\n%s\r\n" % (4000, b"y" * 4000) for _ in range(10)]
        return b"".join(parts) + b"0\r\n\r\n"

    http_server.routes["/stream"] = (200, {"Transfer-Encoding": "chunked"}, chunked)
    url = f"http://127.0.0.1:{http_server.port}"
    with OutboundClient(policy=allow("127.0.0.1"), max_response_bytes=10_000) as client:
        with pytest.raises(ResponseTooLarge):
            client.request("GET", f"{url}/big")
        with pytest.raises(ResponseTooLarge):  # no Content-Length: counted while reading
            client.request("GET", f"{url}/stream")
        cut = client.request("GET", f"{url}/big", truncate=True)
    assert cut.truncated and cut.content == b"x" * 10_000
    small = ssrf.request("GET", f"{url}/big", policy=allow("127.0.0.1"))
    assert len(small.content) == 50_000 and not small.truncated


def test_a_slow_server_times_out(http_server):
    def slow():
        time.sleep(1.0)
        return b"late"

    http_server.routes["/slow"] = (200, {}, slow)
    started = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        fetch(
            "GET",
            f"http://127.0.0.1:{http_server.port}/slow",
            policy=allow("127.0.0.1"),
            timeout=0.2,
        )
    assert time.monotonic() - started < 0.9


# --- TLS: pinned socket, certificate checked for the name ----------------------------------------


def _certificate(tmp_path, name: str):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_tls_verifies_the_certificate_for_the_name_not_the_address(tmp_path, fake_dns):
    cert_file, key_file = _certificate(tmp_path, "secure.test")
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_file, key_file)
    server_names: list[str | None] = []
    server_tls.sni_callback = lambda sock, name, ctx: server_names.append(name)
    tls_server = Server(tls=server_tls)
    try:
        tls_server.routes["/in"] = (200, {}, b"secure")
        fake_dns["secure.test"] = ["127.0.0.1"]
        fake_dns["wrong.test"] = ["127.0.0.1"]
        trust = ssl.create_default_context(cafile=str(cert_file))
        policy = allow("secure.test", "wrong.test")
        with OutboundClient(policy=policy, ssl_context=trust) as client:
            ok = client.request("GET", f"https://secure.test:{tls_server.port}/in")
            assert ok.content == b"secure"
            assert server_names[-1] == "secure.test"  # SNI carried the name
            with pytest.raises(httpx.ConnectError):  # same address, certificate not for it
                client.request("GET", f"https://wrong.test:{tls_server.port}/in")
    finally:
        tls_server.stop()


def test_the_refusal_speaks_the_operators_language():
    from django.utils import translation

    with translation.override("de"), pytest.raises(BlockedAddress) as caught:
        check_url("http://192.168.1.1/")
    assert "ist eine Adresse eines privaten Netzes (192.168.1.1)" in str(caught.value)
