"""Reconcile parsed records into the catalogue.

Rules, in order:
- A record is stored as a ``Notice`` keyed by a fingerprint of its facts: the same document
  read twice adds nothing.
- A new retirement from a vendor's own deprecation page is published; one from a changelog or
  a secondary tracker waits in the review queue (a pending notice, approved in the admin).
- A date that moves on the vendor's own page moves the entry through ``changes.move_dates``.
  A date that disagrees with a curated entry, or that comes from a changelog or tracker, is
  flagged for review instead: nothing curated is overwritten silently.
- A replacement the vendor's own page names for an uncurated entry that has none fills it
  (a later copy of the page may name what the first one did not); one it has stays.
- Nothing is ever retired or deleted because a notice is missing.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from deprecations import changes
from deprecations.models import Alias, Notice, Offering, Retirement, Source, Vendor
from deprecations.sources.parsers.text import vendor_slug
from deprecations.sources.records import Record
from deprecations.weburl import is_web_url

DATES = {"announced_on": "announced", "deprecated_on": "deprecated", "shutdown_on": "shutdown"}


@dataclass
class Counts:
    new: int = 0  # notices never seen before that created an entry or wait for review
    changed: int = 0  # notices that moved an entry's dates
    unchanged: int = 0  # notices seen before, or agreeing with the catalogue
    flagged: int = 0  # notices that disagree and wait for review
    notes: list[str] = field(default_factory=list)


def fingerprint(source: Source, record: Record) -> str:
    facts = [source.slug, record.vendor.lower(), record.model, _iso(record.announced),
             _iso(record.deprecated), _iso(record.shutdown), record.shutdown_precision,
             list(record.replacements)]
    if record.tentative:  # only when set, so notices stored before the flag keep their keys
        facts.append("tentative")
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()


def reconcile(source: Source, records: list[Record], *, today: date,
              now: datetime | None = None) -> Counts:
    """Apply ``records`` read from ``source`` to the catalogue; see the module's rules."""
    now = now or timezone.now()
    counts = Counts()
    for group in _by_model(records).values():
        standing, *others = _standing_first(group)
        with transaction.atomic():
            _apply(source, standing, today=today, now=now, counts=counts)
        # The same facts twice (a model in two tables) are one notice; other facts are kept.
        kept = fingerprint(source, standing)
        for record in others:
            if fingerprint(source, record) != kept:
                _note_superseded(source, record, standing, now, counts)
    return counts


def _by_model(records):
    groups = defaultdict(list)
    for r in records:
        groups[(r.vendor.lower(), r.model)].append(r)
    return groups


def _standing_first(group: list[Record]) -> list[Record]:
    """The same model twice in one document: the newest notice stands (latest announcement,
    then latest shutdown)."""
    return sorted(group, key=lambda r: (r.announced or date.min, r.shutdown or date.min),
                  reverse=True)


def _note_superseded(source, record, standing, now, counts):
    notice, created = _notice(source, record, now)
    if created:
        notice.review = Notice.Review.SUPERSEDED
        notice.review_note = (f"The same document also gives {_iso(standing.shutdown)} for "
                              f"{standing.model}; that newer notice stands.")
        notice.save(update_fields=["review", "review_note"])
    counts.unchanged += 1


def _notice(source: Source, record: Record, now) -> tuple[Notice, bool]:
    notice, created = Notice.objects.get_or_create(
        source=source, fingerprint=fingerprint(source, record),
        defaults=dict(
            vendor_name=record.vendor, identifier=record.model, display_name=record.name,
            kind=record.kind or "model", announced_on=record.announced,
            deprecated_on=record.deprecated, shutdown_on=record.shutdown,
            shutdown_precision=record.shutdown_precision,
            shutdown_tentative=record.tentative, replacements=list(record.replacements),
            url=_url(source, record), raw_text=record.source_text[:5000],
            review=Notice.Review.PENDING, first_seen_at=now, last_seen_at=now,
        ),
    )
    if not created:
        Notice.objects.filter(pk=notice.pk).update(last_seen_at=now)
    return notice, created


def _apply(source, record, *, today, now, counts):
    notice, created = _notice(source, record, now)
    if not created:
        if notice.review == Notice.Review.APPLIED and notice.retirement_id:
            # Seen before, but the entry may have moved since (the vendor went A -> B -> A):
            # the notice's facts must stand again. Agreeing dates change nothing.
            _update_retirement(source, notice.retirement, notice, counts=counts)
        else:
            counts.unchanged += 1
        return
    vendor = source.vendor or find_vendor(record.vendor)
    if vendor is None:
        _flag(notice, f"unknown vendor {record.vendor!r}: add it, then approve", counts,
              review=Notice.Review.PENDING)
        return
    entry = find_retirement(vendor, record.model)
    try:
        with transaction.atomic():
            if entry is None:
                _new_retirement(source, vendor, record, notice, today=today, counts=counts)
            else:
                _update_retirement(source, entry, notice, counts=counts)
    except ValidationError as exc:  # e.g. a shutdown before the announcement: a person decides
        notice.retirement = entry
        _flag(notice, "cannot apply: " + "; ".join(exc.messages), counts)
        return
    if notice.review == Notice.Review.APPLIED and record.extra.get("aliases"):
        changes.add_aliases(notice.retirement.offering, record.extra["aliases"])


def _new_retirement(source, vendor, record, notice, *, today, counts):
    if record.shutdown is None and record.deprecated is None:
        _flag(notice, "no deprecation or shutdown date: nothing to publish yet", counts,
              review=Notice.Review.PENDING)
        return
    if source.authority != Source.Authority.PRIMARY:
        notice.review_note = f"new retirement from a {source.get_authority_display()}: review it"
        notice.save(update_fields=["review_note"])
        counts.new += 1
        return
    entry = create_from_notice(notice, vendor, today=today, via=f"source:{source.slug}")
    counts.new += 1
    return entry


def create_from_notice(notice: Notice, vendor: Vendor, *, today: date, via: str, by=None):
    """Publish a notice as a new entry (the reconciler for vendor pages; the admin's approve)."""
    entry = changes.create_retirement(
        vendor, notice.identifier, kind=_kind(notice.kind), display_name=notice.display_name,
        announced_on=notice.announced_on, deprecated_on=notice.deprecated_on,
        shutdown_on=notice.shutdown_on, shutdown_precision=notice.shutdown_precision,
        shutdown_tentative=notice.shutdown_tentative,
        replacements=notice.replacements, today=today, by=by, via=via,
        citations=[_citation(notice)],
    )
    _link(notice, entry, Notice.Review.APPLIED)
    return entry


def _update_retirement(source, entry, notice, *, counts):
    wanted = {f: getattr(notice, f) for f in DATES if getattr(notice, f) is not None}
    differs = {f: d for f, d in wanted.items() if getattr(entry, f) != d}
    if "shutdown_on" in wanted and notice.shutdown_tentative != entry.shutdown_tentative:
        differs["shutdown_on"] = notice.shutdown_on
    if not differs:
        changes.add_citation(entry, **_citation(notice))
        _fill_replacements(source, entry, notice)
        _link(notice, entry, Notice.Review.APPLIED)
        counts.unchanged += 1
        return
    if entry.curated or source.authority != Source.Authority.PRIMARY:
        why = "the entry is curated" if entry.curated else (
            f"a {source.get_authority_display()} does not move dates by itself")
        said = ", ".join(f"{DATES[f]} {d} (catalogue: {getattr(entry, f) or '—'})"
                         for f, d in differs.items())
        notice.retirement = entry
        _flag(notice, f"{source.name} says {said}; {why}", counts)
        return
    changes.move_dates(entry, differs, via=f"source:{source.slug}",
                       precision=notice.shutdown_precision if "shutdown_on" in differs else None,
                       tentative=notice.shutdown_tentative if "shutdown_on" in differs else None,
                       note=f"{source.name}: {notice.raw_text[:200]}")
    changes.add_citation(entry, **_citation(notice))
    _fill_replacements(source, entry, notice)
    _link(notice, entry, Notice.Review.APPLIED)
    counts.changed += 1


def _fill_replacements(source, entry, notice) -> None:
    """A vendor page that now names what to move to, for an entry that has no replacement
    (an earlier copy announced the retirement before naming one): the entry gets it. A
    replacement the entry has is never changed here, nor anything on a curated entry."""
    if (notice.replacements and not entry.replacements and not entry.curated
            and source.authority == Source.Authority.PRIMARY):
        changes.set_details(entry, replacements=notice.replacements)


def approve(notice: Notice, *, today: date, by=None) -> Retirement:
    """The admin's approve: publish a pending notice, or apply a flagged one's dates."""
    entry = notice.retirement
    vendor = notice.source.vendor or find_vendor(notice.vendor_name)
    if entry is None and vendor is not None:
        entry = find_retirement(vendor, notice.identifier)
    via = f"review of source:{notice.source.slug}"
    if entry is None:
        if vendor is None:
            raise ValueError(f"unknown vendor {notice.vendor_name!r}: create it first")
        entry = create_from_notice(notice, vendor, today=today, by=by, via=via)
        _resolved(notice, "approved", by, "published as a new entry")
        return entry
    wanted = {f: getattr(notice, f) for f in DATES if getattr(notice, f) is not None}
    changes.move_dates(entry, wanted, by=by, via=via,
                       precision=notice.shutdown_precision if "shutdown_on" in wanted else None,
                       tentative=notice.shutdown_tentative if "shutdown_on" in wanted else None)
    changes.publish(entry, by=by, via=via)
    changes.add_citation(entry, **_citation(notice))
    _link(notice, entry, Notice.Review.APPLIED)
    _resolved(notice, "approved", by, "its dates applied to the entry")
    return entry


def merge(notice: Notice, entry: Retirement, *, by=None) -> None:
    """The notice names an existing entry differently: keep its name as an alias, cite it."""
    changes.add_aliases(entry.offering, [notice.identifier])
    changes.add_citation(entry, **_citation(notice))
    _link(notice, entry, Notice.Review.APPLIED)
    _resolved(notice, f"merged into {entry.offering.identifier}", by)


def _resolved(notice: Notice, what: str, by, detail: str = "") -> None:
    """Say what became of a notice ("approved by ada: ..."), in place of the note that asked
    for a review."""
    who = f" by {by.get_username()}" if getattr(by, "pk", None) else ""
    notice.review_note = f"{what}{who}" + (f": {detail}" if detail else "")
    notice.save(update_fields=["review_note"])


def reject(notice: Notice, *, note: str = "") -> None:
    notice.review = Notice.Review.REJECTED
    notice.review_note = note or notice.review_note
    notice.save(update_fields=["review", "review_note"])


def find_vendor(name: str) -> Vendor | None:
    """A vendor by slug or name as another tracker spells it ("AWS Bedrock", "Azure")."""
    return (Vendor.objects.filter(slug=vendor_slug(name)).first()
            or Vendor.objects.filter(name__iexact=name.strip()).first())


def find_retirement(vendor: Vendor, identifier: str) -> Retirement | None:
    """The entry for an identifier, alias or display name at this vendor, if any.

    Bedrock's lifecycle page names models ("Claude 3 Opus") where the catalogue keys them by
    model ID with that display name.
    """
    at_vendor = Offering.objects.filter(vendor=vendor)
    offering = (at_vendor.filter(identifier=identifier).first()
                or at_vendor.filter(pk__in=Alias.objects.filter(
                    offering__vendor=vendor, name=identifier).values("offering")).first()
                or at_vendor.filter(display_name__iexact=identifier).first())
    return getattr(offering, "retirement", None) if offering else None


def _flag(notice, note, counts, *, review=Notice.Review.CONFLICT):
    notice.review = review
    notice.review_note = note
    notice.save(update_fields=["review", "review_note", "retirement"])
    counts.flagged += 1
    counts.notes.append(f"{notice.identifier}: {note}")


def _link(notice, entry, review):
    notice.retirement = entry
    notice.review = review
    notice.save(update_fields=["retirement", "review"])


def _citation(notice: Notice) -> dict:
    return {"url": notice.url or notice.source.cite_url, "title": notice.source.name,
            "retrieved_on": notice.last_seen_at.date(), "quote": notice.raw_text[:2000]}


def _url(source: Source, record: Record) -> str:
    """Where the record was read, as an http(s) URL: a document's own link is kept only when
    it is one (a feed item may link to ``javascript:``), else the source's page is cited."""
    base = record.source_url if is_web_url(record.source_url) else source.cite_url
    url = f"{base.split('#')[0]}#{record.anchor}" if record.anchor else base
    return url if is_web_url(url) and len(url) <= 500 else base


def _kind(kind: str) -> str:
    return kind if kind in Offering.Kind.values else Offering.Kind.MODEL


def _iso(d):
    return d.isoformat() if d else None
