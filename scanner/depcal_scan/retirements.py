"""The catalogue as the scanner sees it: retirements, the names code may call them by, and
which entries a use of a name means.

One loader serves both inputs, because they have one shape: ``manage.py export_catalogue``
writes ``{"results": [retirement, ...], "next": null, ...}`` and a depcal server's
``/api/v1/retirements`` answers the same, page by page (``server.py`` fetches those pages).
Rows are checked field by field: a catalogue is input from elsewhere, and a row of the wrong
shape is an error that names the row, never a crash or a silently wrong name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date


class CatalogueError(Exception):
    """The catalogue could not be read; the message says what to do about it."""


@dataclass(frozen=True)
class Retirement:
    """One entry of the catalogue, with what a finding needs to say about it."""

    vendor: str
    identifier: str
    vendor_name: str = ""
    # The vendor resells other makers' models (Azure, Bedrock, Vertex AI: ``is_platform``):
    # its entries match only the platform's own spellings (``entries_meant``).
    platform: bool = False
    aliases: tuple[str, ...] = ()
    status: str = "scheduled"
    shutdown_on: date | None = None
    # shutdown_on is the earliest day the vendor gives ("not sooner than"): it may come later.
    tentative: bool = False
    replacements: tuple[str, ...] = ()
    url: str = ""
    # (name, reason) for the names that are also ordinary words or too short to be safe:
    # decided by the server when it builds the catalogue (``ambiguous_names`` in the API).
    ambiguous: tuple[tuple[str, str], ...] = ()

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

    def ambiguity(self, name: str) -> str | None:
        """Why ``name`` is matched only where code uses it as a model id, or None."""
        return dict(self.ambiguous).get(name)

    def state(self, today: date) -> str:
        """``withdrawn``, ``retired`` (shut down before ``today``) or ``scheduled``.

        Judged from the date rather than the stored status, which a server refreshes only
        hourly and which a ``--today`` in the future must be able to overtake. A tentative date
        that has passed says only that the shutdown may come any day: still ``scheduled``.
        """
        if self.status == "withdrawn":
            return "withdrawn"
        if self.shutdown_on is not None:
            return "retired" if self.shutdown_on < today and not self.tentative else "scheduled"
        return "retired" if self.status == "retired" else "scheduled"

    def days_left(self, today: date) -> int | None:
        return (self.shutdown_on - today).days if self.shutdown_on else None


def entries_meant(owners: Iterable[Retirement], platform: str | None,
                  chosen: Collection[str] = ()) -> list[Retirement]:
    """Of the entries that have a name, those a use of it means.

    ``platform``: the platform the use's spelling names (``spellings.platform``), whose entry
    alone it means, if it has one (``azure/gpt-4o`` is Azure's, ``gemini/gemini-2.5-pro`` the
    Gemini API's). Written as its maker's API spells it, a name means the entries of vendors
    that are no platform: the model's maker, since a platform's row for ``gpt-4o`` says when
    Azure stops serving OpenAI's model, not when OpenAI does. The platforms ``chosen`` (with
    ``--vendor``) count as the maker, so their users find bare names too.
    """
    if platform:
        return [r for r in owners if r.vendor == platform]
    return [r for r in owners if not r.platform or r.vendor in chosen]


def _text(value, field: str, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"'{field}' must be {'a non-empty ' if required else 'a '}string")
    return value


def _texts(value, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"'{field}' must be a list of strings")
    return tuple(value)


def _flag(value, field: str) -> bool:
    """A boolean; absent (an export from before the field) is False."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(f"'{field}' must be true or false")
    return value


def _row(row) -> Retirement:
    if not isinstance(row, dict):
        raise ValueError("a retirement must be an object")
    vendor = row.get("vendor")
    if isinstance(vendor, dict):
        slug, name = _text(vendor.get("slug"), "vendor.slug", required=True), vendor.get("name")
        name = _text(name, "vendor.name")
        platform = _flag(vendor.get("is_platform"), "vendor.is_platform")
    else:
        slug, name, platform = _text(vendor, "vendor", required=True), "", False
    shutdown = _text(row.get("shutdown_on"), "shutdown_on")
    ambiguous = row.get("ambiguous_names") or {}
    if not isinstance(ambiguous, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in ambiguous.items()):
        raise ValueError("'ambiguous_names' must map names to reasons")
    return Retirement(
        vendor=slug,
        vendor_name=name or slug,
        identifier=_text(row.get("identifier"), "identifier", required=True),
        aliases=_texts(row.get("aliases"), "aliases"),
        status=_text(row.get("status"), "status") or "scheduled",
        platform=platform,
        shutdown_on=date.fromisoformat(shutdown) if shutdown else None,
        tentative=_flag(row.get("tentative"), "tentative"),
        replacements=_texts(row.get("replacements"), "replacements"),
        url=_text(row.get("url"), "url"),
        ambiguous=tuple(sorted(ambiguous.items())),
    )


def from_rows(rows: Iterable) -> list[Retirement]:
    """Retirements from rows of the API's retirement shape (the export's ``results``)."""
    found = []
    for n, row in enumerate(rows, 1):
        try:
            found.append(_row(row))
        except ValueError as exc:
            raise CatalogueError(
                f"retirement #{n} is not in the catalogue's shape ({exc}); export it with "
                "'manage.py export_catalogue' or read it from /api/v1/retirements") from None
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
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise CatalogueError(f"{path} is not JSON: {exc}") from None
    return from_document(document)
