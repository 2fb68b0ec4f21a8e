"""Dated sections out of a document: the first stage of the prose parsers.

Release notes and changelogs (HTML, Markdown or plain text) become a list of ``Section``s: the
date of the enclosing dated heading (or a caller's date, such as a feed item's) and the blocks
under it (a paragraph, a list item with its nested lists). Identifiers (``<code>``, backticks,
or model-like tokens such as ``gpt-4o-mini``) are replaced in a block's text by one
private-use character each, so that sentence splitting, date finding and phrase matching never
look inside ``gemini-2.5-flash-preview-05-20``; ``Node.restore`` puts them back.

Mintlify changelogs wrap each entry in ``<Update label="2026-05-14">``; the label is read as
the entry's dated heading. ``sentence_reader`` reads the sentences of each block.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from datetime import date

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from deprecations.sources.parsers.dates import find_dates
from deprecations.sources.parsers.text import (
    RETIREMENT_SAID,
    decode,
    heading_anchor,
    looks_like_html,
    markdown_to_html,
    soup_of,
)
from deprecations.sources.records import DAY

# Identifiers are replaced by one private-use character each (see the module's docstring).
PUA_START, PUA_SIZE = 0xE000, 0x1900
PUA_RE = re.compile(f"[{chr(PUA_START)}-{chr(PUA_START + PUA_SIZE - 1)}]")
SOURCE_TEXT = 1000  # how much of a block a record quotes

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP = {"script", "style", "nav", "aside", "noscript", "template", "svg", "button", "pre",
         "select", "iframe", "head", "title", "meta", "link"}
# page chrome, unless inside the content (an <article><header> may hold the entry's date)
_CHROME = {"header", "footer"}
_CODE = {"code", "kbd", "samp", "tt"}
_BLOCKS = {"p", "div", "section", "article", "main", "ul", "ol", "li", "table", "tr", "td", "th",
           "blockquote", "dl", "dt", "dd", "figure", "figcaption", "details", "summary",
           "body", "tbody", "thead", "hr", "br", *_HEADINGS}
_LEAF_BLOCKS = {"p", "blockquote", "dd", "dt", "figcaption", "summary"}
_MAX_DEPTH = 60  # nesting beyond this is flattened to text (no recursion limit to hit)

# A plain-text identifier: lower case, joined by - . : and holding a digit (gpt-4o-mini,
# claude-3-5-sonnet-20240620, anthropic.claude-v2:1). Words such as "low-cost" have no digit.
_PLAIN_ID = re.compile(
    r"(?<![\w.@/:-])(?=[a-z0-9.:-]*\d)[a-z][a-z0-9]*(?:[-.:][a-z0-9]+)*[-.][a-z0-9]+"
    r"(?![\w@/-]|\.\w)")


# --------------------------------------------------------------------------- document model

@dataclass
class Node:
    """A block's own text (identifiers as placeholders) and its nested list items."""

    text: str
    ids: list[str]
    children: list[Node] = field(default_factory=list)
    # A row of a table: it names identifiers (the page lists them), but its cells are not
    # sentences, so no date is read from it ("gemini-3.7-flash; August 2026; No shutdown
    # date announced" says nothing about a shutdown in August).
    table_row: bool = False

    def restore(self, text: str) -> str:
        """The text as written (identifiers back in place), at most ~1000 characters."""
        text = text[:SOURCE_TEXT]
        return PUA_RE.sub(lambda m: self.ids[ord(m.group()) - PUA_START]
                           if ord(m.group()) - PUA_START < len(self.ids) else "", text)


@dataclass
class Section:
    """The blocks under one dated heading (or under the caller's date)."""

    when: date | None
    precision: str
    anchor: str
    blocks: list[Node] = field(default_factory=list)

    # The document's links to model pages, by link text: "DeepSeek V3.2" -> "deepseek-v3p2"
    # (``app.fireworks.ai/models/fireworks/deepseek-v3p2``). One dict for all its sections.
    links: dict[str, str] = field(default_factory=dict)
    # Undated sections only: the latest day the page says a retirement already happened on,
    # which the page was written after ("were discontinued on May 25, 2026"). A year-less date
    # ("sunset on August 31") takes its year when that puts it on or after this day.
    written_after: date | None = None

    @property
    def has_table(self) -> bool:
        return any(block.table_row for block in self.blocks)


# ------------------------------------------------------------------------- public interface


def sections_from(data: bytes | str, *, when: date | None = None, precision: str = DAY,
                  anchor: str = "") -> list[Section]:
    """Split a document (HTML, else Markdown/plain text) into dated sections of blocks.

    ``when`` dates the blocks that come before any dated heading (e.g. a feed item's date).
    """
    text = _unmarked(decode(data))
    html = looks_like_html(text)
    markup = text if html else markdown_to_html(_updates_as_headings(text))
    soup = soup_of(markup)
    links = model_links(soup)
    events: list[tuple] = []
    _walk(_content_root(soup), events)
    sections = _group(events, Section(when, precision, anchor), from_markdown=not html)
    for section in sections:
        section.links = links
    return sections


_MODEL_SLUG = re.compile(r"[a-z0-9][a-z0-9._:@-]*\d[a-z0-9._:@-]*|[a-z0-9][a-z0-9._:@-]*-[a-z]+")


def model_links(soup: BeautifulSoup) -> dict[str, str]:
    """Link text -> identifier, for links to a model's own page (``.../models/<org>/<id>``,
    as model catalogues name them) whose text is a display name with a version in it."""
    out: dict[str, str] = {}
    for a in soup.find_all("a", href=True, limit=5000):
        text = " ".join(a.get_text(" ").split())
        path = [p for p in str(a["href"]).split("?")[0].split("#")[0].split("/") if p]
        if (len(path) >= 3 and "models" in path[:-2] and _MODEL_SLUG.fullmatch(path[-1])
                and re.search(r"\d", text) and len(text) <= 60):
            out.setdefault(text, path[-1])
    return out


_UPDATE = re.compile(r"^[ \t]*<Update\b[^>]*?\blabel=[\"']([^\"']{1,80})[\"'][^>]*>[ \t]*$"
                     r"(.*?)^[ \t]*</Update>[ \t]*$", re.MULTILINE | re.DOTALL | re.IGNORECASE)
_MD_HEADING_LINE = re.compile(r"^(#{1,5})(?=\s)", re.MULTILINE)


def _updates_as_headings(text: str) -> str:
    """Mintlify's ``<Update label="2026-05-14">...</Update>`` entries as ``# 2026-05-14``
    headings, the entry's own headings one level down and its indentation removed."""
    def entry(m: re.Match[str]) -> str:
        body = _MD_HEADING_LINE.sub(r"#\1", textwrap.dedent(m.group(2)))
        return f"\n# {m.group(1).strip()}\n\n{body}\n"
    return _UPDATE.sub(entry, text)



def _content_root(soup: BeautifulSoup) -> Tag:
    """The page's content: its one <article>, else <main>, else <body>; chrome removed."""
    for tag in soup.find_all(list(_SKIP | _CHROME)):
        if not isinstance(tag, Tag) or tag.decomposed:
            continue
        if tag.name in _CHROME and tag.find_parent(["article", "main", "section"]):
            continue
        tag.decompose()
    articles = soup.find_all("article")
    if len(articles) == 1:  # several articles: a changelog with one per entry
        return articles[0]
    for selector in ("main", "[role=main]", "body"):
        found = soup.select_one(selector)
        if found is not None:
            return found
    return soup


def _walk(el: Tag, events: list[tuple], depth: int = 0) -> None:
    """Document order: ("heading", level, tag) and ("block", Node) events."""
    if depth > _MAX_DEPTH:  # absurd nesting: read what is left as one block of text
        events.append(("block", _node_from_text(el.get_text(" "))))
        return
    inline: list = []
    for child in list(el.children):
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString) or (isinstance(child, Tag)
                                                  and child.name not in _BLOCKS
                                                  and not _has_blocks(child)):
            if not (isinstance(child, NavigableString) and not child.strip() and not inline):
                inline.append(child)
            continue
        _flush(inline, events, depth)
        name = child.name
        if name in _HEADINGS:
            events.append(("heading", int(name[1]), child))
        elif name in ("ul", "ol"):
            items = [_node(li, depth) for li in child.find_all("li", recursive=False)]
            lead = events[-1][1] if events and events[-1][0] == "block" else None
            if lead is not None and not lead.children and lead.text.endswith(":"):
                lead.children.extend(items)  # "the following models will be retired:" + list
            else:
                events.extend(("block", item) for item in items)
        elif name == "table":
            for row in child.find_all("tr"):
                cells = [c.get_text(" ", strip=True) for c in row.find_all(["td", "th"])]
                if any(cells):
                    node = _node_from_text("; ".join(cells))
                    node.table_row = True
                    events.append(("block", node))
        elif name in _LEAF_BLOCKS or not _has_blocks(child):
            events.append(("block", _node(child, depth)))
        else:
            _walk(child, events, depth + 1)
    _flush(inline, events, depth)


def _has_blocks(el: Tag) -> bool:
    return el.find(list(_BLOCKS - {"br"})) is not None


def _flush(inline: list, events: list[tuple], depth: int) -> None:
    if inline:
        ids: list[str] = []
        parts: list[str] = []
        children: list[Node] = []
        for piece in inline:
            _inline(piece, ids, parts, children, depth + 1)
        node = Node(_clean("".join(parts)), ids, children)
        if node.text or children:
            events.append(("block", node))
        inline.clear()


def _node(el: Tag, depth: int = 0) -> Node:
    ids: list[str] = []
    parts: list[str] = []
    children: list[Node] = []
    for child in el.children:
        _inline(child, ids, parts, children, depth + 1)
    return Node(_clean("".join(parts)), ids, children)


def _node_from_text(text: str) -> Node:
    ids: list[str] = []
    return Node(_clean(_plain_ids(_unmarked(text), ids)), ids)


def _unmarked(text: str) -> str:
    """Document text without private-use characters (``&#xE000;``): those are our markers."""
    return PUA_RE.sub(" ", text)


def _inline(el, ids: list[str], parts: list[str], children: list[Node], depth: int) -> None:
    """Own text of a block; nested lists become child nodes, code becomes placeholders."""
    if isinstance(el, Comment):
        return
    if isinstance(el, NavigableString):
        parts.append(_plain_ids(re.sub(r"\s+", " ", _unmarked(str(el))), ids))
        return
    if not isinstance(el, Tag):
        return
    if depth > _MAX_DEPTH:
        parts.append(_plain_ids(re.sub(r"\s+", " ", _unmarked(el.get_text(" "))), ids))
    elif el.name in ("ul", "ol"):
        children.extend(_node(li, depth) for li in el.find_all("li", recursive=False))
        parts.append("\n")
    elif el.name in _CODE:
        parts.append(_placeholder(ids, el.get_text()))
    elif el.name == "br":
        parts.append("\n")
    elif el.name == "table":
        for row in el.find_all("tr"):
            cells = [c.get_text(" ", strip=True) for c in row.find_all(["td", "th"])]
            parts.append("\n" + _plain_ids(_unmarked("; ".join(cells)), ids) + "\n")
    elif el.name in _BLOCKS or el.name in _HEADINGS:
        parts.append("\n")
        for child in el.children:
            _inline(child, ids, parts, children, depth + 1)
        parts.append("\n")
    else:
        for child in el.children:
            _inline(child, ids, parts, children, depth + 1)


def _placeholder(ids: list[str], text: str) -> str:
    text = re.sub(r"\s+", " ", _unmarked(text)).strip()
    if not text or len(ids) >= PUA_SIZE:
        return text
    ids.append(text)
    return chr(PUA_START + len(ids) - 1)


def _plain_ids(text: str, ids: list[str]) -> str:
    return _PLAIN_ID.sub(lambda m: _placeholder(ids, m.group()), text)


def _clean(text: str) -> str:
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _group(events: list[tuple], first: Section, *, from_markdown: bool) -> list[Section]:
    """Blocks under the nearest enclosing dated heading; undated headings inherit the date."""
    sections = [first]
    stack: list[tuple[int, Section | None]] = []
    for event in events:
        if event[0] == "heading":
            _, level, tag = event
            while stack and stack[-1][0] >= level:
                stack.pop()
            heading = _unmarked(tag.get_text(" ", strip=True))
            dated = _heading_date(heading)
            if dated:
                anchor = heading_anchor(tag, from_markdown=from_markdown)
                section = Section(dated[0], dated[1], anchor)
                sections.append(section)
                stack.append((level, section))
            else:
                stack.append((level, None))
                current = _current(stack, first)
                if current is not sections[-1]:  # back under an outer dated heading
                    current = Section(current.when, current.precision, current.anchor)
                    sections.append(current)
                if RETIREMENT_SAID.search(heading):  # "Deprecating X on DATE" as a heading
                    sections[-1].blocks.append(_node_from_text(heading))
            continue
        node = event[1]
        dated = _heading_date(node.text) if not node.children and len(node.text) <= 40 else None
        if dated and not node.ids:  # a bold "November 4, 2025" line acting as a heading
            while stack and stack[-1][0] >= 7:
                stack.pop()
            section = Section(dated[0], dated[1], sections[-1].anchor)
            sections.append(section)
            stack.append((7, section))
            continue
        sections[-1].blocks.append(node)
    return [s for s in sections if s.blocks]


def _current(stack: list[tuple[int, Section | None]], first: Section) -> Section:
    for _, section in reversed(stack):
        if section is not None:
            return section
    return first


def _heading_date(text: str) -> tuple[date, str] | None:
    """The date a heading stands for: it leads the heading or is nearly all of it."""
    found = find_dates(text)
    if not found:
        return None
    when, precision, start, end = found[0]
    rest = (text[:start] + " " + text[end:]).strip(" :-–—|,.()")
    if start <= 3 or len(rest.split()) <= 3:
        return when, precision
    return None
