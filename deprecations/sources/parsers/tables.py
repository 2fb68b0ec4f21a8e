"""The generic deprecation-table parser, and the table helpers the vendor parsers share.

Vendors publish retirements as tables whose columns change from page to page (and from section
to section on one page): a model column, one or more date columns (shutdown / retirement / EOL /
sunset / deprecation / legacy ...) and a replacement column. This module finds such tables in
HTML (``<table>``, with row/col spans) and in Markdown/MDX (pipe tables), recognises the columns
from their header text, and turns each row into one :class:`Record` per model named in it.

Context comes from the enclosing headings: a heading that starts with a date
(``2025-09-26: Legacy GPT model snapshots``) is the announcement date of the tables under it,
and its ``id`` is the record's anchor.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from bs4.dammit import UnicodeDammit

from deprecations.sources.parsers.dates import find_dates, infer_numeric_order, parse_date
from deprecations.sources.parsers.registry import register
from deprecations.sources.records import DAY, Record

# ---------------------------------------------------------------------------------------------
# Document model shared by the HTML and Markdown readers


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, the code spans in it (identifiers) and its links."""

    text: str
    codes: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass
class Table:
    header: list[str]
    rows: list[list[Cell]]
    headings: list[Heading] = field(default_factory=list)  # enclosing headings, nearest first
    footnotes: list[str] = field(default_factory=list)  # "*For tasks that..." after the table


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
# Text helpers

_WS = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[])\s+")
_FOOTNOTE_MARK = re.compile(r"(?:\s*[*†‡]+|\s*\[\d+\])+$")


def clean_text(text: str) -> str:
    """Collapse whitespace and the stray spaces an HTML text join leaves before punctuation."""
    text = _WS.sub(" ", text.replace("\u00a0", " ")).strip()
    return _SPACE_AFTER_OPEN.sub(r"\1", _SPACE_BEFORE_PUNCT.sub(r"\1", text))


def strip_footnote(text: str) -> str:
    """``gpt-4.1*`` -> ``gpt-4.1``: footnote markers are not part of a name."""
    return _FOOTNOTE_MARK.sub("", text.strip()).strip()


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 when it is, else whatever the document declares or looks like."""
    if isinstance(data, str):
        return data
    text = data.decode("utf-8", errors="replace")
    # A few bad bytes (a fetch cut inside a character) must not turn the whole page into
    # mojibake, which would hide dates written with U+2011 hyphens; only a page that is
    # clearly in another encoding goes to detection.
    if text.count("\ufffd") <= max(3, len(data) // 1000):
        return text
    return UnicodeDammit(data, ["windows-1252"]).unicode_markup or ""


_HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype|html|head|body|\?xml|meta|div)\b",
                         re.IGNORECASE | re.DOTALL)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text[:2000])) or "<html" in text[:5000].lower()


def soup_of(text: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        # XHTML and stray XML are read leniently as HTML on purpose; the warning is noise.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(text, "lxml")


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


def _drop_remarks(text: str) -> str:
    """Remove parenthetical remarks that name nothing: "(Managed connectors for RAG)"."""
    def repl(m: re.Match[str]) -> str:
        inner = m.group(1)
        if re.search(r"\d", inner) or any(_is_ident(t) for t in _TOKEN.findall(inner)):
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
    words = [w.strip(".,:;()").lower() for w in text.split()]
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
    if _code_names(cell):
        return _dedupe(_code_names(cell))
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


_HEADER_LIKE = re.compile(r"^[A-Za-z][\w-]*:\s+\S")  # "OpenAI-Beta: assistants=v1"
_ENDPOINT_WORDS = re.compile(r"\b(?:API|endpoints?)$|\bendpoints?\b", re.IGNORECASE)
_FEATURE_WORDS = re.compile(
    r"\b(?:training|parameters?|integration|features?|UI|capabilit\w*|header|tools?)\b",
    re.IGNORECASE)


def kind_of(name: str) -> str:
    """``/v1/edits`` -> endpoint; ``OpenAI-Beta: ...`` or prose about training -> feature."""
    if _HEADER_LIKE.match(name) or (" " in name and _FEATURE_WORDS.search(name)):
        return "feature"  # checked first: "/v1/chat parameters: ..." is about parameters
    if name.startswith("/") or (" " in name and _ENDPOINT_WORDS.search(name)):
        return "endpoint"
    return "model"


# ---------------------------------------------------------------------------------------------
# Header recognition

_IGNORED = re.compile(r"price|cost|pricing|token|modalit|region|context|input|output|"
                      r"description|notes?\b|comment|provider|vendor|publisher", re.IGNORECASE)
_STATUS = re.compile(r"status|state\b|lifecycle|stage", re.IGNORECASE)
_REPLACEMENT = re.compile(r"replac|recommend|alternativ|upgrade|successor|migrat|instead|"
                          r"suggest|new model|move to|switch to", re.IGNORECASE)
_SHUTDOWN = re.compile(r"shut\s*-?\s*down|shutoff|retir|end[\s-]*of[\s-]*(?:life|support)|"
                       r"\beol\b|sunset|remov|discontinu|decommission|turn[\s-]*off|"
                       r"unavailab|deletion|\bend date\b", re.IGNORECASE)
_DEPRECATED = re.compile(r"deprecat|legacy", re.IGNORECASE)
_ANNOUNCED = re.compile(r"announc|notif|notice date|published", re.IGNORECASE)
_DATE_WORD = re.compile(r"\bdates?\b|\bday\b|\bwhen\b|\bas of\b|\beffective\b|\bfrom\b|"
                        r"\bon\b", re.IGNORECASE)
_MODEL = re.compile(r"model|name|identifier|\bids?\b|system|version|endpoint|\bapi\b|feature|"
                    r"engine|snapshot|\bsku\b|deployment", re.IGNORECASE)
_ID_HEADER = re.compile(r"\bids?\b|identifier|api name|api endpoint|model code|model string",
                        re.IGNORECASE)
_VERSION_HEADER = re.compile(r"(?:model\s+)?versions?", re.IGNORECASE)


def classify_header(header: list[str]) -> Columns | None:
    """The columns of a deprecation table, or None if the header is not one."""
    header = [clean_text(h) for h in header]
    roles: dict[str, list[int]] = {}
    for i, text in enumerate(header):
        role = _role(text)
        if role:
            roles.setdefault(role, []).append(i)
    if not roles.get("model"):
        return None
    model, name, version = _pick_model(roles["model"], header)
    first = {k: v[0] for k, v in roles.items() if v}
    shutdown, deprecated = roles.get("shutdown", []), roles.get("deprecated", [])
    cols = Columns(model=model, name=name, version=version, shutdown=first.get("shutdown"),
                   deprecated=first.get("deprecated"), announced=first.get("announced"),
                   replacement=_pick_replacement(roles.get("replacement", []), header),
                   status=first.get("status"),
                   other_dates=tuple(roles.get("date", []) + shutdown[1:] + deprecated[1:]))
    return cols if cols.dated else None


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
        if _SHUTDOWN.search(text):
            return "shutdown"
        if _DEPRECATED.search(text):
            return "deprecated"
        if _ANNOUNCED.search(text):
            return "announced"
        return "date" if dated else None
    return "model"  # "Model / system", "Deprecated model", "Legacy model", "Model version"


def _pick_model(models: list[int], header: list[str]
                ) -> tuple[int, int | None, int | None]:
    """(model, display name, version) columns among the ones that name the model.

    An identifier column beats a display-name column; a bare "Version" column next to a
    model column (``gpt-35-turbo`` | ``0301``) qualifies the model rather than naming it.
    """
    versions = [i for i in models if _VERSION_HEADER.fullmatch(header[i])]
    version = versions[0] if versions and len(versions) < len(models) else None
    models = [i for i in models if i != version]
    ids = [i for i in models if _ID_HEADER.search(header[i])]
    model = ids[0] if ids else models[0]
    others = [i for i in models if i != model]
    return model, (others[0] if others else None), (None if ids else version)


def _pick_replacement(cols: list[int], header: list[str]) -> int | None:
    """Prefer the replacement column that holds identifiers ("Recommended model ID")."""
    if not cols:
        return None
    ids = [i for i in cols if _ID_HEADER.search(header[i])]
    return ids[0] if ids else cols[0]


# ---------------------------------------------------------------------------------------------
# HTML tables

_HEADING_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
_MAX_SPAN = 50


def html_cell(tag: Tag) -> Cell:
    codes, links = [], []
    for el in tag.find_all(["br", "sup", "code", "kbd", "samp", "a"]):  # one walk per cell
        if el.name == "br":
            el.replace_with(" ")
        elif el.name == "sup" and len(el.get_text(strip=True)) <= 3:
            el.replace_with("*")  # footnote reference: "gemini-1.0-pro<sup>1</sup>"
        elif el.name == "a":
            links.append((clean_text(el.get_text(" ")), str(el.get("href") or "")))
        elif el.name in ("code", "kbd", "samp"):
            codes.append(clean_text(el.get_text(" ")))
    return Cell(clean_text(tag.get_text(" ")), tuple(codes), tuple(links))


def _span(tag: Tag, attr: str) -> int:
    try:
        return max(1, min(_MAX_SPAN, int(str(tag.get(attr) or "1").strip())))
    except ValueError:
        return 1


def html_grid(table: Tag) -> tuple[list[list[Cell]], int]:
    """Rows of cells with row/col spans expanded; also how many leading rows are headers."""
    grid: list[list[Cell]] = []
    pending: dict[tuple[int, int], Cell] = {}  # (row, col) filled by a rowspan from above
    header_rows = 0
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    for r, tr in enumerate(rows):
        out: list[Cell] = []
        cells = tr.find_all(["th", "td"], recursive=False)
        for tag in cells:
            while (r, len(out)) in pending:
                out.append(pending.pop((r, len(out))))
            cell = html_cell(tag)
            for _ in range(_span(tag, "colspan")):
                col = len(out)
                out.append(cell)
                for down in range(1, _span(tag, "rowspan")):
                    pending[(r + down, col)] = cell
        while (r, len(out)) in pending:
            out.append(pending.pop((r, len(out))))
        if cells and header_rows == r and (tr.find_parent("thead") is not None
                                           or all(c.name == "th" for c in cells)):
            header_rows += 1
        grid.append(out)
    return grid, header_rows


def _heading(h: Tag) -> Heading:
    anchor = h.get("id") or _inner_anchor(h)
    return Heading(int(h.name[1]), clean_text(h.get_text(" ")), str(anchor or ""))


def _inner_anchor(h: Tag) -> str:
    inner = h.find(attrs={"id": True}) or h.find("a", attrs={"name": True})
    return str(inner.get("id") or inner.get("name")) if inner else ""


def _footnotes(table: Tag) -> list[str]:
    """A "*For tasks that ..." paragraph right after the table (or after its wrapper)."""
    node = table
    for _ in range(5):  # climb out of wrappers such as <div class="table-scroll">
        parent = node.parent
        if parent is None or parent.name in ("body", "[document]"):
            break
        if sum(1 for c in parent.children if isinstance(c, Tag)) > 1:
            break
        node = parent
    nxt = node.find_next_sibling()
    text = clean_text(nxt.get_text(" ")) if nxt else ""
    return [text] if text[:1] in "*†" and text[1:2] else []


def html_tables(soup: BeautifulSoup, *, only_deprecation: bool = False) -> Iterator[Table]:
    """Tables in document order, each with the headings it sits under (nearest first)."""
    stack: list[Heading] = []  # open headings, outermost first
    for tag in soup.find_all([*_HEADING_TAGS, "table"]):
        if tag.name != "table":
            heading = _heading(tag)
            stack = [h for h in stack if h.level < heading.level] + [heading]
            continue
        if only_deprecation and not _may_be_deprecation_table(tag):
            continue
        grid, header_rows = html_grid(tag)
        header, body = _split_header(grid, header_rows) if grid else (None, [])
        if header is not None:
            yield Table(header, body, list(reversed(stack)), _footnotes(tag))


def _may_be_deprecation_table(tag: Tag) -> bool:
    """Cheap test before reading every cell: a date-role word in the first rows."""
    head = " ".join(tr.get_text(" ") for tr in tag.find_all("tr", limit=3))
    return bool(_SHUTDOWN.search(head) or _DEPRECATED.search(head))


def _split_header(grid: list[list[Cell]], header_rows: int
                  ) -> tuple[list[str] | None, list[list[Cell]]]:
    """Header texts (several header rows are joined per column) and the body rows."""
    if header_rows:
        width = max(len(r) for r in grid[:header_rows])
        header = [" ".join(_dedupe(r[i].text for r in grid[:header_rows] if i < len(r)))
                  for i in range(width)]
        return header, grid[header_rows:]
    # No <th>: the first row that reads as a deprecation header (within the first few).
    for i, row in enumerate(grid[:3]):
        header = [c.text for c in row]
        if classify_header(header):
            return header, grid[i + 1:]
    return None, []


# ---------------------------------------------------------------------------------------------
# Markdown / MDX tables

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MD_ANCHOR = re.compile(r"\s*\{#([\w.-]+)\}\s*$")
_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MD_CODE = re.compile(r"`+([^`]+?)`+")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)[*_](?=\S))(.+?)\1")
_HTML_TAG = re.compile(r"<[^>]{0,200}>")


def markdown_cell(raw: str) -> Cell:
    """Cell text without Markdown markup, keeping code spans and links apart."""
    codes = tuple(clean_text(m.group(1)) for m in _MD_CODE.finditer(raw))
    links = tuple((clean_text(m.group(1)), m.group(2)) for m in _MD_LINK.finditer(raw))
    text = _MD_CODE.sub(lambda m: m.group(1), raw)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _MD_EMPHASIS.sub(lambda m: m.group(2), text)
    text = _HTML_TAG.sub(" ", text).replace("\\|", "|")
    return Cell(clean_text(text), codes, links)


def unlink(markdown: str) -> str:
    """Markdown links replaced by their text: ``[the guide](https://...)`` -> ``the guide``."""
    return _MD_LINK.sub(lambda m: m.group(1), markdown)


def markdown_heading(line: str) -> Heading | None:
    m = _MD_HEADING.match(line)
    if not m:
        return None
    text = m.group(2)
    anchor = _MD_ANCHOR.search(text)
    if anchor:
        text = text[:anchor.start()]
    return Heading(len(m.group(1)), markdown_cell(text).text, anchor.group(1) if anchor else "")


def split_markdown_row(line: str) -> list[str]:
    """Split a pipe-table row on ``|`` outside code spans and escapes."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells, buf, in_code, prev = [], [], False, ""
    for ch in line:
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code and prev != "\\":
            cells.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        prev = ch
    cells.append("".join(buf))
    return [c.strip() for c in cells]


def markdown_tables(text: str) -> Iterator[Table]:
    lines = text.splitlines()
    chain: list[Heading] = []
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        heading = None if in_fence else markdown_heading(line)
        if heading:
            chain = [h for h in chain if h.level < heading.level] + [heading]
        elif (not in_fence and "|" in line and i + 1 < len(lines)
              and _MD_SEPARATOR.match(lines[i + 1]) and "|" in lines[i + 1] + line):
            header = [markdown_cell(c).text for c in split_markdown_row(line)]
            rows, i = _markdown_body(lines, i + 2)
            yield Table(header, rows, list(reversed(chain)), _md_footnotes(lines, i))
            continue
        i += 1


def _markdown_body(lines: list[str], i: int) -> tuple[list[list[Cell]], int]:
    rows = []
    while i < len(lines) and "|" in lines[i] and lines[i].strip():
        rows.append([markdown_cell(c) for c in split_markdown_row(lines[i])])
        i += 1
    return rows, i


def _md_footnotes(lines: list[str], i: int) -> list[str]:
    """A ``\\*For tasks that ...`` line right after a Markdown table."""
    nxt = next((line.strip() for line in lines[i:i + 3] if line.strip()), "").removeprefix("\\")
    if nxt[:1] in "*†" and nxt[1:2] not in ("", " ", "*"):  # not a bullet, not bold
        return [nxt[0] + markdown_cell(nxt[1:]).text]
    return []


# ---------------------------------------------------------------------------------------------
# Finding tables in a document and turning rows into records


def document_tables(text: str, *, only_deprecation: bool = False) -> Iterator[Table]:
    """Every table in an HTML page, or in a Markdown/MDX document (and its raw HTML tables)."""
    if looks_like_html(text):
        yield from html_tables(soup_of(text), only_deprecation=only_deprecation)
        return
    yield from markdown_tables(text)
    if re.search(r"<table\b", text, re.IGNORECASE):
        yield from html_tables(soup_of(text), only_deprecation=only_deprecation)


def deprecation_tables(text: str) -> Iterator[tuple[Table, Columns]]:
    for table in document_tables(text, only_deprecation=True):
        cols = classify_header(table.header)
        if cols:
            yield table, cols


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
    """What the headings above a table say about its rows."""

    announced: date | None
    implied_deprecation: date | None
    default_year: int | None
    anchor: str


def table_records(table: Table, cols: Columns, ctx: Context) -> list[Record]:
    """One record per model per row of a recognised table."""
    announced = heading_date(table.headings)
    # "When we announce that a model is being deprecated, it immediately becomes deprecated":
    # under a dated heading on a deprecations page the announcement is the deprecation, unless
    # the column says the models are merely legacy.
    words = " ".join([h.text for h in table.headings] + table.header)
    legacy = bool(re.search(r"legacy", table.header[cols.model], re.IGNORECASE))
    section = _Section(
        announced=announced,
        implied_deprecation=announced if _DEPRECATED.search(words) and not legacy else None,
        default_year=announced.year if announced else None,
        anchor=next((h.anchor for h in table.headings if h.anchor), ""),
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


_LOWER_BOUND = re.compile(r"\bno[t]?\s+(?:sooner|earlier)\s+than\b|\bnot\s+before\b|"
                          r"\bearliest\b|\bor later\b", re.IGNORECASE)
_ACTIVE = re.compile(r"^\W*(?:active|ga|generally available|available|current|supported|"
                     r"stable|preview|public preview)\W*$", re.IGNORECASE)


def _is_retirement(row: list[Cell], cols: Columns, dates: dict) -> bool:
    """Whether a row announces a retirement, rather than describing an active model.

    "No sooner than <date>" is a promise of notice, not a plan: it counts only where nothing
    in the row says the model is still active (an empty deprecation column, status "Active").
    """
    if dates["deprecated"]:
        return True
    if not dates["shutdown"]:
        return False
    if not _LOWER_BOUND.search(_cell(row, cols.shutdown).text):
        return True
    status = _cell(row, cols.status)
    return cols.deprecated is None and not (status and _ACTIVE.match(status.text))


def _row_records(row, table, cols, ctx, section: _Section) -> list[Record]:
    models = _row_models(row, cols)
    if not models:
        return []
    dates, notes = _row_dates(row, table, cols, ctx, section)
    if not _is_retirement(row, cols, dates):
        return []  # an active model, or a row with no date a calendar could hold
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
    return [Record(
        vendor=ctx.vendor, model=model,
        announced=dates["announced"][0] if dates["announced"] else section.announced,
        deprecated=dates["deprecated"][0] if dates["deprecated"]
        else section.implied_deprecation,
        shutdown=shutdown[0] if shutdown else None,
        shutdown_precision=shutdown[1] if shutdown else DAY,
        replacements=replacements, kind=kind_of(model),
        name=name_cell.text if name_cell and len(models) == 1 else "",
        source_url=ctx.url, anchor=section.anchor,
        source_text=clean_text(" | ".join(c.text for c in row)),
        notes="; ".join(_dedupe(notes)), extra=extra,
    ) for model in models]


def _qualified(text: str) -> bool:
    """Whether a date cell says more than the date: "at earliest ...", "(all Regions)"."""
    found = find_dates(text)
    rest = text[:found[0][2]] + text[found[0][3]:] if found else text
    return bool(rest.strip(" .,;"))


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


def guess_vendor(text: str, url: str) -> str:
    """The site name a page declares, else the name in its host (``docs.example.com``)."""
    m = re.search(r"<meta[^>]+property=[\"']og:site_name[\"'][^>]+content=[\"']([^\"']+)",
                  text[:20000], re.IGNORECASE)
    if m:
        return clean_text(m.group(1))
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # "http://[bad" and friends
        host = ""
    parts = [p for p in host.split(".") if p not in {"www", "docs", "platform", "api", "com",
                                                     "ai", "io", "org", "net", "dev", "cloud"}]
    return parts[-1].capitalize() if parts else ""


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
    """Deprecation tables on any HTML or Markdown page, recognised by their column headers."""
    text = decode(data)
    try:
        ctx = Context(vendor or guess_vendor(text, url), url, "auto")
        return records_from_text(text, ctx)
    except RecursionError:
        return []  # absurdly nested markup: nothing we can read
