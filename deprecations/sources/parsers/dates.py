"""Find and read calendar dates in vendor prose and table cells, without guessing.

Vendors write dates in many shapes (``2026-09-28``, ``2026‑03‑26`` with non-breaking hyphens,
``July 15th, 2025 (all Regions)``, ``Mar 1, 2026``, ``November 12:`` under a dated heading,
``in October, 2025``, ``2024/11/30``, ``7/31/2026``, ``16 février 2026``, ``1er mars 2026``).
Each shape is an explicit regular expression; a candidate that is not a real calendar date
(``2026-02-31``) is dropped, never "corrected". ``dateutil``'s fuzzy mode is not used because on
prose it turns stray numbers into dates.

Results carry a precision: ``DAY``, or ``MONTH`` for ``October 2025`` (stored as the first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from deprecations.sources.records import DAY, MONTH

__all__ = ["DAY", "MONTH", "find_dates", "infer_numeric_order", "parse_date"]

MIN_YEAR, MAX_YEAR = 1990, 2199

# Month names and abbreviations, lower case. French is written in lower case; both tables are
# matched case-insensitively (see _AMBIGUOUS_WORDS for the exceptions).
_MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
    # French
    "janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "août": 8, "aout": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12, "déc": 12,
}
# English words that are also month names: only read as months when capitalised ("May 5").
_AMBIGUOUS_WORDS = {"may", "mar", "jan", "dec", "sep", "oct", "nov", "aug", "jun", "jul"}

# Every Unicode hyphen/dash and odd space maps to one ASCII character, so offsets are unchanged.
_NORMALISE = str.maketrans({
    **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
    **{c: " " for c in "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003"},
    "\u2019": "'",
})

_MONTH_ALT = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_MONTH = rf"(?<![^\W\d_])(?P<month>{_MONTH_ALT})\.?(?![^\W\d_])"
_DAY = r"(?P<day>\d{1,2})(?!\d)(?:st|nd|rd|th|er|re)?(?![^\W\d_])"
_YEAR = r"(?P<year>\d{4})(?!\d)"
# Dates glued inside identifiers (gpt-4o-2024-08-06) are names, not dates.
_NOT_IN_ID = r"(?<![\w./-])"
_END_ID = r"(?![\w/]|-\w|\.\d)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 2026-09-28, 2024/11/30, 2025.01.31 (optionally followed by a time: 2025-01-31T00:00)
    ("ymd", re.compile(
        _NOT_IN_ID + r"(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
        r"(?=T\d|(?![\w/]|-\w|\.\d))")),
    # 7/31/2026 or 31/07/2026: which is which is decided by the caller's ``numeric_order``
    ("numeric", re.compile(
        _NOT_IN_ID + r"(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)" + _YEAR + _END_ID)),
    # July 15th, 2025 / Mar 1 2026 / December 09, 2025 / November 12 (year from context)
    ("mdy", re.compile(
        _MONTH + r"\s+" + _DAY + r"(?:(?:\s*,\s*|\s+)" + _YEAR + r")?", re.IGNORECASE)),
    # 16 février 2026 / 1er mars 2026 / 15th of July 2025 / 12 Nov (year from context)
    ("dmy", re.compile(
        r"(?<!\d)" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r"(?:\s*,?\s*" + _YEAR + r")?",
        re.IGNORECASE)),
    # October 2025 / in October, 2025 (month precision)
    ("my", re.compile(_MONTH + r"\s*,?\s+" + _YEAR, re.IGNORECASE)),
]

_EMPTY = re.compile(r"^\s*(?:n/?a|tbd|tba|none|-+|—+|–+)?\s*$", re.IGNORECASE)


def parse_date(text: str, *, default_year: int | None = None,
               numeric_order: str = "mdy") -> tuple[date, str] | None:
    """The first date in ``text`` as ``(date, precision)``, or None (``NA``, ``---``, empty...).

    ``default_year`` completes dates written without a year (``November 12:``) when the year
    is known from the context, e.g. an enclosing heading. ``numeric_order`` ("mdy" or "dmy")
    reads ambiguous numeric dates such as ``3/1/2024``; unambiguous ones (``31/1/2024``) are
    read as written whatever it says.
    """
    if not text or _EMPTY.match(text):
        return None
    found = find_dates(text, default_year=default_year, numeric_order=numeric_order)
    return (found[0][0], found[0][1]) if found else None


def find_dates(text: str, *, default_year: int | None = None,
               numeric_order: str = "mdy") -> list[tuple[date, str, int, int]]:
    """All dates in ``text`` as ``(date, precision, start, end)``, in reading order.

    Overlapping candidates are resolved in favour of the longest (``July 15, 2025`` beats
    ``July 2025``-like partial reads).
    """
    if not text:
        return []
    norm = text.translate(_NORMALISE)
    candidates: list[tuple[int, int, date, str]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(norm):
            read = _read(kind, match, default_year, numeric_order)
            if read:
                candidates.append((match.start(), match.end(), *read))
    return _non_overlapping(candidates)


def infer_numeric_order(texts: Iterable[str], default: str = "mdy") -> str:
    """Guess "mdy" or "dmy" from numeric dates on one page: a day above 12 gives it away."""
    votes = {"mdy": 0, "dmy": 0}
    for text in texts:
        for match in _PATTERNS[1][1].finditer((text or "").translate(_NORMALISE)):
            a, b = int(match["a"]), int(match["b"])
            if a > 12 >= b:
                votes["dmy"] += 1
            elif b > 12 >= a:
                votes["mdy"] += 1
    if votes["mdy"] == votes["dmy"]:
        return default
    return max(votes, key=votes.get)


def _read(kind: str, match: re.Match[str], default_year: int | None,
          numeric_order: str) -> tuple[date, str] | None:
    """Turn one regex match into (date, precision), or None if it is not a real date."""
    groups = match.groupdict()
    if kind == "ymd":
        return _make(int(groups["year"]), int(groups["month"]), int(groups["day"]))
    if kind == "numeric":
        a, b, year = int(groups["a"]), int(groups["b"]), int(groups["year"])
        if a > 12 >= b or (numeric_order == "dmy" and b <= 12):
            return _make(year, b, a)
        return _make(year, a, b)
    month = _month_number(match.group("month"))
    if month is None:
        return None
    if kind == "my":
        return _make(int(groups["year"]), month, 1, MONTH)
    year = int(groups["year"]) if groups.get("year") else default_year
    if year is None:
        return None
    return _make(year, month, int(groups["day"]))


def _month_number(word: str) -> int | None:
    lower = word.lower()
    if lower in _AMBIGUOUS_WORDS and not word[0].isupper():
        return None  # "you may 2x..." is not May
    return _MONTHS.get(lower)


def _make(year: int, month: int, day: int, precision: str = DAY) -> tuple[date, str] | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day), precision
    except ValueError:
        return None  # 2026-02-31 is a typo we must not silently repair


def _non_overlapping(candidates: list[tuple[int, int, date, str]]
                     ) -> list[tuple[date, str, int, int]]:
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    out: list[tuple[date, str, int, int]] = []
    taken_until = -1
    for start, end, when, precision in candidates:
        if start >= taken_until:
            out.append((when, precision, start, end))
            taken_until = end
    return out
