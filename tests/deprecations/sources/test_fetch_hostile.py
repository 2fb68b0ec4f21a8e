"""The fetcher against hostile URLs, names, redirects and servers (issue: "hostile input").

Real servers on loopback throughout. Name resolution is the one thing replaced (``resolver``):
there is no DNS server here to make a name answer one address and then another.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time

import pytest
import trustme

from deprecations import weburl
from deprecations.sources import fetch
from tests.httpserver import Document, LoopbackServer

PAGE = b"<html><body><h1>Deprecations</h1></body></html>"


@pytest.fixture
def server():
    with LoopbackServer() as s:
        yield s


class Resolver:
    """getaddrinfo for made-up names (a list of addresses per call, the last one repeating);
    real names and literals go to the real resolver. Counts the calls per name."""

    def __init__(self, real):
        self.real, self.answers, self.calls = real, {}, {}

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        if host not in self.answers:
            return self.real(host, port, family, type, proto, flags)
        n = self.calls[host] = self.calls.get(host, 0) + 1
        answers = self.answers[host]
        addresses = answers[min(n, len(answers)) - 1]
        if addresses is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port)) for a in addresses]


@pytest.fixture
def resolver(monkeypatch):
    fake = Resolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


def get(url, **kw):
    kw.setdefault("backoff", 0.01)
    kw.setdefault("retries", 0)
    return fetch.fetch(url, **kw)


# Finding 2: one parser for the check and the request.

def test_a_backslash_before_an_at_is_refused_not_read_two_ways(server):
    server.routes["/ok"] = Document(PAGE)
    url = f"http://127.0.0.1:{server.port}\\@8.8.8.8/ok"
    for allow_private in (False, True):
        with pytest.raises(weburl.RefusedURL, match="backslash"):
            fetch.check_url(url, allow_private=allow_private)
        assert get(url, allow_private=allow_private).outcome == fetch.ERROR
    assert server.count("/ok") == 0


@pytest.mark.parametrize("url", [
    "http://user:pass@example.org/", "http://example.org:99999/", "http://example.org:0/",
    "http://exa mple.org/", "http://example.org/\x00", "javascript:alert(1)//",
    "file:///etc/passwd", "//example.org/", "http://[fe80::1%25eth0]/",
])
def test_urls_in_a_form_parsers_disagree_on_are_refused(url):
    assert not weburl.is_web_url(url)
    assert get(url, allow_private=True).outcome == fetch.ERROR


# Finding 21: addresses that only look public.

@pytest.mark.parametrize("address", [
    "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b:1::1", "2002:7f00:1::1", "2002:c0a8:1::1",
    "::ffff:127.0.0.1", "::127.0.0.1", "fe80::1", "fe80::1%1", "2001::1", "224.0.0.1",
    "ff02::1", "100.64.0.1", "169.254.169.254", "0.0.0.0", "::", "fc00::1", "240.0.0.1",
])
def test_addresses_that_hide_a_private_one_are_not_public(address):
    assert not weburl.is_public(address)
    with pytest.raises(weburl.RefusedURL):
        weburl.check_address(address)


def test_public_addresses_stay_public():
    for address in ("8.8.8.8", "2606:4700::1111", "2002:808:808::1"):
        assert weburl.is_public(address), address


@pytest.mark.parametrize("literal", ["[64:ff9b::7f00:1]", "[2002:7f00:1::1]", "[::1]",
                                     "127.0.0.1", "[::ffff:7f00:1]"])
def test_literal_private_hosts_are_refused_before_any_connection(literal):
    result = get(f"http://{literal}:8/x", allow_private=False)
    assert result.outcome == fetch.ERROR and "non-public" in result.error


# Finding 2: a name is resolved once, checked, and that very address is connected to.

def test_a_name_resolving_to_loopback_is_refused_at_connect_time(server, resolver):
    server.routes["/page"] = Document(PAGE)
    resolver.answers["internal.test"] = [["127.0.0.1"]]
    result = get(f"http://internal.test:{server.port}/page", allow_private=False)
    assert result.outcome == fetch.ERROR
    assert "internal.test resolves to 127.0.0.1" in result.error
    assert server.count("/page") == 0


def test_one_bad_address_among_good_ones_refuses_the_name(server, resolver):
    resolver.answers["mixed.test"] = [["64:ff9b::7f00:1", "127.0.0.1"]]
    result = get(f"http://mixed.test:{server.port}/page", allow_private=False)
    assert result.outcome == fetch.ERROR and "non-public" in result.error
    assert server.hits == []


def test_the_address_checked_is_the_address_connected_to(server, resolver):
    # The name answers 127.0.0.1 first, then 127.0.0.2 (nothing listens there): one
    # resolution per connection, and the request reaches the first answer, sent under
    # the name (the Host header; TLS would send it as SNI).
    server.routes["/page"] = Document(PAGE)
    resolver.answers["rebind.test"] = [["127.0.0.1"], ["127.0.0.2"]]
    result = get(f"http://rebind.test:{server.port}/page", allow_private=True)
    assert (result.outcome, result.body) == (fetch.OK, PAGE)
    assert resolver.calls["rebind.test"] == 1
    assert server.hits[-1][1]["Host"] == f"rebind.test:{server.port}"


def test_a_name_that_does_not_resolve_is_never_connected_to(resolver):
    resolver.answers["nowhere.test"] = [None]
    result = get("http://nowhere.test/page", allow_private=False)
    assert result.outcome == fetch.UNREACHABLE and "NameResolutionError" in result.error


def test_redirects_to_private_addresses_are_refused_by_name_and_literal(monkeypatch, resolver):
    # The first hop is "public" for this test (127.0.0.2 plays a public host); its
    # redirects to 127.0.0.1, literally or through a name, are not followed.
    monkeypatch.setattr(weburl, "is_public", lambda a: str(a) == "127.0.0.2")
    with LoopbackServer("127.0.0.2") as public, LoopbackServer() as private:
        private.routes["/secret"] = Document(PAGE)
        resolver.answers["private.test"] = [["127.0.0.1"]]
        public.routes["/to-literal"] = lambda h: (302, {"Location": private.url("/secret")}, b"")
        public.routes["/to-name"] = lambda h: (
            302, {"Location": f"http://private.test:{private.port}/secret"}, b"")
        public.routes["/page"] = Document(PAGE)
        assert get(public.url("/page"), allow_private=False).outcome == fetch.OK
        for path in ("/to-literal", "/to-name"):
            result = get(public.url(path), allow_private=False)
            assert result.outcome == fetch.ERROR and "refused" in result.error, path
        assert private.hits == []


# Finding 11: a redirect no parser can read is a recorded error, never an exception.

def test_a_redirect_to_a_port_out_of_range_is_an_error_not_a_raise(server):
    server.routes["/jump"] = lambda h: (302, {"Location": "http://127.0.0.1:99999/"}, b"")
    server.routes["/tab"] = lambda h: (302, {"Location": "http://exa\tmple.test/"}, b"")
    server.routes["/slash"] = lambda h: (
        302, {"Location": f"http://127.0.0.1:{server.port}\\@8.8.8.8/"}, b"")
    for path in ("/jump", "/tab", "/slash"):
        result = get(server.url(path), allow_private=True)
        assert result.outcome == fetch.ERROR and "refused" in result.error


def test_proxy_settings_in_the_environment_are_ignored(server, monkeypatch):
    # A proxy would resolve the name where no check sees it.
    with LoopbackServer() as proxy:
        server.routes["/page"] = Document(PAGE)
        monkeypatch.setenv("HTTP_PROXY", proxy.base)
        monkeypatch.setenv("http_proxy", proxy.base)
        assert get(server.url("/page"), allow_private=True).body == PAGE
        assert proxy.hits == []


# Finding 3: a total deadline per fetch.

class DripServer:
    """Sends a response one byte at a time, ``interval`` apart, after ``head`` bytes at once."""

    def __init__(self, response: bytes, *, head: int, interval: float):
        self.response, self.head, self.interval = response, head, interval
        self.sent = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        conn, _ = self.sock.accept()
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(self.response[:self.head])
                self.sent = self.head
                for i in range(self.head, len(self.response)):
                    if self.stop.wait(self.interval):
                        return
                    conn.sendall(self.response[i:i + 1])
                    self.sent = i + 1
            except OSError:
                return

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.sock.close()
        self.thread.join(5)

    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/page"


@pytest.mark.parametrize("phase", ["body", "headers"])
def test_a_server_dripping_bytes_is_cut_off_at_the_deadline(phase):
    body = b"x" * 400
    response = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 400\r\n\r\n"
                + body)
    head = response.index(b"\r\n\r\n") + 4 if phase == "body" else 20
    # Each byte comes well within the read timeout (5 s); the whole would take 40 s or more.
    with DripServer(response, head=head, interval=0.1) as drip:
        result = get(drip.url(), allow_private=True, timeout=5, deadline=1.0)
        assert result.outcome == fetch.UNREACHABLE and "deadline" in result.error
        assert drip.sent < len(response)


def test_a_fetch_within_its_deadline_is_untouched(server):
    server.routes["/page"] = Document(PAGE)
    result = get(server.url("/page"), allow_private=True, deadline=30)
    assert (result.outcome, result.body) == (fetch.OK, PAGE)


# TLS: pinning the address keeps the host name for SNI and the certificate check.

def test_tls_sends_the_host_name_and_verifies_the_certificate(resolver):
    ca = trustme.CA()  # not trusted by the fetcher: the handshake must fail verification
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("depcal.test").configure_cert(context)
    names = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        conn, _ = listener.accept()
        try:
            context.wrap_socket(conn, server_side=True).recv(1)
        except (ssl.SSLError, OSError):
            pass
        finally:
            conn.close()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    resolver.answers["depcal.test"] = [["127.0.0.1"]]
    try:
        started = time.monotonic()
        result = get(f"https://depcal.test:{listener.getsockname()[1]}/", allow_private=True,
                     timeout=5)
    finally:
        listener.close()
        thread.join(5)
    assert result.outcome == fetch.UNREACHABLE and "CERTIFICATE_VERIFY_FAILED" in result.error
    assert names == ["depcal.test"]
    assert time.monotonic() - started < 30  # no hang on the handshake
