"""The timeline picture: a pure function from entries to the shapes an SVG template draws.

No database and no drawing here: positions are computed in the SVG's own units (its viewBox),
so the picture scales to any screen; the template only places what this module computed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext, pgettext

from deprecations import status
from deprecations.models import Retirement
from deprecations.queries import urgency

WIDTH = 1000
# Room on the left for vendor names: about 12 characters at the phone font size (the CSS
# makes text bigger in user units as the drawing shrinks), 26 on a wide screen.
LABEL = 240
ROW = 40
TOP = 40  # room for the month axis (tick labels sit on y=30, grid lines start at y=36)
BOTTOM = 28  # room for the "today" label under the last row
# Marks closer than this (in viewBox units, about 57 days on the 25-month window) would touch
# on a phone, where the CSS draws them bigger: they are drawn as one mark with a count. A
# cluster's mark is 50 units wide there (r: 25px in depcal.css), room for a two-digit count.
CLUSTER_GAP = 56
# The "today" label is written leftwards of its line when less room than this is left.
TODAY_LABEL_ROOM = 200
BANDS = ("within-7", "within-30", "within-90")  # most urgent first


@dataclass
class Mark:
    x: float
    y: float
    title: str  # what assistive technology reads, and the tooltip
    url: str
    past: bool
    band: str = ""
    kind: str = "shutdown"
    tentative: bool = False  # the earliest possible day, drawn hollow
    count: int = 1  # more than one: a cluster of marks too close to draw apart
    anchor: str = ""  # the id of the month that lists it on its vendor's page


@dataclass
class Row:
    label: str
    url: str
    y: float
    marks: list[Mark] = field(default_factory=list)


@dataclass
class Tick:
    x: float
    label: str
    year: bool  # January (or the first tick): the label carries the year
    year_label: str = ""


@dataclass
class Timeline:
    start: date
    end: date
    today_x: float
    width: int
    height: int
    rows: list[Row]
    ticks: list[Tick]
    label_x: int = LABEL
    title: str = ""

    @property
    def mark_count(self) -> int:
        return sum(m.count for r in self.rows for m in r.marks)

    @property
    def today_label_leftwards(self) -> bool:
        return self.today_x > self.width - TODAY_LABEL_ROOM


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def window(today: date, before: int = 12, after: int = 12) -> tuple[date, date]:
    """From the first of the month ``before`` months ago to the end of ``after`` months on."""
    return add_months(today, -before), add_months(today, after + 1)


def _x(day: date, start: date, end: date) -> float:
    span = (end - start).days or 1
    return round(LABEL + (WIDTH - LABEL - 10) * (day - start).days / span, 1)


def _short(day: date) -> str:
    """A short date in the active language: "17 Feb 2026", "17 févr. 2026"."""
    return date_format(day, "SHORT_DATE_FORMAT")


def _ticks(start: date, end: date) -> list[Tick]:
    # The month's short name in the active language ("Feb", "févr."): a date format, so that
    # each language picks the form its readers expect.
    fmt = pgettext("Django date format of a month on the timeline axis: Feb", "M")
    ticks, month = [], start
    while month < end:
        first = month.month == 1 or month == start
        ticks.append(Tick(_x(month, start, end), date_format(month, fmt), first, str(month.year)))
        month = add_months(month, 1)
    return ticks


def build(entries, *, today: date, group=lambda e: (e.offering.vendor.name,
                                                     e.offering.vendor.get_absolute_url()),
          before: int = 12, after: int = 12, title: str = "") -> Timeline:
    """One row per vendor (or per ``group``), one mark per shutdown date inside the window."""
    start, end = window(today, before, after)
    rows: dict[tuple[str, str], list] = defaultdict(list)
    for e in entries:
        if e.shutdown_on and start <= e.shutdown_on < end:
            rows[group(e)].append(e)
    built = []
    for i, ((label, url), items) in enumerate(sorted(rows.items())):
        y = TOP + ROW * i + ROW / 2
        marks = []
        for e in sorted(items, key=lambda e: (e.shutdown_on, e.offering.identifier)):
            days = (e.shutdown_on - today).days
            text = (gettext("%(identifier)s (%(vendor)s): shutdown %(date)s")
                    if not e.shutdown_tentative else
                    gettext("%(identifier)s (%(vendor)s): shutdown not before %(date)s"))
            name = text % {"identifier": e.offering.identifier, "vendor": label,
                           "date": _short(e.shutdown_on)}
            gone = (status.status_on(e.shutdown_on, today, tentative=e.shutdown_tentative)
                    == Retirement.Status.RETIRED)
            marks.append(Mark(_x(e.shutdown_on, start, end), y, name, e.get_absolute_url(),
                              gone, urgency(max(days, 0) if not gone else days),
                              tentative=e.shutdown_tentative,
                              anchor=f"{'past' if gone else 'up'}-{e.shutdown_on:%Y-%m}"))
        built.append(Row(label, url, y, _clustered(marks, url=url)))
    height = TOP + ROW * max(len(built), 1) + BOTTOM
    return Timeline(start, end, _x(today, start, end), WIDTH, height, built, _ticks(start, end),
                    title=title)


def _clustered(marks: list[Mark], *, url: str = "") -> list[Mark]:
    """Marks in time order, those closer than ``CLUSTER_GAP`` to the first of their group
    drawn as one: at that first mark's place, named for every mark it holds, linking to
    ``url`` at the month of its first mark (the vendor page lists them all), and as urgent as
    its most urgent member. Groups start at least ``CLUSTER_GAP`` apart, so none touch."""
    groups: list[list[Mark]] = []
    for mark in sorted(marks, key=lambda m: m.x):
        if groups and mark.x - groups[-1][0].x < CLUSTER_GAP:
            groups[-1].append(mark)
        else:
            groups.append([mark])
    return [group[0] if len(group) == 1 else _cluster(group, url=url) for group in groups]


def _cluster(group: list[Mark], *, url: str) -> Mark:
    first = group[0]
    title = ngettext("%(count)d date: %(dates)s", "%(count)d dates: %(dates)s", len(group)) % {
        "count": len(group),
        "dates": pgettext("between the dates of a cluster", "; ").join(m.title for m in group)}
    bands = {m.band for m in group}
    return Mark(first.x, first.y, title, f"{url}#{first.anchor}" if url and first.anchor else "",
                past=all(m.past for m in group),
                band=next((b for b in BANDS if b in bands), ""), kind="cluster",
                tentative=all(m.tentative for m in group), count=len(group))


def _fact(kind: str, day: date, tentative: bool = False) -> str:
    texts = {"announced": gettext("announced %(date)s"),
             "deprecated": gettext("deprecated %(date)s"),
             "shutdown": (gettext("shutdown not before %(date)s") if tentative
                          else gettext("shutdown %(date)s"))}
    return texts[kind] % {"date": _short(day)}


def _earlier(field_name: str, old: date, changed: date, tentative: bool = False) -> str:
    texts = {"announced_on": gettext("announcement was %(old)s until %(changed)s"),
             "deprecated_on": gettext("deprecation was %(old)s until %(changed)s")}
    shutdown = (gettext("shutdown was not before %(old)s until %(changed)s") if tentative
                else gettext("shutdown was %(old)s until %(changed)s"))
    return texts.get(field_name, shutdown) % {"old": _short(old), "changed": _short(changed)}


def retirement_line(entry, changes, *, today: date) -> Timeline:
    """One entry's own line: announced, deprecated, shutdown, and every earlier date it had."""
    facts = [(entry.announced_on, "announced"), (entry.deprecated_on, "deprecated"),
             (entry.shutdown_on, "shutdown")]
    moves = [(c.old_date, _earlier(c.field, c.old_date, c.changed_at, c.old_tentative))
             for c in changes if c.kind == "moved" and c.old_date and c.old_date != c.new_date]
    days = [d for d, _ in facts + moves if d] + [today]
    start = add_months(min(days), -1)
    end = add_months(max(days), 2)
    y = TOP + ROW / 2
    marks = []
    for day, kind in facts:
        if day:
            tentative = kind == "shutdown" and entry.shutdown_tentative
            marks.append(Mark(_x(day, start, end), y, _fact(kind, day, tentative), "",
                              day < today, kind=kind, tentative=tentative))
    marks += [Mark(_x(day, start, end), y, text, "", day < today, kind="moved")
              for day, text in moves]
    row = Row(entry.offering.identifier, entry.get_absolute_url(), y, _clustered(marks))
    return Timeline(start, end, _x(today, start, end), WIDTH, TOP + ROW + BOTTOM, [row],
                    _ticks_sparse(start, end))


def _ticks_sparse(start: date, end: date) -> list[Tick]:
    """At most about a dozen ticks, so long spans stay legible."""
    ticks = _ticks(start, end)
    step = max(1, len(ticks) // 12)
    return [t for i, t in enumerate(ticks) if i % step == 0 or t.year]
