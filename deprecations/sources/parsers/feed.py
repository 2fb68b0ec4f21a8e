"""RSS / Atom feeds, read with feedparser: one parser for two kinds of feed.

* Feeds whose items start with structured header fields, as the deprecations.info tracker
  writes them (``Provider: OpenAI`` / ``Model ID: gpt-4-0314`` / ``Announcement Date: ...`` /
  ``Shutdown Date: 2025-09-26``, then quoted vendor prose): those fields are the facts, one
  record per item; the prose is kept as source text only. A replacement is taken only from a
  field that says so (``Replacement: ...``), never guessed from the prose.
* Vendor changelog feeds whose items are prose release notes: each item's text goes to the
  generic changelog extractor, dated by the item's published/updated date.

feedparser gets a stream, never the bytes themselves: given bytes it would try them as a file
name.
"""

from __future__ import annotations

import io
import re
from datetime import date

import feedparser
from bs4 import BeautifulSoup

from deprecations.sources.parsers import changelog
from deprecations.sources.parsers.dates import parse_date
from deprecations.sources.parsers.registry import ParseError, register
from deprecations.sources.records import DAY, Record, http_url

# Header field names (lower case, single spaces) by what they hold. "First Observed" /
# "Last Observed" are the tracker's scrape times and are deliberately not read.
_FIELDS = {
    "vendor": {"provider", "vendor", "company", "platform"},
    "model": {"model id", "model identifier", "model name id", "id", "api name"},
    "name": {"model", "model name", "name", "display name"},
    "announced": {"announcement date", "announced", "announced on", "notice date",
                  "announcement"},
    "deprecated": {"deprecation date", "deprecated", "deprecated on", "deprecation",
                   "legacy date"},
    "shutdown": {"shutdown date", "shutdown", "shut down date", "shut down", "retirement date",
                 "retirement", "retires", "retires on", "retired on", "end of life",
                 "end-of-life", "end of life date", "end-of-life date", "eol", "eol date",
                 "sunset date", "removal date", "discontinuation date"},
    "replacement": {"replacement", "replacement model", "replacements", "recommended replacement",
                    "suggested replacement", "successor", "replaced by", "alternative",
                    "recommended model"},
}
_FIELD_OF = {key: kind for kind, keys in _FIELDS.items() for key in keys}
_FIELD_LINE = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z _/()-]{0,40}?)\s*:\s*(?P<value>.*?)\s*$")
_NONE = re.compile(r"^\s*(?:n/?a|none|tbd|tba|unknown|-+|<unknown>)?\s*$", re.IGNORECASE)
_FEED_RE = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.IGNORECASE)


def sniff(data: bytes, url: str = "") -> float:
    """Only this parser reads feeds: high for any RSS/Atom, higher with header fields."""
    head = data[:4000]
    if not _FEED_RE.search(head):
        return 0.0
    if re.search(rb"Model ID:|Shutdown Date:", data[:100000]):
        return 0.95
    return 0.6


@register("feed", sniff=sniff, generic=True)
def parse(data: bytes, *, url: str = "", vendor: str | None = None) -> list[Record]:
    """RSS/Atom: structured tracker items, or prose release-note items."""
    parsed = _feedparse(data)
    feed_title = (parsed.feed.get("title") or "").strip()
    records: list[Record] = []
    for entry in parsed.entries:
        try:
            records.extend(_entry_records(entry, vendor=vendor, feed_title=feed_title,
                                          url=url))
        except ParseError:
            continue
    return records


def _feedparse(data: bytes):
    if not isinstance(data, bytes | bytearray) or not data.strip():
        raise ParseError("empty document")
    try:
        parsed = feedparser.parse(io.BytesIO(bytes(data)), sanitize_html=True,
                                  resolve_relative_uris=False)
    except Exception as exc:  # noqa: BLE001 - feedparser's failures are "not a feed" to us
        raise ParseError(f"not a readable feed: {exc}") from exc
    if not parsed.get("version") and not parsed.get("entries"):
        raise ParseError("not an RSS or Atom feed")
    return parsed


def _entry_records(entry, *, vendor: str | None, feed_title: str, url: str) -> list[Record]:
    body_html, text = _entry_body(entry)
    fields, prose = _header_fields(text)
    link = http_url(str(entry.get("link") or ""))  # never javascript:, data: or the like
    if "model" in fields or ("name" in fields and len(fields) >= 2):
        record = _structured(fields, prose, vendor=vendor, feed_title=feed_title,
                             link=link or url)
        return [record] if record else []
    when = _entry_date(entry)
    title = str(entry.get("title") or "")
    markup = (f"<p>{_escape(title)}.</p>" if title else "") + body_html
    anchor = link.split("#", 1)[1] if "#" in link else ""
    return changelog.extract_records(markup, vendor=vendor or feed_title, url=link or url,
                                     when=when, precision=DAY, anchor=anchor)


def _entry_body(entry) -> tuple[str, str]:
    """The item's content (else summary) as (HTML, text with line breaks)."""
    for detail in [*(entry.get("content") or []), entry.get("summary_detail") or {}]:
        value = str(detail.get("value") or "")
        if not value.strip():
            continue
        if "html" in str(detail.get("type") or "") and re.search(r"<[a-zA-Z/]", value):
            return value, _text(value)
        # plain text: its line breaks separate the header fields
        lines = value.split("\n")
        return "".join(f"<p>{_escape(line)}</p>" for line in lines if line.strip()), value
    summary = str(entry.get("summary") or "")
    return f"<p>{_escape(summary)}</p>", summary


def _text(markup: str) -> str:
    soup = BeautifulSoup(f"<div>{markup}</div>", "lxml")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(["p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"]):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in soup.get_text().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _header_fields(text: str) -> tuple[dict[str, str], str]:
    """The leading run of known ``Key: value`` lines; the rest is prose."""
    fields: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    for index, line in enumerate(lines):  # noqa: B007 - index is used after the loop
        if not line.strip():
            continue
        match = _FIELD_LINE.match(line)
        key = re.sub(r"[\s_]+", " ", match.group("key").strip().lower()) if match else ""
        if key in ("first observed", "last observed"):
            continue
        if not match or key not in _FIELD_OF:
            break
        fields.setdefault(_FIELD_OF[key], match.group("value"))
    else:
        index = len(lines)
    return fields, "\n".join(lines[index:]).strip()


def _structured(fields: dict[str, str], prose: str, *, vendor: str | None, feed_title: str,
                link: str) -> Record | None:
    model = (fields.get("model") or fields.get("name") or "").strip()
    if not model:
        return None
    name = (fields.get("name") or "").strip()
    dates = {kind: _date(fields.get(kind)) for kind in ("announced", "deprecated", "shutdown")}
    shutdown, precision = dates["shutdown"] or (None, DAY)
    return Record(
        vendor=(fields.get("vendor") or vendor or feed_title).strip(),
        model=model,
        name=name if name != model else "",
        announced=dates["announced"][0] if dates["announced"] else None,
        deprecated=dates["deprecated"][0] if dates["deprecated"] else None,
        shutdown=shutdown,
        shutdown_precision=precision,
        replacements=_replacements(fields.get("replacement")),
        source_url=link,
        anchor=link.split("#", 1)[1] if "#" in link else "",
        source_text=prose[:1000],
    )


def _date(value: str | None) -> tuple[date, str] | None:
    if not value or _NONE.match(value):
        return None
    return parse_date(value)


def _replacements(value: str | None) -> tuple[str, ...]:
    if not value or _NONE.match(value):
        return ()
    parts = re.split(r"\s*(?:,|;|\bor\b)\s*", value.strip())
    return tuple(p.strip(" .`'\"") for p in parts if p.strip(" .`'\"") and not _NONE.match(p))


def _entry_date(entry) -> date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # plain dict access: no feedparser key-fallback warning
        if value:
            try:
                return date(value.tm_year, value.tm_mon, value.tm_mday)
            except (ValueError, AttributeError, TypeError):
                continue
    for key in ("published", "updated"):
        found = parse_date(str(dict.get(entry, key) or ""))
        if found:
            return found[0]
    return None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
