"""The fetcher against a real HTTP server on 127.0.0.1."""

import pytest

from deprecations.sources import fetch
from tests.httpserver import Document, LoopbackServer, fails_then, slow

PAGE = b"<html><body><h1>Deprecations</h1></body></html>"


@pytest.fixture
def server():
    with LoopbackServer() as s:
        yield s


def get(url, **kw):
    kw.setdefault("allow_private", True)
    kw.setdefault("backoff", 0.01)
    return fetch.fetch(url, **kw)


def test_200_then_304_with_the_etag_and_with_last_modified(server):
    server.routes["/page"] = doc = Document(PAGE)
    first = get(server.url("/page"))
    assert (first.outcome, first.http_status, first.body) == (fetch.OK, 200, PAGE)
    assert first.etag == doc.etag and first.last_modified == doc.last_modified
    again = get(server.url("/page"), etag=first.etag)
    assert (again.outcome, again.http_status, again.body) == (fetch.NOT_MODIFIED, 304, b"")
    by_date = get(server.url("/page"), last_modified=first.last_modified)
    assert by_date.outcome == fetch.NOT_MODIFIED


def test_a_5xx_is_retried_with_backoff_then_succeeds(server):
    server.routes["/flaky"] = fails_then(2, 500, Document(PAGE))
    result = get(server.url("/flaky"), retries=3)
    assert result.outcome == fetch.OK and server.count("/flaky") == 3


def test_a_5xx_that_persists_is_unreachable_not_an_empty_page(server):
    server.routes["/down"] = fails_then(99, 503, Document(PAGE))
    result = get(server.url("/down"), retries=2)
    assert result.outcome == fetch.UNREACHABLE and server.count("/down") == 3
    assert "503" in result.error or "retries" in result.error


def test_a_4xx_is_not_retried(server):
    result = get(server.url("/missing"), retries=3)
    assert (result.outcome, result.http_status) == (fetch.ERROR, 404)
    assert server.count("/missing") == 1


def test_a_403_or_a_bot_challenge_reads_as_blocked(server):
    server.routes["/forbidden"] = lambda h: (403, {}, b"denied")
    server.routes["/challenge"] = lambda h: (
        200, {"Content-Type": "text/html"},
        b"<html><title>Just a moment...</title><script src='/cdn-cgi/challenge-platform/x'>")
    assert get(server.url("/forbidden")).outcome == fetch.BLOCKED
    assert get(server.url("/challenge")).outcome == fetch.BLOCKED


def test_a_timeout_is_unreachable(server):
    server.routes["/slow"] = slow(1.0, Document(PAGE))
    result = get(server.url("/slow"), timeout=0.2, retries=0)
    assert result.outcome == fetch.UNREACHABLE and "Timeout" in result.error


def test_an_oversized_body_is_refused(server):
    server.routes["/huge"] = Document(b"x" * 200_000)
    result = get(server.url("/huge"), max_bytes=100_000)
    assert result.outcome == fetch.ERROR and "too large" in result.error

    def no_length(handler):  # a server that does not say how big the body is
        return 200, {"Content-Length": str(200_000)}, b"x" * 200_000
    server.routes["/chunked"] = no_length
    assert get(server.url("/chunked"), max_bytes=100_000).outcome == fetch.ERROR


def test_private_and_loopback_addresses_and_other_schemes_are_refused_by_default(server):
    server.routes["/page"] = Document(PAGE)
    result = fetch.fetch(server.url("/page"), allow_private=False)
    assert result.outcome == fetch.ERROR and "DEPCAL_FETCH_ALLOW_PRIVATE" in result.error
    assert server.count("/page") == 0
    for url in ("file:///etc/passwd", "ftp://example.com/x", "gopher://x"):
        assert "only http(s)" in fetch.fetch(url, allow_private=True).error


def test_a_closed_port_is_unreachable_without_raising():
    with LoopbackServer() as s:
        url = s.url("/page")
    result = get(url, retries=1)
    assert result.outcome == fetch.UNREACHABLE


def test_the_user_agent_is_honest(server):
    server.routes["/page"] = Document(PAGE)
    get(server.url("/page"), user_agent="depcal/0.1 (+http://example.org/)")
    assert server.hits[-1][1]["User-Agent"] == "depcal/0.1 (+http://example.org/)"


def test_redirects_are_followed_when_allowed(server):
    server.routes["/page"] = Document(PAGE)
    server.routes["/jump"] = lambda h: (301, {"Location": "/page"}, b"")
    assert get(server.url("/jump")).body == PAGE
