"""Talking to a depcal server: its retirement list, page by page, through an on-disk cache.

A ``Client`` is bound to one server. Every request stays on that server's scheme, host and
port (a ``next`` link or a redirect elsewhere is refused), only ``http`` and ``https`` are
spoken (the opener has no file, ftp or data handlers), an answer is capped in size, and the
whole conversation has one deadline, however slowly the server drips its bytes. Pages are
cached on disk with their ETag and asked for again with ``If-None-Match``, so a CI job that
runs often costs the server a 304; an unreachable server falls back to the cached copy.

New calls to a depcal server belong here, as methods that go through ``Client.request``:
``update_watchlist`` sets the models a subscription follows (``PUT /api/v1/watchlist``, with
the subscription's API token).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from depcal_scan import __version__
from depcal_scan.retirements import CatalogueError, Retirement, from_rows

API_LIST_PATH = "/api/v1/retirements"
WATCHLIST_PATH = "/api/v1/watchlist"
PAGE_SIZE = 500
MAX_PAGES = 200  # a guard against a server whose "next" links go round in circles
MAX_BYTES = 32 * 1024 * 1024  # per answer; the whole catalogue is well under 1 MiB
TIMEOUT = 30.0  # seconds a single read may wait
DEADLINE = 120.0  # seconds for everything the client asks of the server
CHUNK = 64 * 1024
USER_AGENT = f"depcal-scan/{__version__}"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "depcal-scan"


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the server the client is bound to."""

    def __init__(self, origin: tuple[str, str]):
        self.origin = origin

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(urllib.parse.urljoin(req.full_url, newurl)) != self.origin:
            raise CatalogueError(f"{req.full_url} redirects to another site ({newurl}); "
                                 "give that address as --server if it is the one you mean")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Client:
    """One depcal server, its cache and its limits."""

    def __init__(self, server: str, *, cache_dir: str | os.PathLike | None = None,
                 timeout: float = TIMEOUT, deadline: float = DEADLINE,
                 max_bytes: int = MAX_BYTES, warn=None):
        server = server.strip().rstrip("/")
        try:
            parts = urllib.parse.urlsplit(server)
            valid = parts.scheme in ("http", "https") and parts.hostname and (
                parts.port or 0) >= 0
        except ValueError:  # a port out of range, a bracketed host that is no address
            valid = False
        if not valid:
            raise CatalogueError(f"--server must be an http(s) URL, not {server!r}")
        self.root = server.removesuffix("/api/v1")
        self.origin = _origin(self.root)
        self.cache = Path(cache_dir) if cache_dir else default_cache_dir()
        self.timeout, self.deadline, self.max_bytes = timeout, deadline, max_bytes
        self.warn = warn
        self.ends_at = time.monotonic() + deadline
        self.opener = urllib.request.OpenerDirector()
        for handler in (urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                        _SameOriginRedirects(self.origin),
                        urllib.request.HTTPDefaultErrorHandler(),
                        urllib.request.HTTPErrorProcessor()):
            self.opener.add_handler(handler)

    def retirements(self) -> list[Retirement]:
        """Every page of the server's retirement list."""
        url, rows, seen = f"{self.root}{API_LIST_PATH}?page_size={PAGE_SIZE}", [], set()
        while url:
            if url in seen or len(seen) >= MAX_PAGES:
                raise CatalogueError(f"the server's pages do not end (at {url})")
            seen.add(url)
            page = self.get_json(url)
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise CatalogueError(f"{url} did not answer with a page of retirements")
            rows.extend(page["results"])
            url = self._next(url, page.get("next"))
        return from_rows(rows)

    def _next(self, url: str, link) -> str | None:
        if link is None or link == "":
            return None
        if not isinstance(link, str):
            raise CatalogueError(f"{url}: 'next' is not a link")
        link = urllib.parse.urljoin(url, link)
        if _origin(link) != self.origin:
            raise CatalogueError(f"{url}: 'next' leads off the server ({link[:200]})")
        return link

    def update_watchlist(self, token: str, models: list[str]) -> dict:
        """Make the subscription whose API token this is follow exactly ``models``: the
        server's answer, ``{"models": [...], "added": [...], "removed": [...], "vendors":
        [...], "not_followed": [{"model": ..., "vendors": [...]}, ...]}`` (the last two empty
        from a server that does not send them)."""
        url = self.root + WATCHLIST_PATH
        headers = {"Accept": "application/json", "Content-Type": "application/json",
                   "Authorization": f"Bearer {token.strip()}", "User-Agent": USER_AGENT}
        data = json.dumps({"models": models}).encode("utf-8")
        try:
            _, _, body = self.request(url, headers=headers, data=data, method="PUT")
        except urllib.error.HTTPError as exc:
            raise CatalogueError(f"{url} answered {exc.code}: {_error_detail(exc)}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            raise CatalogueError(f"cannot reach {url}: {exc}") from None
        try:
            answer = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError):
            answer = None
        if not (isinstance(answer, dict) and _is_watchlist(answer)):
            raise CatalogueError(f"{url} did not answer with a watch-list")
        return answer

    def get_json(self, url: str):
        """GET ``url`` as JSON, conditionally on the cached copy's ETag; a 304 reads the cache."""
        path = self.cache / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")
        cached = _read_cached(path)
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if cached and cached.get("etag"):
            headers["If-None-Match"] = cached["etag"]
        try:
            status, etag, body = self.request(url, headers=headers)
        except urllib.error.HTTPError as exc:
            raise CatalogueError(f"{url} answered {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            # ValueError: what http.client raises for a URL it cannot send (a non-ASCII path)
            if cached:
                if self.warn:
                    self.warn(f"cannot reach {url} ({exc}); using the copy cached in {path}")
                return cached["body"]
            raise CatalogueError(f"cannot reach {url}: {exc}") from None
        if status == 304:
            if cached:
                return cached["body"]
            raise CatalogueError(f"{url} answered 304 to a request that had no ETag")
        try:
            document = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise CatalogueError(f"{url} did not answer JSON: {str(exc)[:200]}") from None
        if etag:
            _write_cached(path, {"url": url, "etag": etag, "body": document})
        return document

    def request(self, url: str, *, headers: dict, data: bytes | None = None,
                method: str | None = None) -> tuple[int, str, bytes]:
        """(status, ETag, body) of one request, within the client's deadline and size cap.

        Raises HTTPError for an error status (a 304 is returned as a status); URLError,
        OSError, HTTPException or ValueError when the server cannot be asked or answers
        garbage; CatalogueError past a limit.
        """
        if _origin(url) != self.origin:
            raise CatalogueError(f"refusing to leave {self.root} for {url[:200]}")
        request = urllib.request.Request(url, headers=headers, data=data, method=method)
        outcome: dict = {}

        def exchange():
            try:
                with self.opener.open(request, timeout=self.timeout) as response:
                    outcome["answer"] = (response.status, response.headers.get("ETag", ""),
                                         self._read(response, url))
            except urllib.error.HTTPError as exc:
                if exc.code == 304:
                    outcome["answer"] = (304, "", b"")
                else:
                    outcome["error"] = exc
            except BaseException as exc:  # handed to the caller's thread, raised there
                outcome["error"] = exc

        # A daemon thread, so a server that drips its bytes can neither outlive the deadline
        # nor keep the process from exiting.
        worker = threading.Thread(target=exchange, daemon=True)
        worker.start()
        worker.join(max(0.0, self.ends_at - time.monotonic()))
        if worker.is_alive():
            raise CatalogueError(f"{url} did not answer in time (the whole exchange with the "
                                 f"server may take {self.deadline:g} s)")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["answer"]

    def _read(self, response, url: str) -> bytes:
        chunks, size = [], 0
        while chunk := response.read1(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise CatalogueError(f"{url} answered more than {self.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def _is_watchlist(answer: dict) -> bool:
    """Checks the answer, filling in the fields an older server leaves out."""
    answer.setdefault("vendors", [])
    answer.setdefault("not_followed", [])
    return (all(_is_names(answer[k]) for k in ("models", "added", "removed", "vendors"))
            and isinstance(answer["not_followed"], list)
            and all(isinstance(n, dict) and isinstance(n.get("model"), str)
                    and _is_names(n.get("vendors")) for n in answer["not_followed"]))


def _is_names(value) -> bool:
    return isinstance(value, list) and all(isinstance(n, str) for n in value)


def _error_detail(error: urllib.error.HTTPError) -> str:
    """What a depcal server said went wrong (its JSON errors carry a ``detail``)."""
    try:
        detail = json.loads(error.read(64 * 1024).decode("utf-8")).get("detail")
    except (ValueError, AttributeError, OSError, RecursionError):
        detail = None
    return str(detail)[:500] if detail else str(error.reason)


def _read_cached(path: Path) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            cached = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return None
    if isinstance(cached, dict) and "body" in cached and isinstance(cached.get("etag", ""), str):
        return cached
    return None


def _write_cached(path: Path, data: dict) -> None:
    """Write atomically, so parallel runs (pre-commit's) never read half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs the next run a full download
