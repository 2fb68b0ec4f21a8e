"""The generic deprecation-table parser: which tables hold retirements, and their rows as records.

Vendors publish retirements as tables whose columns change from page to page (and from section
to section on one page): a model column, one or more date columns (shutdown / retirement / EOL /
sunset / deprecation / legacy ...) and a replacement column. ``table_reader`` reads the tables
of an HTML or Markdown document; this module recognises the columns from their header text and
turns each row into one :class:`Record` per model named in it. A "timeline" table (``Date`` |
``Update``) gives a record for each row whose update says that something shuts down.

Context comes from the enclosing headings and their prose: a heading that starts with a date
(``2025-09-26: Legacy GPT model snapshots``) is the announcement date of the tables under it,
and its ``id`` is the record's anchor; a section that says its dates are the earliest possible
ones ("won't be moved to an earlier date") makes its shutdown dates tentative.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from deprecations.sources.parsers import changelog
from deprecations.sources.parsers.dates import find_dates, infer_numeric_order, parse_date
from deprecations.sources.parsers.registry import register
from deprecations.sources.parsers.section_reader import sections_from
from deprecations.sources.parsers.table_reader import Cell, Heading, Table, document_tables
from deprecations.sources.parsers.text import (
    ANNOUNCEMENT_HEADER,
    DEPRECATION_HEADER,
    ENDPOINT_WORDS,
    SHUTDOWN_HEADER,
    SHUTDOWN_SAID,
    clean_text,
    decode,
    first_role,
    guess_vendor,
    is_lower_bound,
    kind_of,
    strip_footnote,
)
from deprecations.sources.records import DAY, Record


@dataclass(frozen=True)
class Columns:
    """Which column holds what; ``None`` when the table has no such column."""

    model: int
    name: int | None = None
    version: int | None = None
    status: int | None = None
    shutdown: int | None = None
    deprecated: int | None = None
    announced: int | None = None
    replacement: int | None = None
    other_dates: tuple[int, ...] = ()

    @property
    def dated(self) -> bool:
        return self.shutdown is not None or self.deprecated is not None


# ---------------------------------------------------------------------------------------------
# Identifiers and replacements in a cell

# Words that may sit between identifiers in one cell without making it prose:
# "gpt-4-0125-preview (including gpt-4-turbo-preview and ..., which point to this snapshot)".
CONNECTORS = frozenset("""
    and or including include includes the alias aliases which that point points pointing to
    this these those snapshot snapshots also as well its of a an both all version versions
    variant variants and/or & formerly previously known same model models e.g. i.e. plus
    latest dated
""".split())
# an identifier: lower case, with a digit or separator, and at least one letter (not "24.02")
_IDENT = re.compile(r"(?=\S*[\d\-_.:/])(?=\S*[a-z])[a-z0-9/][a-z0-9._:/@=+\-]*[a-z0-9*]?")
_TOKEN = re.compile(r"[^\s,;()]+")
_PAREN = re.compile(r"\(([^()]*)\)")
_EMPTY = re.compile(r"^(?:|n/?a|none|tbd|tba|-+|—|–|not applicable|not available|"
                    r"no (?:replacement|alternative|successor)s?(?: available)?)$", re.IGNORECASE)
# A replacement cell that is advice or a link, not a model: "View transition guide".
_NOT_A_MODEL = re.compile(
    r"^(?:view|see|read|refer|learn|check|visit|consult|contact|go to|follow)\b|"
    r"\b(?:guide|documentation|docs|migration|instructions|blog|article|support)\b",
    re.IGNORECASE)


def _is_ident(token: str) -> bool:
    return bool(_IDENT.fullmatch(strip_footnote(token).rstrip(".:")))


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return list(seen)


_HOST = re.compile(r"(?:[a-z0-9-]+\.)+(?:com|ai|io|org|net|dev|cloud)", re.IGNORECASE)


def _drop_remarks(text: str) -> str:
    """Remove parenthetical remarks that name nothing: "(Managed connectors for RAG)",
    "(chat.cohere.com and coral.cohere.com)"."""
    def repl(m: re.Match[str]) -> str:
        inner = m.group(1)
        names = [t for t in _TOKEN.findall(inner) if not _HOST.fullmatch(t)]
        if re.search(r"\d", inner) or any(_is_ident(t) for t in names):
            return m.group(0)  # "(24.02)", "(including gpt-4-turbo-preview ...)"
        return " "
    return clean_text(_PAREN.sub(repl, text))


def split_models(cell: Cell) -> list[str]:
    """The identifiers a model cell names: one, or several when it lists aliases.

    ``gpt-4-0125-preview (including gpt-4-turbo-preview and ...)`` -> three names;
    ``Claude 3 Opus`` or ``New fine-tuning training on babbage-002`` -> the whole text, since the
    words around the identifiers are not mere connectors.
    """
    text = strip_footnote(clean_text(cell.text))
    if _EMPTY.match(text):
        return []
    codes = _code_names(cell)
    if codes:
        outside = text
        for code in sorted(codes, key=len, reverse=True):
            outside = outside.replace(code, " ")
        if _only_connectors(_drop_remarks(outside)):
            return _dedupe(codes)
        return [_drop_remarks(text) or text]
    tokens = _TOKEN.findall(_drop_remarks(text))
    idents = [strip_footnote(t).rstrip(".:") for t in tokens if _is_ident(t)]
    others = [t for t in tokens if not _is_ident(t)]
    if len(idents) >= 2 and _only_connectors(" ".join(others)):
        return _dedupe(idents)
    return [_drop_remarks(text) or text]


def _code_names(cell: Cell) -> list[str]:
    """Code spans that can be names: not a bare version or date (``2025-04-14``)."""
    names = (strip_footnote(clean_text(c)) for c in cell.codes)
    return [n for n in names if re.search(r"[A-Za-z]", n)]


def _only_connectors(text: str) -> bool:
    # "|" separates a snapshot from its aliases: `gpt-4-0613` \| `gpt-4`, `gpt-4-completions`
    words = [w.strip(".,:;()|").lower() for w in text.split()]
    return all(not w or w in CONNECTORS for w in words)


_ALTERNATIVE_SPLIT = re.compile(r"\s*(?:,|;|\||\s/\s|\bor\b|\band\b)\s*", re.IGNORECASE)
_QUALIFIER = re.compile(r"\s+(?:in|for|on|via|with|when|if)\s.*$", re.IGNORECASE)


def split_replacements(cell: Cell) -> list[str]:
    """Alternatives named in a replacement cell, in order: ``gpt-5 or gpt-4.1*`` -> two.

    Advice and links (``View transition guide``), ``NA`` and ``---`` give no replacement.
    """
    text = strip_footnote(clean_text(cell.text))
    if _EMPTY.match(text):
        return []
    codes = _code_names(cell)
    if codes:
        # "`grok-4.3` with `low` reasoning effort": the identifiers, not the settings beside
        ids = [c for c in codes if _is_ident(c)]
        return _dedupe(ids or codes)
    out = []
    for part in _ALTERNATIVE_SPLIT.split(_drop_remarks(text)):
        part = strip_footnote(part.strip(" .:"))
        if part.lower().startswith(("use ", "either ")):
            part = part.split(" ", 1)[1]
        first = part.split(" ", 1)[0]
        if _is_ident(first):
            part = _QUALIFIER.sub("", part)  # "ai21.jamba-instruct-v1:0 in US East" -> the id
        if part and not _EMPTY.match(part) and not _NOT_A_MODEL.search(part):
            out.append(part)
    return _dedupe(out)


# ---------------------------------------------------------------------------------------------
# Header recognition

_IGNORED = re.compile(r"price|cost|pricing|token|modalit|region|context|input|output|"
                      r"description|notes?\b|comment|provider|vendor|publisher", re.IGNORECASE)
_STATUS = re.compile(r"status|state\b|lifecycle|stage", re.IGNORECASE)
_REPLACEMENT = re.compile(r"replac|recommend|alternativ|upgrade|successor|migrat|instead|"
                          r"suggest|substitut|new model|move to|switch to|redirect",
                          re.IGNORECASE)
_DATE_ROLES = (("shutdown", SHUTDOWN_HEADER), ("deprecated", DEPRECATION_HEADER),
               ("announced", ANNOUNCEMENT_HEADER))
_DATE_WORD = re.compile(r"\bdates?\b|\bday\b|\bwhen\b|\bas of\b|\beffective\b|\bfrom\b|"
                        r"\bon\b", re.IGNORECASE)
_MODEL = re.compile(r"model|name|identifier|\bids?\b|system|version|endpoint|\bapi\b|feature|"
                    r"engine|snapshot|\bsku\b|deployment", re.IGNORECASE)
_ID_HEADER = re.compile(r"\bids?\b|identifier|api name|api endpoint|model code|model string",
                        re.IGNORECASE)
_VERSION_HEADER = re.compile(r"(?:model\s+)?versions?", re.IGNORECASE)


def classify_header(header: list[str], rows: list[list[Cell]] = ()) -> Columns | None:
    """The columns of a deprecation table, or None if the header is not one.

    ``rows`` (the table's body) tell an identifier column from a display-name column where
    the headers do not ("Model" | "API": ``Mistral Medium 3.1`` | ``mistral-medium-2508``).
    """
    cols = _columns(header, rows)
    return cols if cols and cols.dated else None


def _columns(header: list[str], rows: list[list[Cell]] = ()) -> Columns | None:
    """What each column of a table holds, dated or not; None without a model column."""
    header = [clean_text(h) for h in header]
    roles: dict[str, list[int]] = {}
    for i, text in enumerate(header):
        role = _role(text)
        if role:
            roles.setdefault(role, []).append(i)
    if not roles.get("model"):
        return None
    model, name, version = _pick_model(roles["model"], header, rows)
    first = {k: v[0] for k, v in roles.items() if v}
    shutdown, deprecated = roles.get("shutdown", []), roles.get("deprecated", [])
    cols = Columns(model=model, name=name, version=version, shutdown=first.get("shutdown"),
                   deprecated=first.get("deprecated"), announced=first.get("announced"),
                   replacement=_pick_replacement(roles.get("replacement", []), header),
                   status=first.get("status"),
                   other_dates=tuple(roles.get("date", []) + shutdown[1:] + deprecated[1:]))
    return cols


def _role(text: str) -> str | None:
    if not text:
        return None
    if _REPLACEMENT.search(text):
        return "replacement"
    dated = bool(_DATE_WORD.search(text))
    if _STATUS.search(text) and not dated:
        return "status"  # "Current State", "Lifecycle status"
    if _IGNORED.search(text) and not dated:
        return None
    if dated or not _MODEL.search(text):
        # "Shutdown date", "Legacy date", or a bare "Deprecated" / "Retirement" column
        return first_role(text, _DATE_ROLES) or ("date" if dated else None)
    return "model"  # "Model / system", "Deprecated model", "Legacy model", "Model version"


def _pick_model(models: list[int], header: list[str], rows: list[list[Cell]]
                ) -> tuple[int, int | None, int | None]:
    """(model, display name, version) columns among the ones that name the model.

    An identifier column beats a display-name column; a bare "Version" column next to a
    model column (``gpt-35-turbo`` | ``0301``) qualifies the model rather than naming it.
    """
    versions = [i for i in models if _VERSION_HEADER.fullmatch(header[i])]
    version = versions[0] if versions and len(versions) < len(models) else None
    models = [i for i in models if i != version]
    ids = [i for i in models if _ID_HEADER.search(header[i])] or _id_columns(models, rows)
    model = ids[0] if ids else models[0]
    others = [i for i in models if i != model]
    return model, (others[0] if others else None), (None if ids else version)


def _id_columns(columns: list[int], rows: list[list[Cell]]) -> list[int]:
    """Among several name columns, the one whose filled cells are nearly all identifiers."""
    if len(columns) < 2:
        return []
    found = []
    for i in columns:
        texts = [strip_footnote(r[i].text) for r in rows if i < len(r) and r[i].text.strip()]
        if texts and sum(_is_ident(t) for t in texts) >= 0.8 * len(texts):
            found.append(i)
    return found if len(found) < len(columns) else []


def _pick_replacement(cols: list[int], header: list[str]) -> int | None:
    """Prefer the replacement column that holds identifiers ("Recommended model ID")."""
    if not cols:
        return None
    ids = [i for i in cols if _ID_HEADER.search(header[i])]
    return ids[0] if ids else cols[0]


def deprecation_tables(text: str) -> Iterator[tuple[Table, Columns | Timeline]]:
    """Tables that hold retirements, with what each column holds."""
    def is_header(header: list[str]) -> bool:
        return classify_header(header) is not None or classify_timeline(header) is not None

    for table in document_tables(text, only_deprecation=True, is_header=is_header):
        cols = classify_header(table.header, table.rows) or classify_timeline(table.header)
        if cols:
            yield table, cols


@dataclass(frozen=True)
class Timeline:
    """A table of dated events about one product: ``Date`` | ``Update``."""

    date: int
    event: int


_EVENT_HEADER = re.compile(r"^(?:update|event|change|milestone|what happens|details?"
                           r"|description|action|impact)s?$", re.IGNORECASE)


def classify_timeline(header: list[str]) -> Timeline | None:
    """``Date`` | ``Update`` (and the like), with no model column; else None."""
    header = [clean_text(h) for h in header]
    dates = [i for i, h in enumerate(header) if re.fullmatch(r"(?:effective )?dates?", h, re.I)]
    events = [i for i, h in enumerate(header) if _EVENT_HEADER.match(h)]
    if len(header) == 2 and dates and events:
        return Timeline(dates[0], events[0])
    return None


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


def _cell(row: list[Cell], index: int | None) -> Cell | None:
    return row[index] if index is not None and index < len(row) else None


def _row_models(row: list[Cell], cols: Columns) -> list[str]:
    """Models a row names; a separate version column qualifies each (``gpt-35-turbo (0301)``)."""
    cell = _cell(row, cols.model)
    models = split_models(cell) if cell else []
    name = _cell(row, cols.name)
    if not models and name:  # no identifier given for this one: its name as written
        models = split_models(name)
    version = _cell(row, cols.version)
    v = strip_footnote(version.text) if version else ""
    if v and not _EMPTY.match(v):
        models = [m if v in m else f"{m} ({v})" for m in models]
    return models


def _row_dates(row, table, cols, ctx, section) -> tuple[dict, list[str]]:
    """Parsed (date, precision) per role, and notes for dates that carry qualifiers."""
    dates, notes = {}, []
    for role in ("shutdown", "deprecated", "announced"):
        index = getattr(cols, role)
        cell = _cell(row, index)
        parsed = parse_date(cell.text, default_year=section.default_year,
                            numeric_order=ctx.numeric_order) if cell else None
        dates[role] = parsed
        if parsed and _qualified(cell.text):
            notes.append(f"{table.header[index]}: {cell.text}")  # "(all Regions)", "at earliest"
    for index in cols.other_dates:
        cell = _cell(row, index)
        if cell and not _EMPTY.match(cell.text):
            notes.append(f"{table.header[index]}: {cell.text}")
    return dates, notes


def _row_records(row, table, cols, ctx, section: _Section) -> list[Record]:
    models = _row_models(row, cols)
    if not models:
        return []
    dates, notes = _row_dates(row, table, cols, ctx, section)
    if not (dates["deprecated"] or dates["shutdown"]):
        return []  # an active model, or a row with no date a calendar could hold
    # "Not sooner than June 9, 2027", "May 7, 2027 or later", or a section that says all its
    # dates are the earliest possible: the shutdown date is a lower bound, not a promise.
    shutdown_cell = _cell(row, cols.shutdown)
    tentative = bool(dates["shutdown"]) and (
        section.earliest or is_lower_bound(shutdown_cell.text if shutdown_cell else ""))
    replacement_cell = _cell(row, cols.replacement)
    replacements = tuple(split_replacements(replacement_cell)) if replacement_cell else ()
    if replacement_cell and replacement_cell.text and not replacements:
        notes.append(f"replacement: {replacement_cell.text}")  # "View transition guide"
    if any(c.text.endswith(("*", "†")) for c in row) and table.footnotes:
        notes.extend(table.footnotes)
    name_cell = _cell(row, cols.name)
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
        notes="; ".join(_dedupe(notes)),
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
    """One record per thing a row says shuts down on the row's date.

    What shuts down is what the row names by identifier (``The `v1/prompts` API and reusable
    prompt objects``), else the topic of the dated heading above (``2026-06-03: Agent
    Builder``); a row that names neither gives nothing.
    """
    announced = heading_date(table.headings)
    topic = heading_topic(table.headings)
    anchor = next((h.anchor for h in table.headings if h.anchor), "")
    out = []
    for row in table.rows:
        when_cell, event = _cell(row, cols.date), _cell(row, cols.event)
        words = SHUTDOWN_SAID.search(event.text) if event else None
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


def heading_topic(headings: list[Heading]) -> str:
    """What a dated heading is about: ``2026-06-03: Agent Builder`` -> ``Agent Builder``."""
    for h in headings:
        found = find_dates(h.text)
        if found and not h.text[:found[0][2]].strip(" :-—–#"):
            return strip_footnote(h.text[found[0][3]:].strip(" :-—–|"))
    return ""


def _subjects(event: Cell, end: int) -> list[tuple[str, str]]:
    """(name, kind) of what the sentence before ``end`` is about, when it names identifiers:
    the identifiers, and any other things listed with them as written."""
    subject = _VERB.split(event.text[:end], maxsplit=1)[0]
    codes = [c for c in _code_names(event) if c in subject]
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


def replacement_tables(text: str) -> dict[str, list[str]]:
    """Model -> replacements, from undated tables that pair a retiring model with what takes
    its place ("Model being retired" | "Redirect target"): the dates are elsewhere on the page
    (a list, a notice), the table only says what to move to."""
    found: dict[str, list[str]] = {}
    for table in document_tables(text):
        cols = _columns(table.header, table.rows)
        if cols is None or cols.dated or cols.replacement is None:
            continue
        for row in table.rows:
            cell = _cell(row, cols.replacement)
            replacements = split_replacements(cell) if cell else []
            for model in _row_models(row, cols) if replacements else ():
                found.setdefault(model, replacements)
    return found


def with_replacements(records: list[Record], text: str) -> list[Record]:
    """``records`` whose replacement the text gives only in an undated table, given it."""
    missing = [r for r in records if not r.replacements]
    has_table = "|" in text or "<table" in text.lower()
    found = replacement_tables(text) if missing and has_table else {}
    return [replace(r, replacements=tuple(found[r.model]))
            if not r.replacements and r.model in found else r for r in records]


def notices_beside_tables(text: str, ctx: Context, records: list[Record]) -> list[Record]:
    """Retirements written as prose in sections without a table ("X will be shut down on
    DATE"), for models the tables do not name: the prose of a section with a table restates
    its rows."""
    sections = [s for s in sections_from(text) if not s.has_table]
    named = {r.model for r in records}
    return [r for r in changelog.extract(sections, vendor=ctx.vendor, url=ctx.url)
            if r.model not in named]
