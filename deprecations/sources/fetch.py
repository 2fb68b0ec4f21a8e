"""HTTP for collectors: conditional GET, timeouts, a size cap, retries, no private addresses.

``fetch`` never raises for network trouble: it returns a ``FetchResult`` whose ``outcome``
says what happened, so the caller records it and moves on (no traceback floods offline).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

OK = "ok"
NOT_MODIFIED = "not_modified"
UNREACHABLE = "unreachable"
BLOCKED = "blocked"
ERROR = "error"

# Text that bot-protection pages carry instead of content (Cloudflare and friends).
CHALLENGE_MARKERS = (
    b"challenge-platform", b"cf-chl-", b"cf_chl_", b"Just a moment...", b"Attention Required!",
    b"Enable JavaScript and cookies to continue", b"captcha-delivery", b"px-captcha",
)


class RefusedURL(ValueError):
    """The URL is not one a collector may fetch (scheme, or a private address)."""


@dataclass
class FetchResult:
    outcome: str
    http_status: int | None = None
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    error: str = ""
    duration_ms: int = 0


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse non-http(s) URLs, and hosts that resolve to private or loopback addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedURL(f"only http(s) URLs with a host can be fetched, not {url!r}")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return  # unresolvable: the fetch itself reports it as unreachable
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise RefusedURL(
                f"{parts.hostname} resolves to {address}, a private or loopback address; "
                "set DEPCAL_FETCH_ALLOW_PRIVATE=true to allow it (tests, local fixtures)")


class _CheckedSession(requests.Session):
    """Checks every redirect target like the first URL: a public page must not be able to
    redirect the collector to a private or loopback address."""

    allow_private = False

    def get_redirect_target(self, resp):
        target = super().get_redirect_target(resp)
        if target:
            check_url(urljoin(resp.url, target), allow_private=self.allow_private)
        return target


def session(*, user_agent: str, retries: int = 3, backoff: float = 0.5,
            allow_private: bool = False) -> requests.Session:
    """A session that retries timeouts, connection errors and 5xx with exponential backoff,
    and never 4xx."""
    retry = Retry(total=retries, connect=retries, read=retries, status=retries,
                  backoff_factor=backoff, status_forcelist=(500, 502, 503, 504),
                  allowed_methods=("GET",), raise_on_status=False, respect_retry_after_header=True)
    s = _CheckedSession()
    s.allow_private = allow_private
    s.max_redirects = 5
    s.mount("http://", HTTPAdapter(max_retries=retry))
    s.mount("https://", HTTPAdapter(max_retries=retry))
    s.headers["User-Agent"] = user_agent
    return s


def fetch(url: str, *, etag: str = "", last_modified: str = "", timeout: float = 20.0,
          max_bytes: int = 5 * 1024 * 1024, allow_private: bool = False,
          user_agent: str = "depcal", retries: int = 3, backoff: float = 0.5) -> FetchResult:
    started = time.monotonic()
    result = _fetch(url, etag=etag, last_modified=last_modified, timeout=timeout,
                    max_bytes=max_bytes, allow_private=allow_private,
                    http=session(user_agent=user_agent, retries=retries, backoff=backoff,
                                 allow_private=allow_private))
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result


def _fetch(url, *, etag, last_modified, timeout, max_bytes, allow_private, http) -> FetchResult:
    try:
        check_url(url, allow_private=allow_private)
    except RefusedURL as exc:
        return FetchResult(ERROR, error=str(exc))
    headers = {"Accept": "text/html,application/xhtml+xml,application/xml,text/*;q=0.9,*/*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with http.get(url, headers=headers, timeout=timeout, stream=True,
                      allow_redirects=True) as response:
            status = response.status_code
            if status == 304:
                return FetchResult(NOT_MODIFIED, 304, etag=etag, last_modified=last_modified)
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > max_bytes:
                return FetchResult(ERROR, status, error=_too_big(declared, max_bytes))
            body = _read_capped(response, max_bytes)
            if body is None:
                return FetchResult(ERROR, status, error=_too_big(None, max_bytes))
            if _is_challenge(status, body):
                return FetchResult(BLOCKED, status, body,
                                   error=f"HTTP {status}: blocked by a bot challenge or denied")
            if status >= 400:
                outcome = UNREACHABLE if status >= 500 else ERROR
                return FetchResult(outcome, status, error=f"HTTP {status} {response.reason}")
            return FetchResult(OK, status, body, etag=response.headers.get("ETag", ""),
                               last_modified=response.headers.get("Last-Modified", ""))
    except RefusedURL as exc:  # a redirect to somewhere we may not go
        return FetchResult(ERROR, error=f"refused redirect: {exc}")
    except requests.exceptions.RetryError as exc:
        return FetchResult(UNREACHABLE, error=f"gave up after retries: {_reason(exc)}")
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        return FetchResult(UNREACHABLE, error=f"{type(exc).__name__}: {_reason(exc)}")
    except requests.exceptions.RequestException as exc:
        return FetchResult(ERROR, error=f"{type(exc).__name__}: {_reason(exc)}")


def _read_capped(response, max_bytes: int) -> bytes | None:
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _is_challenge(status: int, body: bytes) -> bool:
    if status in (401, 403, 429):
        return True
    head = body[:20000]
    return status in (200, 503) and any(marker in head for marker in CHALLENGE_MARKERS)


def _too_big(declared, max_bytes) -> str:
    size = f"{declared} bytes" if declared else "more"
    return f"response too large ({size}; the limit is {max_bytes} bytes, DEPCAL_FETCH_MAX_BYTES)"


def _reason(exc: Exception) -> str:
    """The root cause in one line, without urllib3's wrappers and object reprs."""
    inner = exc.args[0] if exc.args else exc
    inner = getattr(inner, "reason", None) or inner  # MaxRetryError wraps the cause
    text = re.sub(r"<[^>]+ object at 0x[0-9a-f]+>:?\s*", "", str(inner)).strip()
    text = f"{type(inner).__name__}: {text}" if not isinstance(inner, str) else text
    return text if len(text) < 300 else text[:300] + "…"
