"""The timeline picture: a pure function from entries to the shapes an SVG template draws.

No database and no drawing here: positions are computed in the SVG's own units (its viewBox),
so the picture scales to any screen; the template only places what this module computed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from deprecations.queries import urgency

WIDTH = 1000
# Room on the left for vendor names: about 12 characters at the phone font size (the CSS
# makes text bigger in user units as the drawing shrinks), 26 on a wide screen.
LABEL = 240
ROW = 40
TOP = 40  # room for the month axis (tick labels sit on y=30, grid lines start at y=36)
BOTTOM = 28  # room for the "today" label under the last row


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
        return sum(len(r.marks) for r in self.rows)


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
        row = Row(label, url, y)
        seen: dict[float, int] = defaultdict(int)
        for e in sorted(items, key=lambda e: (e.shutdown_on, e.offering.identifier)):
            x = _x(e.shutdown_on, start, end)
            dx, dy = _spread(seen[x])
            seen[x] += 1
            days = (e.shutdown_on - today).days
            text = (gettext("%(identifier)s (%(vendor)s): shutdown %(date)s")
                    if not e.shutdown_tentative else
                    gettext("%(identifier)s (%(vendor)s): shutdown not before %(date)s"))
            name = text % {"identifier": e.offering.identifier, "vendor": label,
                           "date": _short(e.shutdown_on)}
            row.marks.append(Mark(x + dx, y + dy, name, e.get_absolute_url(), days < 0,
                                  urgency(days), tentative=e.shutdown_tentative))
        built.append(row)
    height = TOP + ROW * max(len(built), 1) + BOTTOM
    return Timeline(start, end, _x(today, start, end), WIDTH, height, built, _ticks(start, end),
                    title=title)


def _spread(n: int) -> tuple[float, float]:
    """Where the n-th mark of the same day goes: 0, up, down, twice up, twice down, then the
    next column of five a little to the right, so every mark stays visible and clickable."""
    column, place = divmod(n, 5)
    dy = (place + 1) // 2 * 6 * (-1 if place % 2 else 1)
    return column * 7.0, float(dy)


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


def entry_line(entry, changes, *, today: date) -> Timeline:
    """One entry's own line: announced, deprecated, shutdown, and every earlier date it had."""
    facts = [(entry.announced_on, "announced"), (entry.deprecated_on, "deprecated"),
             (entry.shutdown_on, "shutdown")]
    moves = [(c.old_date, _earlier(c.field, c.old_date, c.changed_at, c.old_tentative))
             for c in changes if c.kind == "moved" and c.old_date and c.old_date != c.new_date]
    days = [d for d, _ in facts + moves if d] + [today]
    start = add_months(min(days), -1)
    end = add_months(max(days), 2)
    y = TOP + ROW / 2
    row = Row(entry.offering.identifier, entry.get_absolute_url(), y)
    for day, kind in facts:
        if day:
            tentative = kind == "shutdown" and entry.shutdown_tentative
            row.marks.append(Mark(_x(day, start, end), y, _fact(kind, day, tentative), "",
                                  day < today, kind=kind, tentative=tentative))
    for day, text in moves:
        row.marks.append(Mark(_x(day, start, end), y, text, "", day < today, kind="moved"))
    return Timeline(start, end, _x(today, start, end), WIDTH, TOP + ROW + BOTTOM, [row],
                    _ticks_sparse(start, end))


def _ticks_sparse(start: date, end: date) -> list[Tick]:
    """At most about a dozen ticks, so long spans stay legible."""
    ticks = _ticks(start, end)
    step = max(1, len(ticks) // 12)
    return [t for i, t in enumerate(ticks) if i % step == 0 or t.year]
