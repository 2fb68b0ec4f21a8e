"""What a table's columns hold and what its cells name: the middle stage of the table parsers.

``table_reader`` gives tables of cells; here a header becomes ``Columns`` (which column holds the
model, its display name, version, status, shutdown, deprecation and announcement dates, and the
replacement: ``classify_header``) or a ``Timeline`` (``Date`` | ``Update``:
``classify_timeline``), and a cell becomes the identifiers it names (``split_models``,
``split_replacements``), and a row the models it names (``row_models``). An undated table that
only pairs a retiring model with what replaces it gives those replacements to the records of
any parser (``with_replacements``). ``tables`` turns the rows of dated tables into records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from deprecations.sources.parsers.table_reader import Cell, Table, document_tables
from deprecations.sources.parsers.text import (
    ANNOUNCEMENT_HEADER,
    DEPRECATION_HEADER,
    SHUTDOWN_HEADER,
    clean_text,
    first_role,
    strip_footnote,
)
from deprecations.sources.records import Record


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
EMPTY_CELL = re.compile(r"^(?:|n/?a|none|tbd|tba|-+|—|–|not applicable|not available|"
                    r"no (?:replacement|alternative|successor)s?(?: available)?)$", re.IGNORECASE)
# A replacement cell that is advice or a link, not a model: "View transition guide".
_NOT_A_MODEL = re.compile(
    r"^(?:view|see|read|refer|learn|check|visit|consult|contact|go to|follow)\b|"
    r"\b(?:guide|documentation|docs|migration|instructions|blog|article|support)\b",
    re.IGNORECASE)


def _is_ident(token: str) -> bool:
    return bool(_IDENT.fullmatch(strip_footnote(token).rstrip(".:")))


def unique(items: Iterable[str]) -> list[str]:
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
    if EMPTY_CELL.match(text):
        return []
    codes = code_names(cell)
    if codes:
        outside = text
        for code in sorted(codes, key=len, reverse=True):
            outside = outside.replace(code, " ")
        if _only_connectors(_drop_remarks(outside)):
            return unique(codes)
        return [_drop_remarks(text) or text]
    tokens = _TOKEN.findall(_drop_remarks(text))
    idents = [strip_footnote(t).rstrip(".:") for t in tokens if _is_ident(t)]
    others = [t for t in tokens if not _is_ident(t)]
    if len(idents) >= 2 and _only_connectors(" ".join(others)):
        return unique(idents)
    return [_drop_remarks(text) or text]


def code_names(cell: Cell) -> list[str]:
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
    if EMPTY_CELL.match(text):
        return []
    codes = code_names(cell)
    if codes:
        # "`grok-4.3` with `low` reasoning effort": the identifiers, not the settings beside
        ids = [c for c in codes if _is_ident(c)]
        return unique(ids or codes)
    out = []
    for part in _ALTERNATIVE_SPLIT.split(_drop_remarks(text)):
        part = strip_footnote(part.strip(" .:"))
        if part.lower().startswith(("use ", "either ")):
            part = part.split(" ", 1)[1]
        first = part.split(" ", 1)[0]
        if _is_ident(first):
            part = _QUALIFIER.sub("", part)  # "ai21.jamba-instruct-v1:0 in US East" -> the id
        if part and not EMPTY_CELL.match(part) and not _NOT_A_MODEL.search(part):
            out.append(part)
    return unique(out)


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
    cols = columns_of(header, rows)
    return cols if cols and cols.dated else None


def columns_of(header: list[str], rows: list[list[Cell]] = ()) -> Columns | None:
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


# ---------------------------------------------------------------------------------------------
# Models and replacements in a row


def row_cell(row: list[Cell], index: int | None) -> Cell | None:
    return row[index] if index is not None and index < len(row) else None


def row_models(row: list[Cell], cols: Columns) -> list[str]:
    """Models a row names; a separate version column qualifies each (``gpt-35-turbo (0301)``)."""
    cell = row_cell(row, cols.model)
    models = split_models(cell) if cell else []
    name = row_cell(row, cols.name)
    if not models and name:  # no identifier given for this one: its name as written
        models = split_models(name)
    version = row_cell(row, cols.version)
    v = strip_footnote(version.text) if version else ""
    if v and not EMPTY_CELL.match(v):
        models = [m if v in m else f"{m} ({v})" for m in models]
    return models


def replacement_tables(text: str) -> dict[str, list[str]]:
    """Model -> replacements, from undated tables that pair a retiring model with what takes
    its place ("Model being retired" | "Redirect target"): the dates are elsewhere on the page
    (a list, a notice), the table only says what to move to."""
    found: dict[str, list[str]] = {}
    for table in document_tables(text):
        cols = columns_of(table.header, table.rows)
        if cols is None or cols.dated or cols.replacement is None:
            continue
        for row in table.rows:
            cell = row_cell(row, cols.replacement)
            replacements = split_replacements(cell) if cell else []
            for model in row_models(row, cols) if replacements else ():
                found.setdefault(model, replacements)
    return found


def with_replacements(records: list[Record], text: str) -> list[Record]:
    """``records`` whose replacement the text gives only in an undated table, given it."""
    missing = [r for r in records if not r.replacements]
    has_table = "|" in text or "<table" in text.lower()
    found = replacement_tables(text) if missing and has_table else {}
    return [replace(r, replacements=tuple(found[r.model]))
            if not r.replacements and r.model in found else r for r in records]
