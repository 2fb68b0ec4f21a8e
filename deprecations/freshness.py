"""How current the catalogue's dates are: when the sources were last read, and whether a
visitor should be told that the dates may be out of date.

Each watched source (enabled, a vendor's own page or changelog: trackers are only hints) is
good as of its last successful read or, never read here, as of the shipped catalogue's
``as_of`` (the catalogue was built from these pages then). A source not good for more than
``STALE_AFTER`` (unreachable, blocked, or the worker not running) makes the data stale: the
home page says so with the age, and ``/api/v1/`` reports the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from deprecations import clock
from deprecations.models import CatalogueLoad, Source

STALE_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Lagging:
    """A watched source not read successfully for more than ``STALE_AFTER``."""

    source: Source
    good_as_of: datetime | None  # its last successful read, or the catalogue's as_of
    age: timedelta | None

    @property
    def age_days(self) -> int | None:
        return self.age.days if self.age is not None else None


@dataclass(frozen=True)
class Freshness:
    now: datetime
    catalogue_as_of: date | None
    sources_read_at: datetime | None  # the newest successful read of any watched source
    watched: int
    lagging: list[Lagging] = field(default_factory=list)

    @property
    def data_as_of(self) -> datetime | None:
        """The newest moment the dates were known to be current."""
        known = [m for m in (self.sources_read_at, _start_of(self.catalogue_as_of)) if m]
        return max(known) if known else None

    @property
    def age(self) -> timedelta | None:
        return max(self.now - self.data_as_of, timedelta(0)) if self.data_as_of else None

    @property
    def age_days(self) -> int | None:
        return self.age.days if self.age is not None else None

    @property
    def stale(self) -> bool:
        """Whether to warn that dates may be out of date."""
        if self.watched:
            return bool(self.lagging)
        return self.age is not None and self.age > STALE_AFTER

    @property
    def all_lagging(self) -> bool:
        return self.stale and len(self.lagging) == self.watched


def _start_of(day: date | None) -> datetime | None:
    return clock.start_of(day) if day else None


def watched_sources():
    return (Source.objects.filter(enabled=True).exclude(authority=Source.Authority.SECONDARY)
            .select_related("vendor").order_by("slug"))


def freshness(*, now: datetime) -> Freshness:
    """Two queries: the catalogue's newest ``as_of`` and the watched sources."""
    load = CatalogueLoad.objects.order_by("-as_of").first()
    as_of = load.as_of if load else None
    sources = list(watched_sources())
    lagging = []
    for source in sources:
        good = source.last_success_at or _start_of(as_of)
        age = max(now - good, timedelta(0)) if good else None
        if age is None or age > STALE_AFTER:
            lagging.append(Lagging(source, good, age))
    read = [s.last_success_at for s in sources if s.last_success_at]
    return Freshness(now=now, catalogue_as_of=as_of, sources_read_at=max(read) if read else None,
                     watched=len(sources), lagging=lagging)
