"""The catalogue as the scanner sees it: retirements, and the names code may call them by.

One loader serves both inputs, because they have one shape: ``manage.py export_catalogue``
writes ``{"results": [retirement, ...], "next": null, ...}`` and the API's
``/api/v1/retirements`` answers the same, page by page, following ``next``. A server's pages
are cached on disk with their ETag and asked for again with ``If-None-Match``, so a CI job
that runs often costs the server a 304.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

API_LIST_PATH = "/api/v1/retirements"
PAGE_SIZE = 500
MAX_PAGES = 200  # a guard against a server whose "next" links go round in circles
TIMEOUT = 30.0
USER_AGENT = "depcal-scan/0.1 (+https://pypi.org/project/depcal/)"


class CatalogueError(Exception):
    """The catalogue could not be read; the message says what to do about it."""


@dataclass(frozen=True)
class Retirement:
    """One entry of the catalogue, with what a finding needs to say about it."""

    vendor: str
    identifier: str
    vendor_name: str = ""
    aliases: tuple[str, ...] = ()
    status: str = "scheduled"
    shutdown_on: date | None = None
    replacements: tuple[str, ...] = ()
    url: str = ""

    @property
    def key(self) -> str:
        """Stable across catalogues and hosts: the SARIF rule id."""
        return f"{self.vendor}/{self.identifier}"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.identifier, *(a for a in self.aliases if a != self.identifier))

    @property
    def replacement(self) -> str:
        return self.replacements[0] if self.replacements else ""

    def state(self, today: date) -> str:
        """``withdrawn``, ``retired`` (shut down before ``today``) or ``scheduled``.

        Judged from the date rather than the stored status, which a server refreshes only
        hourly and which a ``--today`` in the future must be able to overtake.
        """
        if self.status == "withdrawn":
            return "withdrawn"
        if self.shutdown_on is not None:
            return "retired" if self.shutdown_on < today else "scheduled"
        return "retired" if self.status == "retired" else "scheduled"

    def days_left(self, today: date) -> int | None:
        return (self.shutdown_on - today).days if self.shutdown_on else None


def from_rows(rows: Iterable[dict]) -> list[Retirement]:
    """Retirements from rows of the API's retirement shape (the export's ``results``)."""
    found = []
    for n, row in enumerate(rows, 1):
        try:
            vendor = row["vendor"]
            vendor_slug = vendor["slug"] if isinstance(vendor, dict) else str(vendor)
            vendor_name = vendor.get("name", "") if isinstance(vendor, dict) else ""
            shutdown = row.get("shutdown_on")
            found.append(Retirement(
                vendor=vendor_slug,
                vendor_name=vendor_name or vendor_slug,
                identifier=str(row["identifier"]),
                aliases=tuple(str(a) for a in row.get("aliases") or ()),
                status=str(row.get("status") or "scheduled"),
                shutdown_on=date.fromisoformat(shutdown) if shutdown else None,
                replacements=tuple(str(r) for r in row.get("replacements") or ()),
                url=str(row.get("url") or ""),
            ))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CatalogueError(
                f"retirement #{n} is not in the catalogue's shape ({exc!r}); export it with "
                "'manage.py export_catalogue' or read it from /api/v1/retirements") from exc
    return found


def from_document(document) -> list[Retirement]:
    """Retirements from an export or one API page (``{"results": [...]}``), or a bare list."""
    if isinstance(document, dict) and isinstance(document.get("results"), list):
        return from_rows(document["results"])
    if isinstance(document, list):
        return from_rows(document)
    raise CatalogueError("not a depcal catalogue: expected an object with a 'results' list")


def load_file(path: str | os.PathLike) -> list[Retirement]:
    """Read a JSON export (``python manage.py export_catalogue > catalogue.json``)."""
    try:
        with open(path, encoding="utf-8") as fh:
            document = json.load(fh)
    except OSError as exc:
        raise CatalogueError(f"cannot read the catalogue {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise CatalogueError(f"{path} is not JSON: {exc}") from exc
    return from_document(document)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "depcal-scan"


def list_url(server: str) -> str:
    """The first page of the retirement list on ``server`` (a site root or its /api/v1)."""
    server = server.strip().rstrip("/")
    parts = urllib.parse.urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CatalogueError(f"--server must be an http(s) URL, not {server!r}")
    if server.endswith("/api/v1"):
        server = server[: -len("/api/v1")]
    return f"{server}{API_LIST_PATH}?page_size={PAGE_SIZE}"


def load_server(server: str, *, cache_dir: str | os.PathLike | None = None,
                timeout: float = TIMEOUT, warn=None) -> list[Retirement]:
    """Read every page of a depcal server's retirement list, through the on-disk cache."""
    url, rows, seen = list_url(server), [], set()
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    while url:
        if url in seen or len(seen) >= MAX_PAGES:
            raise CatalogueError(f"the server's pages do not end (at {url})")
        seen.add(url)
        page = _get_json(url, cache, timeout=timeout, warn=warn)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise CatalogueError(f"{url} did not answer with a page of retirements")
        rows.extend(page["results"])
        url = page.get("next")
    return from_rows(rows)


def _get_json(url: str, cache: Path, *, timeout: float, warn=None):
    """GET ``url`` as JSON, conditionally on the cached copy's ETag; the cache answers a 304."""
    path = cache / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")
    cached = _read_cached(path)
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if cached and cached.get("etag"):
        headers["If-None-Match"] = cached["etag"]
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.loads(response.read().decode("utf-8"))
            etag = response.headers.get("ETag", "")
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and cached:
            return cached["body"]
        raise CatalogueError(f"{url} answered {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        if cached:
            if warn:
                warn(f"cannot reach {url} ({exc}); using the copy cached in {path}")
            return cached["body"]
        raise CatalogueError(f"cannot reach {url}: {exc}") from exc
    except ValueError as exc:
        raise CatalogueError(f"{url} did not answer JSON: {exc}") from exc
    if etag:
        _write_cached(path, {"url": url, "etag": etag, "body": body})
    return body


def _read_cached(path: Path) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            cached = json.load(fh)
        return cached if isinstance(cached, dict) and "body" in cached else None
    except (OSError, ValueError):
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
