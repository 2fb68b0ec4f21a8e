"""Load the catalogue file that ships with depcal (``deprecations/data/catalogue.json``).

Loading is idempotent: an entry that is already there with the same facts is left alone, so
loading twice changes nothing. A date that differs from the file is moved through
``changes.move_date`` (history + revision) only when that date came from the file in the
first place: a date a collector, a review or a curator set since is newer knowledge than the
file and is kept, and the difference reported. An entry a curator edited is kept whole.

The shipped entries are a baseline, not news: an entry's "created" history row is dated from
when its source made it known (``known_since``), not from the day of the load, so a fresh
install's Atom feed, API and emails do not announce the whole catalogue as new today. The
file's ``as_of`` is kept (``CatalogueLoad``) to say how current the data is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.utils import timezone

from deprecations import changes, clock, version
from deprecations.models import CatalogueLoad, Change, Offering, Retirement, Source, Vendor

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PATH = DATA_DIR / "catalogue.json"
SOURCES_PATH = DATA_DIR / "sources.json"
VIA = Change.VIA_CATALOGUE


@dataclass
class LoadReport:
    created: int = 0
    moved: int = 0
    unchanged: int = 0
    kept_curated: list[str] = field(default_factory=list)
    # "vendor/identifier: field (who set it)" for dates set since by other means than the file
    kept_set_elsewhere: list[str] = field(default_factory=list)
    as_of: date | None = None


def read(path: Path | str = DEFAULT_PATH) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _date(value):
    return date.fromisoformat(value) if value else None


@version.writing()
def load(data: dict, *, today: date, now: datetime | None = None) -> LoadReport:
    """Create or bring up to date every vendor and entry of ``data``; ``now`` is when."""
    now = now or timezone.now()
    report = LoadReport(as_of=_date(data.get("as_of")))
    vendors = {}
    for row in data["vendors"]:
        vendors[row["slug"]], _ = Vendor.objects.update_or_create(
            slug=row["slug"],
            defaults={"name": row["name"], "website": row.get("website", ""),
                      "is_platform": row.get("is_platform", False)},
        )
    existing = {
        (e.offering.vendor.slug, e.offering.identifier): e
        for e in Retirement.objects.select_related("offering__vendor")
    }
    for row in data["entries"]:
        entry = existing.get((row["vendor"], row["identifier"]))
        if entry is None:
            _create(vendors[row["vendor"]], row, today=today, now=now, as_of=report.as_of)
            report.created += 1
        elif _update(entry, row, report, now=now):
            report.moved += 1
        else:
            report.unchanged += 1
    if report.as_of:
        CatalogueLoad.objects.get_or_create(as_of=report.as_of, defaults={"loaded_at": now})
    return report


def _citations(row):
    return [
        {"url": s["url"], "title": s.get("title", ""), "retrieved_on": _date(s.get("retrieved_on")),
         "quote": s.get("quote", "")}
        for s in row.get("sources", [])
    ]


def known_since(row: dict, as_of: date | None) -> date | None:
    """The day an entry's history starts: the announcement it records; else the earliest day
    one of its sources was read saying so (the announcement was on or before it); else the
    catalogue's ``as_of`` (the file said so then); else None (the load itself)."""
    if row.get("announced"):
        return _date(row["announced"])
    read = [c["retrieved_on"] for c in _citations(row) if c["retrieved_on"]]
    return min(read) if read else as_of


def _start_of(day: date | None) -> datetime | None:
    return clock.start_of(day) if day else None


def _create(vendor: Vendor, row: dict, *, today: date, now: datetime,
            as_of: date | None) -> Retirement:
    return changes.create_retirement(
        vendor, row["identifier"],
        kind=row.get("kind") or Offering.Kind.MODEL,
        display_name=row.get("display_name", ""),
        aliases=row.get("aliases", []),
        announced_on=_date(row.get("announced")),
        deprecated_on=_date(row.get("deprecated")),
        shutdown_on=_date(row.get("shutdown")),
        shutdown_precision=row.get("shutdown_precision") or "day",
        shutdown_tentative=bool(row.get("tentative")),
        replacements=row.get("replacements", []),
        notes=row.get("notes", ""),
        citations=_citations(row),
        today=today,
        via=VIA,
        now=now,
        dated=_start_of(known_since(row, as_of)),
    )


def _update(entry: Retirement, row: dict, report: LoadReport, *, now: datetime) -> bool:
    """Apply the file's dates to an existing entry; True if any moved."""
    wanted = {
        "announced_on": _date(row.get("announced")),
        "deprecated_on": _date(row.get("deprecated")),
        "shutdown_on": _date(row.get("shutdown")),
    }
    differs = [f for f, v in wanted.items() if getattr(entry, f) != v]
    if wanted["shutdown_on"] and bool(row.get("tentative")) != entry.shutdown_tentative:
        differs.append("shutdown_on")
    if not differs:
        return False
    key = f"{row['vendor']}/{row['identifier']}"
    if entry.curated:
        report.kept_curated.append(key)
        return False
    setters = last_setters(entry)
    ours = [f for f in differs if setters.get(f, VIA) == VIA]
    report.kept_set_elsewhere += [f"{key}: {f} (set by {setters[f]})"
                                  for f in dict.fromkeys(differs) if f not in ours]
    if not ours:
        return False
    changes.move_dates(entry, {f: wanted[f] for f in ours}, via=VIA, now=now,
                       precision=row.get("shutdown_precision"),
                       tentative=bool(row.get("tentative")))
    for citation in _citations(row):
        changes.add_citation(entry, **citation)
    return True


def last_setters(entry: Retirement) -> dict[str, str]:
    """Who last set each of the entry's dates, from its history: the file (``VIA``), a
    source, a review or a person (their user name). A date with no history is absent."""
    setters: dict[str, str] = {}
    for change in entry.changes.select_related("changed_by").order_by("-recorded_at", "-id"):
        if change.kind == Change.Kind.MOVED:
            fields = [change.field]
        elif change.kind == Change.Kind.CREATED:
            fields = list(changes.DATE_FIELDS)
        else:
            continue
        for name in fields:
            setters.setdefault(name, change.who)
    return setters


def dump(*, as_of: date, vendors: list[dict], documents: list[dict] = ()) -> dict:
    """The published catalogue in the shape ``load`` reads (the inverse of ``load``), in a
    stable order: the same database gives the same file."""
    entries = []
    published = (Retirement.objects.filter(published=True).select_related("offering__vendor")
                 .prefetch_related("offering__aliases", "citations"))
    for e in published:
        entries.append({
            "vendor": e.offering.vendor.slug, "identifier": e.offering.identifier,
            "display_name": e.offering.display_name, "kind": e.offering.kind,
            "aliases": sorted(a.name for a in e.offering.aliases.all()),
            "announced": _iso(e.announced_on), "deprecated": _iso(e.deprecated_on),
            "shutdown": _iso(e.shutdown_on), "shutdown_precision": e.shutdown_precision,
            "tentative": e.shutdown_tentative, "replacements": e.replacements, "notes": e.notes,
            "sources": [{"url": c.url, "title": c.title, "retrieved_on": _iso(c.retrieved_on),
                         "quote": c.quote}
                        for c in sorted(e.citations.all(),
                                        key=lambda c: (c.retrieved_on or date.min, c.url))],
        })
    entries.sort(key=lambda r: (r["vendor"], r["identifier"].casefold(), r["identifier"]))
    return {"as_of": as_of.isoformat(), "documents": list(documents),
            "vendors": sorted(vendors, key=lambda v: v["slug"]), "entries": entries}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class SourcesReport:
    created: int = 0
    updated: int = 0
    # "slug: field" an admin changed from what was shipped: left as the admin set it
    kept_edited: list[str] = field(default_factory=list)


def load_sources(rows: list[dict]) -> SourcesReport:
    """Create the shipped sources that are missing and bring the others up to date.

    A field is updated when the database still holds a value this file shipped before (its
    ``previously`` lists them: a page that moved, a parser no longer needed); any other value
    is an admin's edit and is kept, and reported. Old URLs are replaced, never kept beside
    the new ones.
    """
    report = SourcesReport()
    for row in rows:
        vendor = Vendor.objects.filter(slug=row["vendor"]).first() if row.get("vendor") else None
        shipped = {k: v for k, v in row.items() if k not in ("slug", "vendor", "previously")}
        source, made = Source.objects.get_or_create(slug=row["slug"],
                                                    defaults={**shipped, "vendor": vendor})
        if made:
            report.created += 1
            continue
        changed = []
        for name, value in shipped.items():
            current = getattr(source, name)
            if current == value:
                continue
            if current in row.get("previously", {}).get(name, ()):
                setattr(source, name, value)
                changed.append(name)
            else:
                report.kept_edited.append(f"{source.slug}: {name}")
        if changed:
            if {"url", "page_url"} & set(changed):  # a new document: no validators, no count
                source.etag = source.last_modified = ""
                source.last_row_count = None
                changed += ["etag", "last_modified", "last_row_count"]
            source.save(update_fields=changed)
            report.updated += 1
    return report
