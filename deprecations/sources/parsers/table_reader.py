"""Tables out of a document: the first stage of the table parsers.

Reads every table of an HTML page (``<table>``, with row and column spans) or of a Markdown/MDX
document (pipe tables, and any raw HTML tables in it) as a header and rows of ``Cell``s, with
the headings it sits under and the prose of those sections (which may say "the dates below
are the earliest possible ones"). Beyond a cheap test of a table's first rows for the words of
a date column (``text.RETIREMENT_HEADER``), nothing here knows what a retirement is:
``table_columns`` decides which tables are deprecation tables and what their columns hold, and
``tables`` turns their rows into records.

Spans are bounded: a hostile table of ``colspan=50 rowspan=50`` cells grows no wider than
``MAX_COLUMNS`` and no longer than its own rows, and a document yields at most ``MAX_CELLS``
cells in all, so a page within the fetch cap stays cheap to read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

from deprecations.sources.parsers.text import (
    RETIREMENT_HEADER,
    clean_text,
    heading_anchor,
    heading_slug,
    looks_like_html,
    soup_of,
)

MAX_SPAN = 50  # a colspan or rowspan above this is read as this
MAX_COLUMNS = 64  # no deprecation table is wider; cells beyond are dropped
MAX_CELLS = 200_000  # cells one document may yield in all tables together


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
    # The prose of the enclosing sections (their text before this table), nearest first; the
    # last is the document's text before its first heading.
    prose: list[str] = field(default_factory=list)


class _Budget:
    """Cells left to read in one document."""

    def __init__(self):
        self.cells = MAX_CELLS

    def take(self, n: int) -> bool:
        self.cells -= n
        return self.cells >= 0


HeaderTest = Callable[[list[str]], bool]


def document_tables(text: str, *, only_deprecation: bool = False,
                    is_header: HeaderTest | None = None) -> Iterator[Table]:
    """Every table in an HTML page, or in a Markdown/MDX document (and its raw HTML tables).

    ``only_deprecation`` skips HTML tables with no date-role word in their first rows;
    ``is_header`` picks the header row of an HTML table that marks none with ``<th>``.
    """
    budget = _Budget()
    options = dict(only_deprecation=only_deprecation, is_header=is_header, budget=budget)
    if looks_like_html(text):
        yield from html_tables(soup_of(text), **options)
        return
    yield from markdown_tables(text, budget=budget)
    if re.search(r"<table\b", text, re.IGNORECASE):
        yield from html_tables(soup_of(text), **options)


# ------------------------------------------------------------------------------ HTML tables

_HEADING_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
_PROSE_TAGS = ["p", "li", "blockquote", "dd", "aside"]


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


def _span(tag: Tag, attr: str, most: int) -> int:
    try:
        return max(1, min(MAX_SPAN, most, int(str(tag.get(attr) or "1").strip())))
    except ValueError:
        return 1


def html_grid(table: Tag, budget: _Budget | None = None) -> tuple[list[list[Cell]], int]:
    """Rows of cells with row/col spans expanded; also how many leading rows are headers.

    A row is at most ``MAX_COLUMNS`` wide and a rowspan reaches no further than the table's
    last row; when the document's cell budget runs out the table ends there.
    """
    budget = budget or _Budget()
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
            if len(out) >= MAX_COLUMNS:
                break
            cell = html_cell(tag)
            down = _span(tag, "rowspan", len(rows) - r)
            for _ in range(_span(tag, "colspan", MAX_COLUMNS - len(out))):
                col = len(out)
                out.append(cell)
                for below in range(1, down):
                    pending[(r + below, col)] = cell
        while (r, len(out)) in pending and len(out) < MAX_COLUMNS:
            out.append(pending.pop((r, len(out))))
        for key in [k for k in pending if k[0] == r]:  # spans beyond the row's width
            del pending[key]
        if not budget.take(len(out)):
            break
        if cells and header_rows == r and (tr.find_parent("thead") is not None
                                           or all(c.name == "th" for c in cells)):
            header_rows += 1
        grid.append(out)
    return grid, header_rows


def _heading(h: Tag) -> Heading:
    return Heading(int(h.name[1]), clean_text(h.get_text(" ")), heading_anchor(h))


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


class _Sections:
    """The open headings while reading a document in order, each with its prose so far."""

    def __init__(self):
        self.stack: list[tuple[Heading, list[str]]] = []
        self.top: list[str] = []  # the text before the first heading

    def open(self, heading: Heading) -> None:
        self.stack = [s for s in self.stack if s[0].level < heading.level] + [(heading, [])]

    def say(self, text: str) -> None:
        if text:
            (self.stack[-1][1] if self.stack else self.top).append(text)

    def headings(self) -> list[Heading]:
        return [h for h, _ in reversed(self.stack)]

    def prose(self) -> list[str]:
        return [" ".join(p) for _, p in reversed(self.stack)] + [" ".join(self.top)]


def html_tables(soup: BeautifulSoup, *, only_deprecation: bool = False,
                is_header: HeaderTest | None = None, budget: _Budget | None = None
                ) -> Iterator[Table]:
    """Tables in document order, each with the headings it sits under (nearest first)."""
    budget = budget or _Budget()
    is_header = is_header or (lambda header: bool(RETIREMENT_HEADER.search(" ".join(header))))
    sections = _Sections()
    for tag in soup.find_all([*_HEADING_TAGS, "table", *_PROSE_TAGS]):
        if tag.name in _HEADING_TAGS:
            sections.open(_heading(tag))
            continue
        if tag.name != "table":
            if tag.find_parent("table") is None and tag.find_parent(_PROSE_TAGS) is None:
                sections.say(clean_text(tag.get_text(" "))[:2000])
            continue
        if budget.cells < 0 or (only_deprecation and not _may_be_deprecation_table(tag)):
            continue
        grid, header_rows = html_grid(tag, budget)
        header, body = _split_header(grid, header_rows, is_header) if grid else (None, [])
        if header is not None:
            yield Table(header, body, sections.headings(), _footnotes(tag), sections.prose())


def _may_be_deprecation_table(tag: Tag) -> bool:
    """Cheap test before reading every cell: a date-role word in the first rows."""
    head = " ".join(tr.get_text(" ") for tr in tag.find_all("tr", limit=3))
    return bool(RETIREMENT_HEADER.search(head))


def _split_header(grid: list[list[Cell]], header_rows: int, is_header: HeaderTest
                  ) -> tuple[list[str] | None, list[list[Cell]]]:
    """Header texts (several header rows are joined per column) and the body rows."""
    if header_rows:
        width = max(len(r) for r in grid[:header_rows])
        header = [" ".join(dict.fromkeys(r[i].text for r in grid[:header_rows] if i < len(r)))
                  for i in range(width)]
        return header, grid[header_rows:]
    # No <th>: the first row that reads as a header, within the first few.
    for i, row in enumerate(grid[:3]):
        header = [c.text for c in row]
        if is_header(header):
            return header, grid[i + 1:]
    return None, []


# -------------------------------------------------------------------- Markdown / MDX tables

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
    text = _HTML_TAG.sub(" ", text).replace("\\|", "|").replace("\\", "")
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
    text = markdown_cell(text).text
    return Heading(len(m.group(1)), text, anchor.group(1) if anchor else heading_slug(text))


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
    return [c.strip() for c in cells[:MAX_COLUMNS]]


def markdown_tables(text: str, *, budget: _Budget | None = None) -> Iterator[Table]:
    budget = budget or _Budget()
    lines = text.splitlines()
    sections = _Sections()
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        heading = None if in_fence else markdown_heading(line)
        if heading:
            sections.open(heading)
        elif (not in_fence and "|" in line and i + 1 < len(lines)
              and _MD_SEPARATOR.match(lines[i + 1]) and "|" in lines[i + 1] + line):
            header = [markdown_cell(c).text for c in split_markdown_row(line)]
            rows, i = _markdown_body(lines, i + 2, budget)
            yield Table(header, rows, sections.headings(), _md_footnotes(lines, i),
                        sections.prose())
            continue
        elif not in_fence:
            sections.say(markdown_cell(line.strip().lstrip(">*-+ ").strip()).text)
        i += 1


def _markdown_body(lines: list[str], i: int, budget: _Budget) -> tuple[list[list[Cell]], int]:
    rows = []
    while i < len(lines) and "|" in lines[i] and lines[i].strip():
        row = split_markdown_row(lines[i])
        if budget.take(len(row)):
            rows.append([markdown_cell(c) for c in row])
        i += 1
    return rows, i


def _md_footnotes(lines: list[str], i: int) -> list[str]:
    """A ``\\*For tasks that ...`` line right after a Markdown table."""
    nxt = next((line.strip() for line in lines[i:i + 3] if line.strip()), "").removeprefix("\\")
    if nxt[:1] in "*†" and nxt[1:2] not in ("", " ", "*"):  # not a bullet, not bold
        return [nxt[0] + markdown_cell(nxt[1:]).text]
    return []
