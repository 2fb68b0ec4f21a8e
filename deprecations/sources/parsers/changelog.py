"""Generic changelog parser: model retirements announced in prose under dated headings.

Release notes and changelogs (HTML, Markdown or plain text) are mostly about launches; here and
there a bullet says "The following models will be deprecated: November 12: ...", "X will be
shut down on DATE", "X is no longer supported", "use Y instead". This module finds those
sentences and turns them into ``Record``s:

* the document becomes sections (the date of the enclosing dated heading, or a caller's date
  such as a feed item's) holding blocks (a list item with its nested lists, a paragraph);
* identifiers come from ``<code>``/backticks, or from model-like tokens (``gpt-4o-mini``), or,
  when a sentence names no identifier, from display names with a version (``Gemini 1.0 Pro``);
* each date in a retirement sentence belongs to the nearest retirement word before it
  (``deprecated on A and removed on B``); a present or past "is deprecated" / "has been shut
  down" with no date takes the heading's date; a future one with no date gives nothing;
* replacements only from explicit phrases (``use Y instead``, ``in favour of Y``, ``migrate
  to Y``) in the same sentence or block, or from a stable release of the same family announced
  in the same block ("Released X, the stable version ...").

Words are kept as the vendor wrote them: "deprecated" fills ``deprecated``, "shut down" /
"retired" / "removed" fill ``shutdown``; a vendor that says "deprecated" for the end of service
maps that in its own thin parser (see ``gemini.py``). Pages with no retirements give nothing.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from bs4 import BeautifulSoup, Comment, NavigableString, Tag, XMLParsedAsHTMLWarning

from deprecations.sources.parsers.dates import find_dates
from deprecations.sources.parsers.registry import ParseError, register
from deprecations.sources.records import DAY, Record

DEPRECATE, SHUTDOWN, ANNOUNCE = "deprecated", "shutdown", "announced"

# Identifiers are replaced by one private-use character each, so that sentence splitting,
# date finding and phrase matching never look inside ``gemini-2.5-flash-preview-05-20``.
_PUA_START, _PUA_SIZE = 0xE000, 0x1900
_PUA_RE = re.compile(f"[{chr(_PUA_START)}-{chr(_PUA_START + _PUA_SIZE - 1)}]")

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

# A plain-text identifier: lower case, joined by - . : and holding a digit (gpt-4o-mini,
# claude-3-5-sonnet-20240620, anthropic.claude-v2:1). Words such as "low-cost" have no digit.
_PLAIN_ID = re.compile(
    r"(?<![\w.@/:-])(?=[a-z0-9.:-]*\d)[a-z][a-z0-9]*(?:[-.:][a-z0-9]+)*[-.][a-z0-9]+"
    r"(?![\w@/-]|\.\w)")

_RETIRE_WORDS = (
    (SHUTDOWN, r"shut(?:ting|s)?[\s-]?(?:down|off)|shutdown|retir(?:e|ed|es|ing|ement)"
               r"|remov(?:e|ed|es|ing|al)|discontinu(?:e|ed|es|ing|ation)"
               r"|sunset(?:s|ted|ting)?|decommission(?:ed|ing)?|EOL"
               r"|end[\s-]of[\s-](?:life|support)|(?:remains?|be) available (?:until|through)"
               r"|no longer (?:be )?(?:supported|available|accessible|served|offered)"
               r"|(?:stop|cease)(?:s|ped)? (?:working|serving|being served)"
               r"|turned off|taken offline"),
    (DEPRECATE, r"deprecat\w*|legacy status|(?:marked|moved?|moving) (?:as |to )?legacy"),
    (ANNOUNCE, r"notif(?:y|ied|ying)|announc(?:e|ed|ing)"),
)
_KEYWORD_RE = re.compile("|".join(f"(?P<{c}>\\b(?:{p})\\b)" for c, p in _RETIRE_WORDS),
                         re.IGNORECASE)
# Forms that say it has happened ("is deprecated", "has been shutdown", "removed from"),
# which take the heading's date when no date is written; nouns ("deprecation") do not.
_DONE_FORM = re.compile(
    r"deprecated|deprecating|removed|retired|discontinued|sunsetted|sunset|decommissioned"
    r"|turned off|taken offline|shut ?down|shut off|no longer .*|(?:stopped|ceased) .*",
    re.IGNORECASE)
# "We've announced the deprecation of X": the noun, announced, is a deprecation as of now.
_ANNOUNCED_NOUN = re.compile(r"\bannounc\w*\s+(?:the\s+)?$", re.IGNORECASE)
_DONE_NOUN_OK = re.compile(r"\b(?:been|is|are|was|were|now|got)\s+$", re.IGNORECASE)
_FUTURE = re.compile(r"\b(?:will|shall|going to|coming|upcoming|scheduled|planned|plans? to"
                     r"|intends? to|soon)\b", re.IGNORECASE)
_NEGATED = re.compile(r"\b(?:not|never|no plans to|n't)\b(?:\s+\w+){0,2}\s*$", re.IGNORECASE)
_LEAD = re.compile(r"\bfollowing\b|:\s*$", re.IGNORECASE)
_MODELS_WORD = re.compile(r"\bmodels?\b", re.IGNORECASE)
_PRONOUN = re.compile(r"^\W*(?:it|they|these|this|those|both|the (?:model|models|snapshots?)"
                      r"|all of them|each)\b", re.IGNORECASE)
_TUNING = re.compile(r"\b(?:fine[\s-]?)?tun(?:ing|ed)\b", re.IGNORECASE)
# "Support for using URL context with the X model ... discontinued": a feature of X ends.
_FEATURE_OF = re.compile(r"\bsupport\s+for\s+\S.*\b(?:with|on|in|using|via|through)\s+(?:the\s+)?$",
                         re.IGNORECASE)
_CONTEXT_PREP = re.compile(r"\b(?:for|with|on|in|using|via|of|by)\s+(?:the\s+)?$",
                           re.IGNORECASE)
_NOT_MODEL_NEXT = re.compile(
    r"\s*(?:parameters?|fields?|arguments?|endpoints?|headers?|flags?|methods?|options?"
    r"|settings?|propert(?:y|ies)|values?|attributes?|keys?|params?)\b", re.IGNORECASE)
_REPLACEMENT = [re.compile(p, re.IGNORECASE) for p in (
    r"\b(?:use|using|try)\s+(?P<x>[^.;:!?]{1,100}?)\s+instead\b",
    r"\binstead,?\s+(?:please\s+)?(?:use|try)\s+(?P<x>[^.;!?]{1,100})",
    r"\bin favou?r of\s+(?P<x>[^.;!?]{1,100})",
    r"\breplace(?:d|ment)?\s+(?:by|with|is|model(?:\s+is)?:?)\s+(?P<x>[^.;!?]{1,100})",
    r"\b(?:migrate|migrating|switch|switching|upgrade|upgrading|move|moving|transition"
    r"|transitioning)\s+(?:\w+\s+){0,2}?to\s+(?P<x>[^.;!?]{1,100})",
    r"\brecommend(?:ed|s)?\s+(?:that\s+)?(?:you\s+|customers\s+|users\s+)?(?:to\s+)?"
    r"(?:use|using|switch(?:ing)? to|migrat(?:e|ing) to|upgrad(?:e|ing) to)\s+"
    r"(?P<x>[^.;!?]{1,100})",
    r"\b(?:recommended\s+)?(?:replacement|successor|alternative)s?(?:\s+model)?(?:\s+is|:)\s*"
    r"(?P<x>[^.;!?]{1,100})",
    r"\bredirect(?:ed|ing|s)?\s+to\s+(?P<x>[^.;!?]{1,100})",
    r"\bpoints?\s+to\s+(?P<x>[^.;!?]{1,100})",
)]
_STABLE_RELEASE = re.compile(r"\b(?:released|launched|introduc\w+|now available)\b.*"
                             r"\b(?:stable|generally available|GA)\b", re.IGNORECASE)

# Display names: a capitalised word followed by words and version numbers (Gemini 1.0 Pro
# Vision, Claude 3 Opus, GPT-4, Imagen 4). Used only when a sentence names no identifier.
_WORD = r"[A-Z][A-Za-z]*(?:[-.][A-Za-z0-9]+)*"
_NUM = r"(?:\d+(?:\.\d+)*[a-z]?|v\d+(?:\.\d+)*)"
_DISPLAY = re.compile(rf"(?<![\w.-]){_WORD}(?:[ \u00a0](?:{_WORD}|{_NUM}))*(?![\w-])")
_DISPLAY_STOP = {
    "the", "a", "an", "support", "use", "deprecation", "deprecated", "released", "launched",
    "our", "new", "on", "in", "for", "all", "both", "see", "starting", "effective", "as", "we",
    "this", "these", "that", "model", "models", "and", "or", "with", "from", "to", "by", "of",
    "you", "if", "after", "before", "until", "since", "note", "update", "updates", "api", "then",
    "please", "access", "beginning", "following", "legacy", "version", "versions", "retired",
    "retiring", "removed", "removal", "shutdown", "migrate", "instead", "when", "at",
    "today", "now", "important", "reminder", "notice", "upcoming",
}
# a leading "Deprecating", "Retired", "Announced" is the verb, not part of the name
_VERB_TOKEN = re.compile(r"[A-Z][a-z]+(?:ing|ed)")
_MONTH_WORDS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "q1", "q2", "q3", "q4",
}
_SNAPSHOT_SUFFIX = re.compile(r"\s\d{3}$")
_API_VERSION = re.compile(r"v\d+(?:alpha|beta)?\d*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\n+|(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'`(\[" +
                           f"{chr(_PUA_START)}-{chr(_PUA_START + _PUA_SIZE - 1)}])")
_YEAR_ROLL = timedelta(days=60)
_SOURCE_TEXT = 1000
_MAX_DEPTH = 60  # nesting beyond this is flattened to text (no recursion limit to hit)
_WINDOW = 300  # how far back a phrase ("support for ... with the") may reach, in characters


# --------------------------------------------------------------------------- document model


@dataclass
class Node:
    """A block's own text (identifiers as placeholders) and its nested list items."""

    text: str
    ids: list[str]
    children: list[Node] = field(default_factory=list)

    def restore(self, text: str) -> str:
        """The text as written (identifiers back in place), at most ~1000 characters."""
        text = text[:_SOURCE_TEXT]
        return _PUA_RE.sub(lambda m: self.ids[ord(m.group()) - _PUA_START]
                           if ord(m.group()) - _PUA_START < len(self.ids) else "", text)


@dataclass
class Section:
    """The blocks under one dated heading (or under the caller's date)."""

    when: date | None
    precision: str
    anchor: str
    blocks: list[Node] = field(default_factory=list)


# ------------------------------------------------------------------------- public interface


def looks_like_html(text: str) -> bool:
    """Markup that starts as HTML; Markdown with a few inline tags (MDX) is not."""
    head = text[:4000].lstrip("\ufeff \t\r\n").lower()
    return head.startswith("<") and bool(
        re.search(r"<(?:!doctype html|html|body|div|p|h[1-6]|ul|li|article|main)\b", head))


def decode(data: bytes | str) -> str:
    """Bytes as text: UTF-16 with its BOM, else UTF-8, else Windows-1252; never raises."""
    if isinstance(data, str):
        return data
    encodings = ["utf-16"] if data[:2] in (b"\xff\xfe", b"\xfe\xff") else []
    for encoding in [*encodings, "utf-8-sig", "cp1252"]:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")


def check_text(text: str) -> None:
    """Raise ParseError for input that is clearly no document (empty or binary)."""
    sample = text[:20000]
    if not sample.strip():
        raise ParseError("empty document")
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\n\r\f")
    if controls > max(8, len(sample) // 50):
        raise ParseError("binary data, not a text document")


def sections_from(data: bytes | str, *, when: date | None = None, precision: str = DAY,
                  anchor: str = "") -> list[Section]:
    """Split a document (HTML, else Markdown/plain text) into dated sections of blocks.

    ``when`` dates the blocks that come before any dated heading (e.g. a feed item's date).
    """
    text = _unmarked(decode(data))
    markup = text if looks_like_html(text) else _markdown_to_html(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)  # stray XML is read as HTML
        soup = BeautifulSoup(markup, "lxml")
    events: list[tuple] = []
    _walk(_content_root(soup), events)
    return _group(events, Section(when, precision, anchor))


def extract(sections: list[Section], *, vendor: str, url: str = "") -> list[Record]:
    """Retirement records from dated sections, in document order, merged per model."""
    records: list[Record] = []
    for section in sections:
        for block in section.blocks:
            records.extend(_block_records(block, section, vendor=vendor, url=url))
    return merge_deprecation_then_removal(_dedupe(records))


def extract_records(data: bytes | str, *, vendor: str = "", url: str = "",
                    when: date | None = None, precision: str = DAY,
                    anchor: str = "") -> list[Record]:
    """``sections_from`` then ``extract``: the one call other parsers use."""
    return extract(sections_from(data, when=when, precision=precision, anchor=anchor),
                   vendor=vendor, url=url)


def vendor_from(text: str, url: str = "") -> str:
    """A vendor name for a page when the caller gives none: og:site_name, else the host."""
    found = re.search(r"<meta[^>]+property=[\"']og:site_name[\"'][^>]+content=[\"']([^\"']+)",
                      text[:20000], re.IGNORECASE)
    if found:
        return found.group(1).strip()
    host = re.match(r"\w+://([^/:]+)", url or "")
    return host.group(1) if host else ""


def sniff(data: bytes, url: str = "") -> float:
    """Low scores, below a recognised deprecation table (0.2): prose with retirement words
    under dated headings 0.15, retirement words and dates anywhere 0.1; nothing for feeds."""
    head = decode(data[:300000])
    if re.search(r"<(?:rss|feed|rdf:RDF)\b", head[:3000]):
        return 0.0
    words = re.search(r"\b(?:deprecat|retir|shut\s?down|discontinu|sunset)\w*", head,
                      re.IGNORECASE)
    dates = re.search(r"\b(?:19|20)\d\d\b", head)
    if not (words and dates):
        return 0.02 if dates else 0.0
    dated_heading = re.search(
        r"(?:<h[1-6][^>]*>|^#{1,6}[ \t])[^<\n]{0,40}\b(?:19|20)\d\d\b", head, re.MULTILINE)
    return 0.15 if dated_heading else 0.1


@register("changelog", sniff=sniff, generic=True)
def parse(data: bytes, *, url: str = "", vendor: str | None = None) -> list[Record]:
    """Generic changelog / release notes: retirements in prose under dated headings."""
    text = decode(data)
    check_text(text)
    return extract_records(text, vendor=vendor or vendor_from(text, url), url=url)


# ---------------------------------------------------------------- HTML to sections and blocks


def _markdown_to_html(text: str) -> str:
    # markdown-it-py comes with rich (a dependency); without it, lines become paragraphs.
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # pragma: no cover
        from html import escape
        return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())
    try:
        return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    except Exception:  # noqa: BLE001 - a renderer bug must not make the page unreadable
        from html import escape
        return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())


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
                    events.append(("block", _node_from_text("; ".join(cells))))
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
    return _PUA_RE.sub(" ", text)


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
    if not text or len(ids) >= _PUA_SIZE:
        return text
    ids.append(text)
    return chr(_PUA_START + len(ids) - 1)


def _plain_ids(text: str, ids: list[str]) -> str:
    return _PLAIN_ID.sub(lambda m: _placeholder(ids, m.group()), text)


def _clean(text: str) -> str:
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _group(events: list[tuple], first: Section) -> list[Section]:
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
                section = Section(dated[0], dated[1], _anchor(tag))
                sections.append(section)
                stack.append((level, section))
            else:
                stack.append((level, None))
                current = _current(stack, first)
                if current is not sections[-1]:  # back under an outer dated heading
                    current = Section(current.when, current.precision, current.anchor)
                    sections.append(current)
                if _KEYWORD_RE.search(heading):  # "Deprecating X on DATE" as a heading
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


def _anchor(tag: Tag) -> str:
    if tag.get("id"):
        return str(tag["id"])
    inner = tag.find(attrs={"id": True}) or tag.find("a", attrs={"name": True})
    if inner is not None:
        return str(inner.get("id") or inner.get("name"))
    return ""


# ------------------------------------------------------------------- sentences to records


@dataclass
class _Notice:
    """What one block says about one model, gathered before it becomes a Record."""

    model: str
    name: str = ""
    kind: str = "model"
    events: dict = field(default_factory=dict)  # class -> (date, precision)
    replacements: tuple[str, ...] = ()
    text: str = ""


def _sentences(text: str) -> list[str]:
    """Lines, then sentences; a period inside ``gemini-2.5`` never ends one (placeholders)."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if text[start:match.start()].strip():
            out.append(text[start:match.start()].strip())
        start = match.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def _block_records(block: Node, section: Section, *, vendor: str, url: str) -> list[Record]:
    notices: dict[str, _Notice] = {}
    context = _BlockContext.of(block)
    _node_notices(block, section, notices, inherited=None)
    records = []
    for notice in notices.values():
        record = _record(notice, section, context, vendor=vendor, url=url)
        if record:
            records.append(record)
    return records


@dataclass
class _BlockContext:
    """Replacements and stable releases stated anywhere in a top-level block."""

    replacements: tuple[str, ...] = ()
    stable: tuple[str, ...] = ()

    @classmethod
    def of(cls, block: Node) -> _BlockContext:
        replacements: list[str] = []
        stable: list[str] = []
        for sentence in _sentences(block.text):
            for _, names in _replacement_spans(sentence, block):
                replacements.extend(n for n in names if n not in replacements)
            if _STABLE_RELEASE.search(sentence) and not _KEYWORD_RE.search(sentence):
                stable.extend(block.ids[i] for i in _placeholders(sentence, block))
        return cls(tuple(replacements), tuple(stable))


def _node_notices(node: Node, section: Section, notices: dict[str, _Notice],
                  inherited: tuple | None) -> None:
    consumed = False
    last_models: list[str] = []
    for sentence in _sentences(node.text):
        keywords = _keywords(sentence)
        if not any(cls in (SHUTDOWN, DEPRECATE) for _, _, cls in keywords):
            continue
        events = _sentence_events(sentence, keywords, section)
        quoted = node.restore(sentence)
        tuning = bool(_TUNING.search(sentence))
        spans = _replacement_spans(sentence, node)
        own_replacements = tuple(n for _, names in spans for n in names)
        is_lead = bool(node.children and _LEAD.search(sentence))
        models = _sentence_models(sentence, node, spans, names=not is_lead)
        if not models and is_lead:
            consumed = True
            primary = _primary(keywords)
            loose = bool(_MODELS_WORD.search(sentence))
            for model, name, when, path in _listed_models(node.children, section, inherited,
                                                          loose=loose):
                ev = dict(events)
                if when:
                    ev[primary] = when
                elif primary not in ev and _heading_applies(sentence, keywords, primary):
                    ev[primary] = (section.when, section.precision)
                _add(notices, model, name, ev, own_replacements, f"{quoted} {path}", tuning)
            continue
        if not models and _PRONOUN.search(sentence):
            models = [(m, notices[m].name) for m in last_models if m in notices]
        for model, name in models:
            _add(notices, model, name, events, own_replacements, quoted, tuning)
        if models:
            last_models = [_qualified(m, tuning) for m, _ in models]
    if not consumed:
        for child in node.children:
            _node_notices(child, section, notices, inherited)


def _add(notices: dict[str, _Notice], model: str, name: str, events: dict,
         replacements: tuple[str, ...], text: str, tuning: bool) -> None:
    key = _qualified(model, tuning)
    notice = notices.get(key)
    if notice is None:
        kind = "feature" if key != model else "model"
        notice = notices[key] = _Notice(key, name=name, kind=kind, text=text)
    for cls, when in events.items():
        notice.events.setdefault(cls, when)
    if replacements and not notice.replacements:
        notice.replacements = tuple(r for r in replacements if r != model)


def _qualified(model: str, tuning: bool) -> str:
    # "The last available tuning model, X, has been shut down": tuning on X ends, not X.
    return f"{model} (tuning)" if tuning and "(" not in model else model


def _keywords(sentence: str) -> list[tuple[int, int, str]]:
    found = []
    for match in _KEYWORD_RE.finditer(sentence):
        if _NEGATED.search(sentence[max(0, match.start() - 30):match.start()]):
            continue
        found.append((match.start(), match.end(), match.lastgroup))
    return found


def _primary(keywords: list[tuple[int, int, str]]) -> str:
    classes = [cls for _, _, cls in keywords]
    return SHUTDOWN if SHUTDOWN in classes else DEPRECATE


def _sentence_events(sentence: str, keywords: list[tuple[int, int, str]],
                     section: Section) -> dict:
    """Each date to the nearest retirement word before it (else after it)."""
    events: dict = {}
    owned: set[int] = set()
    leading = []
    for when, precision, start, _ in _dates(sentence, section):
        before = [k for k in keywords if k[1] <= start]
        if before:
            owned.add(before[-1][0])
            events.setdefault(before[-1][2], (when, precision))
        else:
            leading.append((when, precision, start))
    for when, precision, start in leading:
        # "Starting June 24, 2025, X is deprecated": the next word that has no date of its own
        after = [k for k in keywords if k[0] >= start and k[0] not in owned]
        if after:
            owned.add(after[0][0])
            events.setdefault(after[0][2], (when, precision))
    for start, end, cls in keywords:
        if cls in events or cls == ANNOUNCE:
            continue
        if _is_done(sentence, start, end):
            events[cls] = (section.when, section.precision)
    return {cls: when for cls, when in events.items() if when[0] is not None}


def _is_done(sentence: str, start: int, end: int) -> bool:
    """A participle or "is/has been X" that is not in a future clause."""
    word = sentence[start:end]
    before = sentence[max(0, start - _WINDOW):start]
    if not _DONE_FORM.fullmatch(word) and not _ANNOUNCED_NOUN.search(before):
        return False
    clause = re.split(r"[,;:]\s|\band\b|\bbut\b", before)[-1]
    if _FUTURE.search(clause):
        return False
    if word.lower().replace(" ", "") == "shutdown" and not _DONE_NOUN_OK.search(before):
        return False  # "shutdown" as a noun ("the shutdown of X") says nothing about now
    return True


def _heading_applies(sentence: str, keywords: list[tuple[int, int, str]], cls: str) -> bool:
    return any(c == cls and _is_done(sentence, s, e) for s, e, c in keywords)


def _dates(sentence: str, section: Section) -> list[tuple[date, str, int, int]]:
    """Dates in a sentence; a year-less one takes the section's year, rolled past New Year."""
    if section.when is None:
        return find_dates(sentence)
    with_year = {(s, e) for _, _, s, e in find_dates(sentence)}
    out = []
    for when, precision, start, end in find_dates(sentence, default_year=section.when.year):
        if (start, end) not in with_year and when < section.when - _YEAR_ROLL:
            try:
                when = when.replace(year=when.year + 1)
            except ValueError:
                continue
        out.append((when, precision, start, end))
    return out


def _placeholders(text: str, node: Node) -> list[int]:
    return [i for i in (ord(c) - _PUA_START for c in _PUA_RE.findall(text)) if i < len(node.ids)]


def _replacement_spans(sentence: str, node: Node) -> list[tuple[tuple[int, int], list[str]]]:
    spans = []
    for pattern in _REPLACEMENT:
        for match in pattern.finditer(sentence):
            text = match.group("x")
            names = [node.ids[i] for i in _placeholders(text, node) if _is_model_id(node.ids[i])]
            if not names:
                names = [name for name, _ in _display_names(text)]
            if names:
                spans.append((match.span("x"), names))
    return spans


def _sentence_models(sentence: str, node: Node, spans, *, names: bool = True
                     ) -> list[tuple[str, str]]:
    """Retired models named in a sentence: identifiers, else (``names``) display names."""
    out: list[tuple[str, str]] = []
    feature_subject = False  # "The `temperature` parameter is deprecated for `model-x`"
    seen: set[str] = set()
    for match in _PUA_RE.finditer(sentence):
        pos, index = match.start(), ord(match.group()) - _PUA_START
        if index >= len(node.ids):
            continue
        ident = node.ids[index]
        if any(s <= pos < e for (s, e), _ in spans):
            continue
        if not _is_model_id(ident) or _NOT_MODEL_NEXT.match(sentence, pos + 1):
            feature_subject = True
            continue
        before = sentence[max(0, pos - _WINDOW):pos]
        if _FEATURE_OF.search(before) or (feature_subject and _CONTEXT_PREP.search(before)):
            continue
        if _object_of_other_thing(sentence, pos):
            continue
        if ident not in seen:
            seen.add(ident)
            out.append((ident, ""))
    if out or _placeholders(sentence, node) or not names:
        return out
    covered = [(s, e) for (s, e), _ in spans]
    for name, start in _display_names(sentence):
        if any(s <= start < e for s, e in covered) or _FEATURE_OF.search(
                sentence[max(0, start - _WINDOW):start]):
            continue
        out.append(_display_model(name))
    return out


def _object_of_other_thing(sentence: str, pos: int) -> bool:
    """"We removed the beta header requirement for X": what ends is something else, named
    between the retirement word and the preposition; "Deprecation for X" is about X."""
    before = sentence[max(0, pos - _WINDOW):pos]
    prep = _CONTEXT_PREP.search(before)
    if not prep:
        return False
    words = None
    for match in _KEYWORD_RE.finditer(before[:prep.start()]):
        words = before[match.end():prep.start()].split()
    return words is not None and len([w for w in words if w.lower() not in ("the", "a")]) >= 2


def _display_names(text: str) -> list[tuple[str, int]]:
    dates = [(s, e) for _, _, s, e in find_dates(text, default_year=2000)]
    out = []
    for match in _DISPLAY.finditer(text):
        tokens = match.group().split()
        start = match.start()
        while tokens and (tokens[0].lower() in _DISPLAY_STOP or tokens[0].isdigit()
                          or _VERB_TOKEN.fullmatch(tokens[0])):
            start = text.index(tokens[0], start) + len(tokens[0])
            tokens.pop(0)
        while tokens and tokens[-1].lower() in _DISPLAY_STOP:
            tokens.pop()
        if not tokens or not any(ch.isdigit() for ch in " ".join(tokens)):
            continue
        if tokens[0].lower().rstrip(".") in _MONTH_WORDS or not tokens[0][0].isalpha():
            continue
        first = text.index(tokens[0], start)
        if any(s <= first < e for s, e in dates):
            continue
        out.append((" ".join(tokens).rstrip("."), first))
    return out


def _display_model(name: str) -> tuple[str, str]:
    """``Gemini 1.5 Flash 001`` names one snapshot: its identifier is the slug; family names
    such as ``Gemini 1.0 Pro`` stay as written (which identifier they mean is not said)."""
    if _SNAPSHOT_SUFFIX.search(name):
        return re.sub(r"\s+", "-", name.lower()), name
    return name, ""


def _is_model_id(text: str, *, loose: bool = False) -> bool:
    """Rules out endpoints, headers, parameters and API versions written as code."""
    if not 2 <= len(text) <= 100 or re.search(r"\s|=|://|^[/-]", text):
        return False
    if not re.search(r"[A-Za-z]", text) or _API_VERSION.fullmatch(text):
        return False
    if find_dates(text) and re.fullmatch(r"[\d\W]+", text):
        return False
    return bool(re.search(r"\d|-", text) or (loose and re.fullmatch(r"[A-Za-z][\w.]*", text)
                                              and "_" not in text))


def _listed_models(children: list[Node], section: Section, inherited: tuple | None,
                   path: str = "", *, loose: bool = False):
    """(model, name, date, text) for every item of a "The following models ...:" list.

    ``loose``: the lead says these are models, so a one-word code name (``command``) counts.
    """
    for child in children:
        found = _dates(child.text, section)
        when = (found[0][0], found[0][1]) if found else inherited
        text = f"{path} {child.restore(child.text)}".strip()[:_SOURCE_TEXT]
        ids = [i for i in child.ids if _is_model_id(i, loose=loose)]
        if ids:
            for ident in ids:
                yield ident, "", when, text
        elif not child.children and not found:
            for name, _ in _display_names(child.text):
                yield (*_display_model(name), when, text)
        yield from _listed_models(child.children, section, when, text if found else path,
                                  loose=loose)


def _record(notice: _Notice, section: Section, context: _BlockContext, *, vendor: str,
            url: str) -> Record | None:
    events = notice.events
    if SHUTDOWN not in events and DEPRECATE not in events:
        return None  # a future retirement with no date: nothing to put on a calendar
    replacements = notice.replacements or context.replacements or _successor(notice.model,
                                                                             context.stable)
    announced = events.get(ANNOUNCE, (section.when, section.precision))[0]
    shutdown, precision = events.get(SHUTDOWN, (None, DAY))
    deprecated, deprecated_precision = events.get(DEPRECATE, (None, DAY))
    return Record(
        vendor=vendor, model=notice.model, name=notice.name, kind=notice.kind,
        announced=announced, deprecated=deprecated, shutdown=shutdown,
        shutdown_precision=precision,
        replacements=tuple(r for r in replacements if r != notice.model),
        source_url=url, anchor=section.anchor, source_text=notice.text[:_SOURCE_TEXT],
        extra={"deprecated_precision": deprecated_precision,
               "announced_precision": section.precision},
    )


def _successor(model: str, stable: tuple[str, ...]) -> tuple[str, ...]:
    """A stable release of the same family in the same block (``gemini-embedding-001`` for
    ``gemini-embedding-exp-03-07``): at least two leading name parts in common."""
    parts = re.split(r"[-_]", model.lower())
    for candidate in stable:
        other = re.split(r"[-_]", candidate.lower())
        common = 0
        for a, b in zip(parts, other, strict=False):
            if a != b:
                break
            common += 1
        if candidate != model and common >= 2:
            return (candidate,)
    return ()


# -------------------------------------------------------------------------- post-processing


def _dedupe(records: list[Record]) -> list[Record]:
    """The same fact said twice (a heading and its bullet) is one record."""
    seen: dict[tuple, int] = {}
    out: list[Record] = []
    for record in records:
        key = (record.model, record.announced, record.deprecated, record.shutdown)
        if key in seen:
            kept = out[seen[key]]
            if record.replacements and not kept.replacements:
                out[seen[key]] = replace(kept, replacements=record.replacements)
            continue
        seen[key] = len(out)
        out.append(record)
    return out


def merge_deprecation_then_removal(records: list[Record]) -> list[Record]:
    """"X deprecated" then, in a later entry, "X removed": one record with both dates.

    Only a notice with a deprecation date alone and a later one with a shutdown date alone are
    joined; notices that each carry a shutdown (a date moved) are both kept.
    """
    out: list[Record | None] = list(records)
    by_model: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        by_model.setdefault(record.model, []).append(index)
    for i, late in enumerate(records):
        if late.shutdown is None or late.deprecated is not None:
            continue
        for j in by_model[late.model]:
            early = out[j]
            if (early is not None and j != i and early.deprecated and early.shutdown is None
                    and early.deprecated <= late.shutdown
                    and (early.announced or date.min) <= (late.announced or date.max)):
                out[j] = replace(early, shutdown=late.shutdown,
                                 shutdown_precision=late.shutdown_precision,
                                 replacements=early.replacements or late.replacements,
                                 source_text=f"{early.source_text} / {late.source_text}")
                out[i] = None
                break
    return [r for r in out if r is not None]
