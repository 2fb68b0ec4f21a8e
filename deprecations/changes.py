"""The only functions that change catalogue entries.

The admin, the collectors, the catalogue loader and tests all call these, so every move of a
date (and every withdrawal, reinstatement or publication) leaves a ``Change`` row and raises
the entry's revision (which calendar feeds publish as SEQUENCE and the notifier keys its change
emails on). Nothing else should save these fields. Once a transaction that wrote history
commits, ``signals.catalogue_changed`` is sent, so that subscribers hear of it within minutes.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from deprecations import signals, status
from deprecations.models import Alias, Change, Citation, Offering, Retirement, Vendor
from deprecations.status import status_on
from deprecations.weburl import is_web_url

DATE_FIELDS = ("announced_on", "deprecated_on", "shutdown_on")


@transaction.atomic
def create_retirement(
    vendor: Vendor,
    identifier: str,
    *,
    kind: str = Offering.Kind.MODEL,
    display_name: str = "",
    aliases: list[str] | tuple[str, ...] = (),
    announced_on: date | None = None,
    deprecated_on: date | None = None,
    shutdown_on: date | None = None,
    shutdown_precision: str = Retirement.Precision.DAY,
    shutdown_tentative: bool = False,
    replacements: list[str] | tuple[str, ...] = (),
    notes: str = "",
    published: bool = True,
    today: date | None = None,
    citations: list[dict] | tuple[dict, ...] = (),
    by=None,
    via: str = "",
    now: datetime | None = None,
    dated: datetime | None = None,
) -> Retirement:
    """Create an offering (if new) and its retirement entry, with a "created" history row.

    ``dated``: when the retirement became known, if before ``now`` (the shipped catalogue's
    entries date from their announcement, so a fresh install has history, not news).
    """
    offering, _ = Offering.objects.get_or_create(
        vendor=vendor, identifier=identifier,
        defaults={"kind": kind, "display_name": display_name},
    )
    entry = Retirement(
        offering=offering,
        announced_on=announced_on,
        deprecated_on=deprecated_on,
        shutdown_on=shutdown_on,
        shutdown_precision=shutdown_precision,
        shutdown_tentative=shutdown_tentative,
        replacements=list(replacements),
        notes=notes,
        published=published,
        revision=0,
        status=(status_on(shutdown_on, today, tentative=shutdown_tentative) if today
                else Retirement.Status.SCHEDULED),
    )
    entry.full_clean(exclude=["offering"])
    entry.save()
    add_aliases(offering, aliases)
    for citation in citations:
        add_citation(entry, **citation)
    record_created(entry, by=by, via=via, now=now, dated=dated)
    return entry


def record_created(entry: Retirement, *, by=None, via: str = "", now=None,
                   dated=None) -> Change:
    """The first history row of an entry saved by other means (the admin's add form)."""
    return _record(entry, Change.Kind.CREATED, by=by, via=via, now=now, dated=dated,
                   field="shutdown_on" if entry.shutdown_on else "", new_date=entry.shutdown_on,
                   new_tentative=entry.shutdown_tentative)


def add_aliases(offering: Offering, aliases) -> None:
    for name in aliases:
        if name and name != offering.identifier:
            Alias.objects.get_or_create(offering=offering, name=name)


def add_citation(entry: Retirement, *, url: str, title: str = "", retrieved_on=None,
                 quote: str = "") -> Citation:
    if not is_web_url(url):  # documents are hostile: a javascript: link must never be stored
        raise ValueError(f"a citation must be an http(s) URL, not {url!r:.200}")
    citation, _ = Citation.objects.get_or_create(
        retirement=entry, url=url,
        defaults={"title": title, "retrieved_on": retrieved_on, "quote": quote},
    )
    return citation


def move_date(entry: Retirement, field: str, new_date: date | None, **kwargs) -> bool:
    """Set one of the entry's dates, recording the move. See ``move_dates``."""
    return move_dates(entry, {field: new_date}, **kwargs)


@transaction.atomic
def move_dates(
    entry: Retirement,
    dates: dict[str, date | None],
    *,
    by=None,
    via: str = "",
    note: str = "",
    now: datetime | None = None,
    precision: str | None = None,
    tentative: bool | None = None,
) -> bool:
    """Set some of the entry's dates at once, one history row per date that moved.

    ``precision`` and ``tentative``, when given with a shutdown date, qualify it; a change of
    either alone is a move of the shutdown date too (its history row shows the same date with
    the new qualifier). Returns False if nothing changed. Raises ValidationError if the result
    would break the entry's rules (a shutdown before the announcement); nothing is saved then.
    """
    unknown = set(dates) - set(DATE_FIELDS)
    if unknown:
        raise ValueError(f"{sorted(unknown)} are not dates of an entry; use {DATE_FIELDS}")
    entry = Retirement.objects.select_for_update().get(pk=entry.pk)
    moved = {f: (getattr(entry, f), d) for f, d in dates.items() if getattr(entry, f) != d}
    shutdown = "shutdown_on" in dates
    new_precision = shutdown and precision and precision != entry.shutdown_precision
    was_tentative = entry.shutdown_tentative
    new_tentative = shutdown and tentative is not None and tentative != was_tentative
    if not moved and not new_precision and not new_tentative:
        return False
    for f, (_, new) in moved.items():
        setattr(entry, f, new)
    if new_precision:
        entry.shutdown_precision = precision
    if new_tentative:
        entry.shutdown_tentative = tentative
    if new_precision or new_tentative:
        moved.setdefault("shutdown_on", (entry.shutdown_on, entry.shutdown_on))
    entry.full_clean(exclude=["offering"])
    entry.save()
    for f, (old, new) in moved.items():
        qualifiers = ({"old_tentative": was_tentative, "new_tentative": entry.shutdown_tentative}
                      if f == "shutdown_on" else {})
        _record(entry, Change.Kind.MOVED, field=f, old_date=old, new_date=new,
                by=by, via=via, note=note, now=now, **qualifiers)
    return True


def set_details(entry: Retirement, *, replacements=None, notes: str | None = None) -> bool:
    """Set an entry's replacements or notes. They have no history of their own (only dates
    do), but calendars show them, so the revision moves. Returns False if nothing changed."""
    details = {k: v for k, v in (("replacements", None if replacements is None
                                  else list(replacements)), ("notes", notes))
               if v is not None and getattr(entry, k) != v}
    if not details:
        return False
    Retirement.objects.filter(pk=entry.pk).update(revision=F("revision") + 1, **details)
    entry.refresh_from_db(fields=["revision", "updated_at", *details])
    return True


@transaction.atomic
def withdraw(entry: Retirement, *, by=None, via: str = "", note: str = "",
             now: datetime | None = None) -> bool:
    """The vendor called the retirement off: keep the entry, mark it withdrawn."""
    return _set_status(entry, Retirement.Status.WITHDRAWN, Change.Kind.WITHDRAWN,
                       by=by, via=via, note=note, now=now)


@transaction.atomic
def reinstate(entry: Retirement, *, today: date, by=None, via: str = "", note: str = "",
              now: datetime | None = None) -> bool:
    """Undo a withdrawal."""
    status = status_on(entry.shutdown_on, today, tentative=entry.shutdown_tentative)
    return _set_status(entry, status, Change.Kind.REINSTATED, by=by, via=via, note=note, now=now)


@transaction.atomic
def publish(entry: Retirement, *, by=None, via: str = "", note: str = "",
            now: datetime | None = None) -> bool:
    """Show an entry that waited for review on the pages, the feeds and the API, with a
    "published" history row giving its shutdown date. False if it was published already."""
    entry = Retirement.objects.select_for_update().get(pk=entry.pk)
    if entry.published:
        return False
    entry.published = True
    entry.save(update_fields=["published", "updated_at"])
    _record(entry, Change.Kind.PUBLISHED, by=by, via=via, note=note, now=now,
            field="shutdown_on" if entry.shutdown_on else "", new_date=entry.shutdown_on,
            new_tentative=entry.shutdown_tentative)
    return True


def refresh_statuses(today: date) -> int:
    """Bring every non-withdrawn entry's status to what ``status.status_on`` says for ``today``
    (retired once its date has passed, "may shut down any day" once a "not before" day has).

    Retiring on schedule is what an entry says will happen, not a change of it: no history row
    and no new revision. Returns how many entries changed status.
    """
    values = (Retirement.Status.RETIRED, Retirement.Status.DUE, Retirement.Status.SCHEDULED)
    return sum(Retirement.objects.filter(status.rule(value, today)).exclude(status=value)
               .update(status=value, updated_at=timezone.now()) for value in values)


def _set_status(entry, status, kind, *, by, via, note, now) -> bool:
    entry = Retirement.objects.select_for_update().get(pk=entry.pk)
    if entry.status == status:
        return False
    entry.status = status
    entry.save(update_fields=["status", "updated_at"])
    _record(entry, kind, by=by, via=via, note=note, now=now)
    return True


def _record(entry: Retirement, kind: str, *, by=None, via: str = "", note: str = "",
            now: datetime | None = None, dated: datetime | None = None, field: str = "",
            old_date=None, new_date=None, old_tentative: bool = False,
            new_tentative: bool = False) -> Change:
    """Bump the revision (in the database, so concurrent writers never lose one) and log it:
    recorded ``now``, and dated ``dated`` when it happened earlier."""
    Retirement.objects.filter(pk=entry.pk).update(revision=F("revision") + 1)
    entry.refresh_from_db(fields=["revision", "updated_at"])
    signals.announce_after_commit()
    now = now or timezone.now()
    return Change.objects.create(
        retirement=entry, kind=kind, field=field, old_date=old_date, new_date=new_date,
        old_tentative=old_tentative, new_tentative=new_tentative, revision=entry.revision,
        changed_at=min(dated, now) if dated else now, recorded_at=now,
        changed_by=by if getattr(by, "pk", None) else None, via=via, note=note,
    )

