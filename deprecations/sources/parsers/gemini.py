"""Gemini API release notes (ai.google.dev/gemini-api/docs/changelog): a thin layer over the
generic changelog parser.

What is specific to this page:

* vendor "Google Gemini API";
* an entry says "X is now deprecated" / "X is no longer supported" on the day X stopped, so
  the entry's own date is read as that day here (``entry_date_ends``), and only here;
* the notes say "deprecated" where the model stops working ("The following models will be
  deprecated: November 12: ..."; the deprecations table gives the same date as shutdown), so a
  deprecation date with no other end date is the shutdown date. When a later entry says the
  model was removed ("Gemini 1.0 Pro Vision deprecated", a month later "Support ... removed"),
  the generic merge has already made one record with both dates, and "deprecated" keeps its
  ordinary meaning there.

The same model announced twice with different dates (veo-3.0 previews: November 6 in the
2025-10-15 entry, November 12 in the 2025-11-11 entry) gives two records; the later
announcement stands, which the reconciler decides from ``announced``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from deprecations.sources.parsers import changelog
from deprecations.sources.parsers.registry import ParseError, register
from deprecations.sources.parsers.section_reader import sections_from
from deprecations.sources.parsers.text import check_text, decode
from deprecations.sources.records import DAY, Record

VENDOR = "Google Gemini API"
URL = "https://ai.google.dev/gemini-api/docs/changelog"
_URL_RE = re.compile(r"ai\.google\.dev/(?:gemini-api/)?docs/changelog", re.IGNORECASE)


def sniff(data: bytes, url: str = "") -> float:
    """Only Google's own page: its URL, its canonical link, or its title. Other release
    notes that mention the Gemini API are read by the generic changelog parser, which never
    takes an entry's date for a shutdown date."""
    if _URL_RE.search(url or ""):
        return 0.95
    head = decode(data[:200000])
    if re.search(r"<link[^>]+rel=\"canonical\"[^>]+" + _URL_RE.pattern, head, re.IGNORECASE):
        return 0.95
    title = re.search(r"<title>([^<]{0,300})</title>", head, re.IGNORECASE)
    if title and re.search(r"Release notes\W+Gemini API\W+Google AI for Developers",
                           " ".join(title.group(1).replace("&nbsp;", " ").split())):
        return 0.9
    return 0.0


@register("gemini-release-notes", sniff=sniff)
def parse(data: bytes, *, url: str = "", vendor: str | None = None) -> list[Record]:
    """Gemini API release notes: "deprecated" there means the model is shut down."""
    text = decode(data)
    check_text(text)
    sections = sections_from(text)
    if not any(section.when for section in sections):
        raise ParseError("no dated release-note headings: not the Gemini API release notes")
    records = changelog.extract(sections, vendor=vendor or VENDOR, url=url or URL,
                                entry_date_ends=True)
    return [_deprecated_means_shutdown(record) for record in records]


def _deprecated_means_shutdown(record: Record) -> Record:
    if record.deprecated is None or record.shutdown is not None:
        return record
    precision = record.extra.get("deprecated_precision", DAY)
    return replace(record, shutdown=record.deprecated, shutdown_precision=precision,
                   deprecated=None,
                   notes="the Gemini release notes say \"deprecated\" for the end of service")
