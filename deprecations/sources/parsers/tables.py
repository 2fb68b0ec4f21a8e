"""The generic deprecation-table parser: which tables hold retirements, and their rows as records.

Vendors publish retirements as tables whose columns change from page to page (and from section
to section on one page): a model column, one or more date columns (shutdown / retirement / EOL /
sunset / deprecation / legacy ...) and a replacement column. The stages, one module each:
``table_reader`` reads the tables of an HTML or Markdown document; ``table_columns`` recognises
the columns from their header text and reads the names in a cell; this module, the parser, turns
each row into one :class:`Record` per model named in it. A "timeline" table (``Date`` |
``Update``) gives a record for each row whose update says that something shuts down or stops
being available.

Context comes from the enclosing headings and their prose: a heading that starts with a date
(``2025-09-26: Legacy GPT model snapshots``) is the announcement date of the tables under it,
and its ``id`` is the record's anchor; a section that says its dates are the earliest possible
ones ("won't be moved to an earlier date") makes its shutdown dates tentative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from deprecations.sources.parsers import changelog
from deprecations.sources.parsers.dates import find_dates, infer_numeric_order, parse_date
from deprecations.sources.parsers.registry import register
from deprecations.sources.parsers.section_reader import sections_from
from deprecations.sources.parsers.table_columns import (
    EMPTY_CELL,
    Columns,
    Timeline,
    code_names,
    deprecation_tables,
    row_cell,
    row_models,
    split_replacements,
    unique,
    with_replacements,
)
from deprecations.sources.parsers.table_reader import Cell, Heading, Table
from deprecations.sources.parsers.text import (
    ANNOUNCEMENT_SAID,
    DEPRECATION_HEADER,
    ENDPOINT_WORDS,
    RETIREMENT_HEADER,
    STOP_IN_TIMELINE,
    clean_text,
    decode,
    guess_vendor,
    is_lower_bound,
    kind_of,
    strip_footnote,
)
from deprecations.sources.records import DAY, Record

# ---------------------------------------------------------------------------------------------
# Rows to records


def heading_date(headings: list[Heading]) -> date | None:
    """The date a heading starts with (``2025-09-26: ...``), nearest heading first.

    A date later in a heading ("Models retiring 2026-01-05") is not an announcement date.
    """
    for h in headings:
        found = find_dates(h.text)
        if found and not h.text[:found[0][2]].strip(" :-—–#"):
            return found[0][0]
    return None


@dataclass(frozen=True)
class Context:
    """Per-document settings; ``numeric_order="auto"`` infers mdy/dmy from the page's dates."""

    vendor: str
    url: str = ""
    numeric_order: str = "mdy"


@dataclass(frozen=True)
class _Section:
    """What the headings above a table, and their prose, say about its rows."""

    announced: date | None
    implied_deprecation: date | None
    default_year: int | None
    anchor: str
    earliest: bool = False  # the section gives its dates as the earliest possible ones


# A sentence about dates that qualifies them all: "The shutdown dates listed in the table
# indicate the earliest possible dates", "they won't be moved to an earlier date".
_SENTENCE = re.compile(r"[^.!?]+[.!?]?")
_ABOUT_DATES = re.compile(r"\b(?:dates?|timelines?)\b", re.IGNORECASE)
_PAST_SECTION = re.compile(r"\b(?:retired|shut\s?down|past|previous|history|ended)\b",
                           re.IGNORECASE)


def _earliest_dates(table: Table) -> bool:
    """Whether the table's sections say its dates are the earliest possible, unless the
    nearest heading files the table as the past ("Retired models": those dates happened)."""
    if table.headings and _PAST_SECTION.search(table.headings[0].text):
        return False
    return any(is_lower_bound(sentence) and _ABOUT_DATES.search(sentence)
               for prose in table.prose for sentence in _SENTENCE.findall(prose))


def table_records(table: Table, cols: Columns | Timeline, ctx: Context) -> list[Record]:
    """One record per model per row of a recognised table."""
    if isinstance(cols, Timeline):
        return timeline_records(table, cols, ctx)
    announced = heading_date(table.headings)
    # "When we announce that a model is being deprecated, it immediately becomes deprecated":
    # under a dated heading on a deprecations page the announcement is the deprecation, unless
    # the column says the models are merely legacy.
    words = " ".join([h.text for h in table.headings] + table.header)
    legacy = bool(re.search(r"legacy", table.header[cols.model], re.IGNORECASE))
    section = _Section(
        announced=announced,
        implied_deprecation=announced if DEPRECATION_HEADER.search(words) and not legacy else None,
        default_year=announced.year if announced else None,
        anchor=next((h.anchor for h in table.headings if h.anchor), ""),
        earliest=_earliest_dates(table),
    )
    records: list[Record] = []
    for row in table.rows:
        records.extend(_row_records(row, table, cols, ctx, section))
    return records


def _row_dates(row, table, cols, ctx, section) -> tuple[dict, list[str]]:
    """Parsed (date, precision) per role, and notes for dates that carry qualifiers."""
    dates, notes = {}, []
    for role in ("shutdown", "deprecated", "announced"):
        index = getattr(cols, role)
        cell = row_cell(row, index)
        parsed = parse_date(cell.text, default_year=section.default_year,
                            numeric_order=ctx.numeric_order) if cell else None
        dates[role] = parsed
        if parsed and _qualified(cell.text):
            notes.append(f"{table.header[index]}: {cell.text}")  # "(all Regions)", "at earliest"
    for index in cols.other_dates:
        cell = row_cell(row, index)
        if cell and not EMPTY_CELL.match(cell.text):
            notes.append(f"{table.header[index]}: {cell.text}")
    return dates, notes


def _row_records(row, table, cols, ctx, section: _Section) -> list[Record]:
    models = row_models(row, cols)
    if not models:
        return []
    dates, notes = _row_dates(row, table, cols, ctx, section)
    if not (dates["deprecated"] or dates["shutdown"]):
        return []  # an active model, or a row with no date a calendar could hold
    # "Not sooner than June 9, 2027", "May 7, 2027 or later", or a section that says all its
    # dates are the earliest possible: the shutdown date is a lower bound, not a promise.
    shutdown_cell = row_cell(row, cols.shutdown)
    tentative = bool(dates["shutdown"]) and (
        section.earliest or is_lower_bound(shutdown_cell.text if shutdown_cell else ""))
    replacement_cell = row_cell(row, cols.replacement)
    replacements = tuple(split_replacements(replacement_cell)) if replacement_cell else ()
    if replacement_cell and replacement_cell.text and not replacements:
        notes.append(f"replacement: {replacement_cell.text}")  # "View transition guide"
    if any(c.text.endswith(("*", "†")) for c in row) and table.footnotes:
        notes.extend(table.footnotes)
    name_cell = row_cell(row, cols.name)
    shutdown = dates["shutdown"]
    extra = {"cells": {h: c.text for h, c in zip(table.header, row, strict=False) if h},
             "links": [link for c in row for link in c.links]}
    # A heading dated with the row's own shutdown day ("August 16, 2026: model-x") names the
    # shutdown, not the announcement.
    heading = section if not shutdown or shutdown[0] != section.announced else _Section(
        None, None, section.default_year, section.anchor, section.earliest)
    return [Record(
        vendor=ctx.vendor, model=model,
        announced=dates["announced"][0] if dates["announced"] else heading.announced,
        deprecated=dates["deprecated"][0] if dates["deprecated"]
        else heading.implied_deprecation,
        shutdown=shutdown[0] if shutdown else None,
        shutdown_precision=shutdown[1] if shutdown else DAY, tentative=tentative,
        replacements=replacements, kind=kind_of(model),
        name=strip_footnote(name_cell.text) if name_cell and len(models) == 1 else "",
        source_url=ctx.url, anchor=section.anchor,
        source_text=clean_text(" | ".join(c.text for c in row)),
        notes="; ".join(unique(notes)),
        # the other names the same cell gives (`gpt-4-0613` \| `gpt-4`, ...): its aliases
        extra={**extra, "aliases": [m for m in models if m != model]},
    ) for model in models]


def _qualified(text: str) -> bool:
    """Whether a date cell says more than the date: "at earliest ...", "(all Regions)"."""
    found = find_dates(text)
    rest = text[:found[0][2]] + text[found[0][3]:] if found else text
    return bool(rest.strip(" .,;"))


# ---------------------------------------------------------------------------------------------
# Timeline tables: "Nov 30, 2026 | Agent Builder is scheduled to shut down."

_VERB = re.compile(r"\s+(?:is|are|was|were|will|has|have|gets?|becomes?)\b", re.IGNORECASE)
_CONJUNCT = re.compile(r"\s*(?:,|\band\b)\s*", re.IGNORECASE)
_DETERMINER = re.compile(r"^(?:the|a|an|our|all|existing)\s+", re.IGNORECASE)


def timeline_records(table: Table, cols: Timeline, ctx: Context) -> list[Record]:
    """One record per thing a row says shuts down (or stops being available) on the row's date.

    What shuts down is what the row names by identifier (``The `v1/prompts` API and reusable
    prompt objects``), else the topic of the heading above (``2026-06-03: Agent Builder``,
    ``Update to OpenAI's self-serve fine-tuning``); a row that names neither gives nothing, and
    a row that only announces ("Deprecation announced") gives nothing either. A stop per tier
    of customers is a row each: every one is a day something stops working for someone.
    """
    own_prose = table.prose[0] if table.prose else ""
    announced = heading_date(table.headings) or notified_on(own_prose)
    topic = heading_topic(table.headings, vendor=ctx.vendor, prose=own_prose)
    anchor = next((h.anchor for h in table.headings if h.anchor), "")
    out = []
    for row in table.rows:
        when_cell, event = row_cell(row, cols.date), row_cell(row, cols.event)
        words = STOP_IN_TIMELINE.search(event.text) if event else None
        found = parse_date(when_cell.text, default_year=announced.year if announced else None,
                           numeric_order=ctx.numeric_order) if when_cell and words else None
        if not found:
            continue
        subjects = _subjects(event, words.start()) or ([(topic, "feature")] if topic else [])
        out.extend(Record(
            vendor=ctx.vendor, model=name, kind=kind, announced=announced, shutdown=found[0],
            shutdown_precision=found[1], tentative=is_lower_bound(when_cell.text),
            source_url=ctx.url, anchor=anchor, source_text=f"{when_cell.text} | {event.text}",
        ) for name, kind in subjects)
    return out


def heading_topic(headings: list[Heading], *, vendor: str = "", prose: str = "") -> str:
    """What a heading is about: ``2026-06-03: Agent Builder`` -> ``Agent Builder``.

    A dated heading at any level names it. Else the nearest heading does, once stripped of
    "Update to" and the vendor's possessive (``Update to OpenAI's self-serve fine-tuning`` ->
    ``self-serve fine-tuning``), if its section's own ``prose`` names the same thing: an
    undated heading may be a section's title ("Upcoming deprecations", "Timeline") rather than
    a product, and a shutdown filed under a section's title is a wrong row.
    """
    for h in headings:
        found = find_dates(h.text)
        if found and not h.text[:found[0][2]].strip(" :-—–#"):
            return _topic_name(h.text[found[0][3]:], vendor)
    if not headings:
        return ""
    topic = _topic_name(headings[0].text, vendor)
    if not topic or find_dates(topic) or _SECTION_TITLE.search(topic) \
            or RETIREMENT_HEADER.search(topic):
        return ""
    return topic if topic.lower() in clean_text(prose).lower() else ""


_UPDATE_TO = re.compile(r"^(?:updates?|changes?)\s+(?:to|for|on)\s+", re.IGNORECASE)
# Headings that file things rather than name one.
_SECTION_TITLE = re.compile(
    r"\b(?:timelines?|schedules?|changelogs?|release notes|updates?|upcoming|past|history"
    r"|overview|dates?|notices?|announcements?|faq)\b", re.IGNORECASE)


def _topic_name(text: str, vendor: str) -> str:
    """A heading's words as a name: no "Update to", no "OpenAI's", no footnote mark."""
    name = _UPDATE_TO.sub("", strip_footnote(text.strip(" :-—–|")))
    if vendor:
        name = re.sub(rf"^{re.escape(vendor)}['’]s\s+", "", name, flags=re.IGNORECASE)
    return name.strip()


def notified_on(prose: str) -> date | None:
    """The day a section's prose says the vendor told people: "On May 7th, 2026, we notified
    developers ...". Only a date written before the word counts: "we will notify you before
    June 1" is not a notice given."""
    for sentence in _SENTENCE.findall(prose):
        said = ANNOUNCEMENT_SAID.search(sentence)
        found = find_dates(sentence[:said.start()]) if said else []
        if found:
            return found[-1][0]
    return None


def _subjects(event: Cell, end: int) -> list[tuple[str, str]]:
    """(name, kind) of what the sentence before ``end`` is about, when it names identifiers:
    the identifiers, and any other things listed with them as written."""
    subject = _VERB.split(event.text[:end], maxsplit=1)[0]
    codes = [c for c in code_names(event) if c in subject]
    if not codes:
        return []
    out = []
    for part in _CONJUNCT.split(subject):
        named = [c for c in codes if c in part]
        if named:
            kind = "endpoint" if ENDPOINT_WORDS.search(part) else kind_of(named[0])
            out.extend((c, kind) for c in named)
        elif part.strip():
            out.append((_DETERMINER.sub("", part.strip()), "feature"))
    return out


def records_from_text(text: str, ctx: Context) -> list[Record]:
    tables = list(deprecation_tables(text))
    if ctx.numeric_order == "auto":
        order = infer_numeric_order(c.text for t, _ in tables for r in t.rows for c in r)
        ctx = Context(ctx.vendor, ctx.url, order)
    out: list[Record] = []
    for table, cols in tables:
        out.extend(table_records(table, cols, ctx))
    return out


# ---------------------------------------------------------------------------------------------
# The generic parser


def sniff_tables(data: bytes, url: str) -> float:
    """A low score when the document holds a table that reads as a deprecation table."""
    head = data[:2_000_000] if isinstance(data, bytes) else b""
    low = head.lower()
    if b"<table" not in low and b"|" not in low:
        return 0.0
    try:
        found = next(deprecation_tables(decode(head)), None)
    except RecursionError:
        return 0.0
    return 0.2 if found else 0.0


@register("tables", sniff=sniff_tables, generic=True)
def parse_tables(data: bytes, *, url: str = "", vendor: str | None = None) -> list[Record]:
    """Deprecation tables on any HTML or Markdown page, recognised by their column headers,
    and dated notices in the sections of the page that have no table."""
    text = decode(data)
    try:
        ctx = Context(vendor or guess_vendor(text, url), url, "auto")
        records = records_from_text(text, ctx)
        return with_replacements(records + notices_beside_tables(text, ctx, records), text)
    except RecursionError:
        return []  # absurdly nested markup: nothing we can read


def notices_beside_tables(text: str, ctx: Context, records: list[Record]) -> list[Record]:
    """Retirements written as prose in sections without a table ("X will be shut down on
    DATE"), for models the tables do not name: the prose of a section with a table restates
    its rows."""
    sections = [s for s in sections_from(text) if not s.has_table]
    named = {r.model for r in records}
    return [r for r in changelog.extract(sections, vendor=ctx.vendor, url=ctx.url)
            if r.model not in named]
