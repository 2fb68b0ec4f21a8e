"""Rebuild the shipped catalogue from stored vendor documents, as the collectors would read them.

A stored document is a copy of a public page (``NAME.md`` and the like) with a
``NAME.meta.json`` that gives its ``original_url``; its copy date is in its name
(``deprecations_2026-09-08.md``). ``replay`` matches each document to the shipped source of
that URL and reads it through the same parser and reconciler a fetched page goes through,
oldest copy first, so a page stored twice replays as the change it was. Then:

* ``publish_reviewed``: the notices the collector leaves for review are published where the
  review is the build itself: dated notices from a vendor's own changelog; and, for platforms
  no vendor document covers, dated notices from a peer tracker that pass ``peer_problem``
  (such entries say so in their notes and cite the tracker);
* ``apply_corrections``: a vendor's slips, written down with the reason and a citation
  (``corrections.json``), applied through the change functions;
* ``catalogue.dump`` writes the result.

Nothing here fetches, and nothing here knows a vendor: which parser reads a page is decided
as for a fetch, and what the build may publish is decided by the source's authority.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from deprecations import changes
from deprecations.models import Notice, Retirement, Source
from deprecations.sources import collect, reconcile

DATED_NAME = re.compile(r"_(\d{4}-\d{2}-\d{2})\.")


@dataclass(frozen=True)
class Document:
    path: Path
    url: str  # the public URL it is a copy of
    copied_on: date
    source: Source


@dataclass
class Report:
    read: list[str] = field(default_factory=list)  # "document: parser, n rows"
    skipped: list[str] = field(default_factory=list)  # documents no shipped source reads
    published: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # notices not published, and why
    corrected: list[str] = field(default_factory=list)


def stored_documents(root: Path, report: Report) -> list[Document]:
    """The documents under ``root`` that a shipped source reads, oldest first."""
    sources = list(Source.objects.select_related("vendor"))
    found = []
    for meta_path in sorted(root.rglob("*.meta.json")):
        stem = meta_path.name.removesuffix(".meta.json")
        copies = [p for p in meta_path.parent.glob(f"{stem}.*")
                  if p.is_file() and not p.name.endswith((".meta.json", ".expected.json"))]
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        url = str(meta.get("original_url") or "").split()[0] if meta.get("original_url") else ""
        source = next((s for s in sources if _same_page(url, s)), None)
        dated = DATED_NAME.search(meta_path.name)
        if not copies or source is None or not dated:
            report.skipped.append(f"{meta_path.parent.name}/{stem}: no shipped source for {url}")
            continue
        found.append(Document(copies[0], url, date.fromisoformat(dated.group(1)), source))
    return sorted(found, key=lambda d: (d.copied_on, str(d.path)))


def _same_page(url: str, source: Source) -> bool:
    return bool(url) and _page(url) in {_page(source.url), _page(source.page_url)}


def _page(url: str) -> str:
    """A URL without scheme, ``www.``, fragment, trailing slash or Markdown-twin suffix."""
    url = re.sub(r"^https?://(?:www\.)?", "", url.strip().split("#")[0]).rstrip("/")
    return url.removesuffix(".md")


def replay(documents: list[Document], *, today: date, report: Report) -> None:
    """Read each document into the database as if its source had just been fetched."""
    for doc in documents:
        parser = collect.parser_for(doc.source, doc.path.read_bytes())
        records = collect.read(doc.source, doc.path.read_bytes(), parser)
        now = datetime.combine(doc.copied_on, time(12), tzinfo=UTC)
        reconcile.reconcile(doc.source, records, today=today, now=now)
        report.read.append(f"{doc.path.parent.name}/{doc.path.name}: {parser.name}, "
                           f"{len(records)} rows")


def publish_reviewed(documents: list[Document], *, today: date, peer_notes: dict[str, str],
                     report: Report) -> None:
    """Publish the pending notices this build may review (see the module's docstring).

    ``peer_notes`` maps a peer source's slug to the note its entries carry.
    """
    covered = {d.source.vendor.slug for d in documents if d.source.vendor}
    pending = (Notice.objects.filter(review=Notice.Review.PENDING, retirement__isnull=True)
               .select_related("source__vendor").order_by("source__slug", "identifier", "pk"))
    for notice in pending:
        label = f"{notice.source.slug}: {notice.vendor_name}/{notice.identifier}"
        problem = _why_not(notice, covered)
        if problem:
            report.left_out.append(f"{label}: {problem}")
            continue
        from_peer = notice.source.authority == Source.Authority.SECONDARY
        if from_peer:
            _as_from_a_peer(notice)
        entry = reconcile.approve(notice, today=today)
        if from_peer:
            _cite_the_peer(entry, notice, peer_notes)
        report.published.append(label)


def _why_not(notice: Notice, covered: set[str]) -> str:
    """Why the build does not publish a pending notice, or ``""``."""
    if notice.shutdown_on is None and notice.deprecated_on is None:
        return "no date"
    vendor = notice.source.vendor or reconcile.find_vendor(notice.vendor_name)
    if vendor is None:
        return "no such platform"
    if reconcile.find_retirement(vendor, notice.identifier):
        return "already published from another notice"
    if notice.source.authority == Source.Authority.SECONDARY:
        return ("a vendor document covers this platform" if vendor.slug in covered
                else peer_problem(notice))
    return ""


def _cite_the_peer(entry: Retirement, notice: Notice, peer_notes: dict[str, str]) -> None:
    """An entry from a peer says so: in its notes, and in its citations (the platform's page
    as the peer recorded it, and the peer itself)."""
    peer = notice.source
    entry.citations.filter(url=notice.url).update(
        title=f"{entry.offering.vendor.name} page, as {peer.name} recorded it")
    changes.add_citation(entry, url=peer.url, title=f"via {peer.name} (peer tracker)",
                         retrieved_on=notice.last_seen_at.date())
    changes.set_details(entry, notes=peer_notes.get(peer.slug, f"From {peer.name}, a peer "
                                                               "tracker."))


def peer_problem(notice: Notice) -> str:
    """Why a peer's notice cannot be trusted as it stands, or ``""``.

    A peer is often wrong: its shutdown must be a date its link agrees with when the link
    names one (``#august-16-2026-...``), and must not come before the announcement.
    """
    if notice.shutdown_on is None:
        return "no shutdown date"
    named = _date_in_anchor(notice.url)
    if named and named != notice.shutdown_on:
        return f"its link says {named}, it says {notice.shutdown_on}"
    return ""


_MONTHS = ("january february march april may june july august september october november "
           "december").split()


def _date_in_anchor(url: str) -> date | None:
    m = re.search(r"#(" + "|".join(_MONTHS) + r")-(\d{1,2})-(\d{4})", url or "")
    if not m:
        return None
    try:
        return date(int(m.group(3)), _MONTHS.index(m.group(1)) + 1, int(m.group(2)))
    except ValueError:
        return None


def _as_from_a_peer(notice: Notice) -> None:
    """What a peer's notice may keep: a deprecation or announcement date that equals the
    shutdown, or follows it, is the peer's confusion (its first sighting, or the shutdown
    again), not a fact."""
    for name in ("announced_on", "deprecated_on"):
        value = getattr(notice, name)
        if value is not None and value >= notice.shutdown_on:
            setattr(notice, name, None)
    notice.save(update_fields=["announced_on", "deprecated_on"])


def apply_corrections(corrections: list[dict], *, report: Report) -> None:
    """Apply each correction through the change functions::

        {"vendor": "openai", "identifier": "Assistants API",
         "set": {"announced": "2025-08-26", "replacements": ["..."]},
         "aliases": ["..."], "reason": "why, from the vendor's own text",
         "citation": {"url": "...", "title": "..."}}

    With ``"new": {"kind": "feature"}``, a notice the parsers do not read (prose naming no
    identifier: "we will no longer support our legacy local shell tool") is added by hand
    from the vendor's own words when the build has no such entry; a correction for any other
    missing entry is a mistake in the file and stops the build.
    """
    for fix in corrections:
        vendor = reconcile.find_vendor(fix["vendor"])
        entry = reconcile.find_retirement(vendor, fix["identifier"]) if vendor else None
        wanted = fix.get("set", {})
        dates = {f"{k}_on": date.fromisoformat(v) if v else None for k, v in wanted.items()
                 if k in ("announced", "deprecated", "shutdown")}
        if entry is None and vendor is not None and "new" in fix:
            entry = changes.create_retirement(
                vendor, fix["identifier"], kind=fix["new"]["kind"], **dates,
                shutdown_tentative=wanted.get("tentative", False), via="corrections file",
                replacements=wanted.get("replacements", ()), notes=f"Added: {fix['reason']}")
        elif entry is None:
            raise ValueError(f"a correction for an entry that is not there: {fix['vendor']}/"
                             f"{fix['identifier']}")
        else:
            _correct(entry, fix, wanted, dates)
        changes.add_aliases(entry.offering, fix.get("aliases", []))
        changes.add_citation(entry, url=fix["citation"]["url"],
                             title=fix["citation"].get("title", ""), quote=fix["reason"])
        report.corrected.append(f"{fix['vendor']}/{fix['identifier']}: {fix['reason']}")


def _correct(entry, fix: dict, wanted: dict, dates: dict) -> None:
    if dates or "tentative" in wanted:
        changes.move_dates(entry, dates or {"shutdown_on": entry.shutdown_on},
                           via="corrections file", note=fix["reason"],
                           tentative=wanted.get("tentative"))
    notes = " ".join(n for n in (entry.notes, f"Corrected: {fix['reason']}") if n)
    changes.set_details(entry, replacements=wanted.get("replacements"), notes=notes)
