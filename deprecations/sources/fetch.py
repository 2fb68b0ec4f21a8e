"""HTTP for collectors: conditional GET, timeouts, a deadline, a size cap, retries, and only
public addresses.

``fetch`` never raises: it returns a ``FetchResult`` whose ``outcome`` says what happened, so
the caller records it and moves on (no traceback floods offline).

Where a fetch may connect is decided once per connection, at connect time: the host is
resolved once, every address it resolves to is checked, and the socket connects to that
checked address (``_Guard.connect``), so a name that answers differently a moment later (DNS
rebinding) cannot send the collector elsewhere. TLS still verifies the certificate against the
host name and sends it as SNI. URLs are parsed by the one parser requests itself uses
(``deprecations.weburl``). A whole fetch, retries included, has a deadline: when it passes,
the fetch's sockets are shut down wherever a read is blocked (a server sending one byte a
second is cut off).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family
from urllib3.util.retry import Retry

from deprecations import weburl
from deprecations.sources.parsers.text import is_challenge
from deprecations.weburl import RefusedURL

OK = "ok"
NOT_MODIFIED = "not_modified"
UNREACHABLE = "unreachable"
BLOCKED = "blocked"
ERROR = "error"

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
    """Refuse what is not an http(s) URL in one unambiguous form, and hosts that are private
    addresses written literally. Names are checked when connecting (``_Guard.connect``)."""
    parts = weburl.parse(url)
    address = weburl.literal_address(parts.host)
    if address is not None and not allow_private:
        weburl.check_address(str(address))


class _Guard:
    """One fetch's rules for its connections: which addresses they may reach, and its deadline.

    At the deadline every socket the fetch opened is shut down (through a duplicate of it, so
    that a TLS socket wrapped around it wakes too); a connection asked for after it fails at
    once.
    """

    def __init__(self, *, allow_private: bool, deadline: float):
        self.allow_private = allow_private
        self.expired = False
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self._timer = threading.Timer(deadline, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        with self._lock:
            for sock in self._watched:
                sock.close()
            self._watched.clear()

    def _expire(self):
        with self._lock:
            self.expired = True
            for sock in self._watched:
                _shutdown(sock)

    def _watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._watched.append(sock.dup())
            if self.expired:
                _shutdown(sock)

    def connect(self, host: str, port: int, timeout, source_address, socket_options):
        """Resolve ``host`` once, check every address, connect to a checked one."""
        if self.expired:
            raise TimeoutError("the fetch's deadline has passed")
        infos = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
        if not self.allow_private:
            for *_, sockaddr in infos:
                weburl.check_address(sockaddr[0], host)
        error: OSError = OSError(f"{host} resolves to no address")
        for family, kind, proto, _, sockaddr in infos:
            sock = socket.socket(family, kind, proto)
            try:
                for option in socket_options or ():
                    sock.setsockopt(*option)
                if isinstance(timeout, int | float):
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            self._watch(sock)
            return sock
        raise error


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _GuardedConnection:
    """urllib3's connection, connecting through the fetch's ``_Guard`` (errors mapped as
    urllib3 maps them, so retries behave the same)."""

    guard: _Guard

    def _new_conn(self):
        try:
            return self.guard.connect(self._dns_host, self.port, self.timeout,
                                      self.source_address, self.socket_options)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out "
                                            f"({exc or 'connect timeout'})") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") \
                from exc


def _pool_classes(guard: _Guard) -> dict:
    def pool(pool_class, connection_class):
        connection = type(connection_class.__name__, (_GuardedConnection, connection_class),
                          {"guard": guard})
        return type(pool_class.__name__, (pool_class,), {"ConnectionCls": connection})
    return {"http": pool(HTTPConnectionPool, HTTPConnection),
            "https": pool(HTTPSConnectionPool, HTTPSConnection)}


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, guard: _Guard, **kwargs):
        self.guard = guard  # before super().__init__, which builds the pool manager
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.guard)


class _CheckedSession(requests.Session):
    """Checks every redirect target like the first URL (its address is checked again when
    the connection is made)."""

    allow_private = False

    def get_redirect_target(self, resp):
        target = super().get_redirect_target(resp)
        if target:
            weburl.check_characters(target)  # before urljoin, which drops tabs and newlines
            check_url(urljoin(resp.url, target), allow_private=self.allow_private)
        return target


def session(*, user_agent: str, guard: _Guard, retries: int = 3,
            backoff: float = 0.5) -> requests.Session:
    """A session that retries timeouts, connection errors and 5xx with exponential backoff,
    and never 4xx; it ignores proxy and credential settings from the environment (a proxy
    would resolve names where no check sees them)."""
    # Retry-After is not honoured: a server could ask for hours, past any deadline. A source
    # that is down is tried again on the collector's own backoff.
    retry = Retry(total=retries, connect=retries, read=retries, status=retries,
                  backoff_factor=backoff, status_forcelist=(500, 502, 503, 504),
                  allowed_methods=("GET",), raise_on_status=False,
                  respect_retry_after_header=False)
    s = _CheckedSession()
    s.trust_env = False
    s.allow_private = guard.allow_private
    s.max_redirects = 5
    s.mount("http://", _GuardedAdapter(guard, max_retries=retry))
    s.mount("https://", _GuardedAdapter(guard, max_retries=retry))
    s.headers["User-Agent"] = user_agent
    return s


@contextmanager
def guarded_session(*, allow_private: bool, deadline: float, user_agent: str,
                    retries: int = 3, backoff: float = 0.5
                    ) -> Iterator[tuple[requests.Session, _Guard]]:
    """(session, guard) for one exchange with a host someone else chose (a source, a webhook,
    a chat service): every connection resolves once, checks and pins its address, the
    environment's proxies are ignored, and at ``deadline`` seconds every socket is shut
    (``guard.expired`` then says so). ``retries=0`` retries nothing (a sender that keeps its
    own ledger of attempts)."""
    with _Guard(allow_private=allow_private, deadline=deadline) as guard:
        with session(user_agent=user_agent, guard=guard, retries=retries,
                     backoff=backoff) as http:
            yield http, guard


def fetch(url: str, *, etag: str = "", last_modified: str = "", timeout: float = 20.0,
          deadline: float = 60.0, max_bytes: int = 5 * 1024 * 1024,
          allow_private: bool = False, user_agent: str = "depcal", retries: int = 3,
          backoff: float = 0.5) -> FetchResult:
    """GET ``url``. ``timeout`` bounds each connect and each read; ``deadline`` the whole
    fetch, retries and redirects included."""
    started = time.monotonic()
    with guarded_session(allow_private=allow_private, deadline=deadline, user_agent=user_agent,
                         retries=retries, backoff=backoff) as (http, guard):
        result = _fetch(url, etag=etag, last_modified=last_modified, timeout=timeout,
                        max_bytes=max_bytes, allow_private=allow_private, http=http)
        if guard.expired:  # whatever the interrupted read made of it
            result = FetchResult(UNREACHABLE, result.http_status,
                                 error=f"gave up: the fetch took longer than its deadline of "
                                       f"{deadline:g} s (DEPCAL_FETCH_DEADLINE)")
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
            declared = _declared_length(response)
            if declared > max_bytes:
                return FetchResult(ERROR, status, error=_too_big(declared, max_bytes))
            body = read_capped(response, max_bytes)
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
    except RefusedURL as exc:  # a redirect, or a name resolving, to somewhere we may not go
        return FetchResult(ERROR, error=f"refused: {exc}")
    except requests.exceptions.RetryError as exc:
        return FetchResult(UNREACHABLE, error=f"gave up after retries: {error_reason(exc)}")
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        return FetchResult(UNREACHABLE, error=f"{type(exc).__name__}: {error_reason(exc)}")
    except requests.exceptions.RequestException as exc:
        return FetchResult(ERROR, error=f"{type(exc).__name__}: {error_reason(exc)}")
    except (ValueError, UnicodeError) as exc:  # a URL or header no parser could read
        return FetchResult(ERROR, error=f"{type(exc).__name__}: {error_reason(exc)}")


def _declared_length(response) -> int:
    value = response.headers.get("Content-Length") or "0"
    return int(value) if value.isdigit() else 0


def read_capped(response, max_bytes: int) -> bytes | None:
    """The body of a streamed response, or None as soon as it passes ``max_bytes``."""
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
    return status in (200, 503) and is_challenge(body, window=20000)


def _too_big(declared, max_bytes) -> str:
    size = f"{declared} bytes" if declared else "more"
    return f"response too large ({size}; the limit is {max_bytes} bytes, DEPCAL_FETCH_MAX_BYTES)"


def error_reason(exc: Exception) -> str:
    """The root cause in one line, without urllib3's wrappers and object reprs."""
    inner = exc.args[0] if exc.args else exc
    inner = getattr(inner, "reason", None) or inner  # MaxRetryError wraps the cause
    text = re.sub(r"<[^>]+ object at 0x[0-9a-f]+>:?\s*", "", str(inner)).strip()
    text = f"{type(inner).__name__}: {text}" if not isinstance(inner, str) else text
    return text if len(text) < 300 else text[:300] + "…"
