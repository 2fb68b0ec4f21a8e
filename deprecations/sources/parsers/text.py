"""The parsers' toolkit: bytes to text, HTML or Markdown, the words of a retirement, vendor names.

Every parser reads documents the same way and speaks one vocabulary, kept here:

* ``decode`` and ``check_text``: bytes to text without ever raising, and a clear error for
  input that is no document at all;
* ``looks_like_html``, ``soup_of``, ``markdown_to_html``: which markup a document is in, and
  a parse tree of it;
* ``SHUTDOWN``, ``DEPRECATION``, ``ANNOUNCEMENT`` and ``LOWER_BOUND``: the words vendors use
  for "it stops working", "it is deprecated", "we announced" and "not before this date", and
  the one compiled form of them for each use (``EVENT_WORDS`` in prose, ``SHUTDOWN_HEADER``
  and its kin in table headers, ...): no other module compiles retirement words;
* ``VENDOR_SLUGS``: other spellings of the platforms' names;
* ``CHALLENGE_MARKERS``: what a bot challenge page says instead of the document.
"""

from __future__ import annotations

import re
import warnings
from html import escape
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning
from bs4.dammit import UnicodeDammit

from deprecations.sources.parsers.registry import ParseError

# ------------------------------------------------------------------------------ reading text


def decode(data: bytes | str) -> str:
    """Bytes as text; never raises.

    UTF-16 when the bytes start with its byte-order mark; else UTF-8, even with a few bad
    bytes (a fetch cut inside a character must not turn the whole page into mojibake, which
    would hide dates written with U+2011 hyphens); a page clearly in another encoding goes to
    detection, Windows-1252 first.
    """
    if isinstance(data, str):
        return data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    if text.count("\ufffd") <= max(3, len(data) // 1000):
        return text
    return UnicodeDammit(data, ["windows-1252"]).unicode_markup or data.decode("latin-1")


def check_text(text: str) -> None:
    """Raise ParseError for input that is clearly no document (empty or binary)."""
    sample = text[:20000]
    if not sample.strip():
        raise ParseError("empty document")
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\n\r\f")
    if controls > max(8, len(sample) // 50):
        raise ParseError("binary data, not a text document")


_HTML_START = re.compile(
    r"\s*(?:<!--.*?-->\s*)*<(?:!doctype|html|head|body|\?xml|meta|div|p|h[1-6]|ul|li|article"
    r"|main|section|table)\b", re.IGNORECASE | re.DOTALL)


def looks_like_html(text: str) -> bool:
    """Markup that starts as HTML; Markdown or MDX with a few inline tags is not."""
    head = text[:4000].lstrip("\ufeff \t\r\n")
    return bool(_HTML_START.match(head)) or "<html" in text[:5000].lower()


def soup_of(markup: str) -> BeautifulSoup:
    """A parse tree of HTML (XHTML and stray XML are read leniently as HTML on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(markup, "lxml")


def markdown_to_html(text: str) -> str:
    """CommonMark with pipe tables and raw HTML, as the vendors' docs sites render it."""
    from markdown_it import MarkdownIt

    try:
        return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    except Exception:  # noqa: BLE001 - a renderer bug must not make the page unreadable
        return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())


_WS = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[])\s+")
_FOOTNOTE_MARK = re.compile(r"(?:\s*[*†‡↗]+|\s*\[\d+\])+$")


def clean_text(text: str) -> str:
    """Collapse whitespace and the stray spaces an HTML text join leaves before punctuation."""
    text = _WS.sub(" ", text.replace("\u00a0", " ")).strip()
    return _SPACE_AFTER_OPEN.sub(r"\1", _SPACE_BEFORE_PUNCT.sub(r"\1", text))


def strip_footnote(text: str) -> str:
    """``gpt-4.1*`` -> ``gpt-4.1``, ``Leanstral ↗`` -> ``Leanstral``: marks are not names."""
    return _FOOTNOTE_MARK.sub("", text.strip()).strip()


def heading_anchor(tag, *, from_markdown: bool = False) -> str:
    """The fragment that links to an HTML heading: its id, or an id or name inside it; for a
    heading rendered from Markdown (which has none), the slug docs sites give it."""
    if tag.get("id"):
        return str(tag["id"])
    inner = tag.find(attrs={"id": True}) or tag.find("a", attrs={"name": True})
    if inner is not None:
        return str(inner.get("id") or inner.get("name"))
    return heading_slug(tag.get_text(" ")) if from_markdown else ""


def heading_slug(text: str) -> str:
    """``2026-06-11: GPT-5 and o3 model deprecations`` -> ``2026-06-11-gpt-5-and-o3-model-
    deprecations``: how Markdown docs sites name a heading's anchor."""
    text = re.sub(r"[^\w\s-]", "", clean_text(text).lower())
    return re.sub(r"\s+", "-", text.strip())[:200]


# ------------------------------------------------------------------------ the vocabulary
# Regular-expression sources (not compiled: each reader wraps them in its own boundaries).

# The day it stops working: a table header ("Shutdown date", "EOL", "Retirement") or a verb
# in prose ("will be retired", "discontinued", "decommissioned").
SHUTDOWN = (r"shut(?:ting|s)?[\s-]?(?:down|off)|shutdown|shutoff|retir\w*|remov(?:e|ed|es|ing|al)"
            r"|discontinu\w*|sunset\w*|decommission\w*|eol|end[\s-]of[\s-](?:life|support)"
            r"|turn(?:ed|s)?[\s-]off|taken offline|going offline|offline time")
# Only in prose: a state that says the same.
SHUTDOWN_STATE = (r"(?:remains?|be|is|are) available (?:until|through)|available until"
                  r"|no longer (?:be )?(?:supported|available|accessible|served|offered)"
                  r"(?! to (?:new|newly))"
                  r"|no longer be able to"
                  r"|(?:stop|cease)(?:s|ped)? (?:working|serving|being served)")
# Only in the rows of a Date | Update timeline: on the row's date the thing "is not available"
# (to some or all customers). In free prose the same words say where or to whom, not when.
SHUTDOWN_IN_TIMELINE = r"(?:is|are|be|becomes?) (?:not |un)available(?! to (?:new|newly))"
# Only in table headers: a column of end dates.
SHUTDOWN_COLUMN = r"unavailab\w*|deletion|end date"
DEPRECATION = r"deprecat\w*|legacy status|(?:marked|moved?|moving) (?:as |to )?legacy"
DEPRECATION_COLUMN = r"deprecat\w*|legacy"
ANNOUNCEMENT = r"notif(?:y|ied|ying)|announc(?:e|ed|es|ing|ement)"
ANNOUNCEMENT_COLUMN = r"announc\w*|notif\w*|notice date|published"
# A date the vendor gives as the earliest possible one: kept, with ``tentative`` set.
LOWER_BOUND = (r"\bno[t]?\s+(?:sooner|earlier)\s+than\b|\bnot\s+before\b|\bearliest\b"
               r"|\bor\s+later\b|\bat\s+the\s+earliest\b|won'?t\s+be\s+moved\s+to\s+an\s+earlier"
               r"|will\s+not\s+be\s+moved\s+to\s+an\s+earlier")

LOWER_BOUND_RE = re.compile(LOWER_BOUND, re.IGNORECASE)


def _words(*sources: str, whole: bool = True) -> re.Pattern[str]:
    """The words of ``sources``, matched as whole words, or (``whole=False``) as a word's
    start: "Retirement date" and "retired" both start with ``retir``."""
    return re.compile(rf"\b(?:{'|'.join(sources)})" + (r"\b" if whole else ""), re.IGNORECASE)


# Compiled as the readers use them; each reader picks one rather than compiling its own.
# In prose: a timeline row says something stops, a sentence says the vendor told people (the
# prose above a timeline), or something retires in any way (headings).
STOP_IN_TIMELINE = _words(SHUTDOWN, SHUTDOWN_STATE, SHUTDOWN_IN_TIMELINE)
ANNOUNCEMENT_SAID = _words(ANNOUNCEMENT)
RETIREMENT_SAID = _words(SHUTDOWN, SHUTDOWN_STATE, DEPRECATION)
# In prose, one match per word: ``match.lastgroup`` is the ``Record`` field it dates
# ("shutdown", "deprecated" or "announced").
EVENT_WORDS = re.compile("|".join(
    rf"(?P<{field}>\b(?:{words})\b)" for field, words in (
        ("shutdown", f"{SHUTDOWN}|{SHUTDOWN_STATE}"), ("deprecated", DEPRECATION),
        ("announced", ANNOUNCEMENT))), re.IGNORECASE)
# A word that starts like a retirement word, in a sentence that introduces a list.
SHUTDOWN_STEM = _words(SHUTDOWN, whole=False)
DEPRECATION_STEM = _words(DEPRECATION, whole=False)
# In table headers: a column of shutdown, deprecation or announcement dates, or any of the first
# two (a cheap test of whether a table may be a deprecation table).
SHUTDOWN_HEADER = _words(SHUTDOWN, SHUTDOWN_COLUMN, whole=False)
DEPRECATION_HEADER = _words(DEPRECATION_COLUMN, whole=False)
ANNOUNCEMENT_HEADER = _words(ANNOUNCEMENT_COLUMN, whole=False)
RETIREMENT_HEADER = _words(SHUTDOWN, SHUTDOWN_COLUMN, DEPRECATION_COLUMN, whole=False)


def first_role(text: str, roles: tuple[tuple[str, re.Pattern[str]], ...]) -> str | None:
    """The role of the first ``(role, pattern)`` whose pattern occurs in ``text``, or None."""
    return next((role for role, pattern in roles if pattern.search(text)), None)


def is_lower_bound(text: str) -> bool:
    """Whether ``text`` qualifies a date as the earliest day it may happen."""
    return bool(LOWER_BOUND_RE.search(text or ""))


# ----------------------------------------------------------------- what kind of thing it is

_HEADER_LIKE = re.compile(r"^[A-Za-z][\w-]*:\s+\S")  # "OpenAI-Beta: assistants=v1"
ENDPOINT_WORDS = re.compile(r"\b(?:API|endpoints?)$|\bendpoints?\b", re.IGNORECASE)
_FEATURE_WORDS = re.compile(
    r"\b(?:training|tuning|parameters?|integration|features?|UI|capabilit\w*|header|tools?"
    r"|module)\b", re.IGNORECASE)
# A date stamp in an identifier: -2024-10-01, -20240229, -0613 (MMDD), -05-20, -03-2024.
_SNAPSHOT = re.compile(
    r"(?:^|[-.@])(?:(?:19|20)\d{2}-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])|(?:0[1-9]|1[0-2])-20\d{2})(?=$|[-:.])")


def kind_of(name: str) -> str:
    """``/v1/edits`` -> endpoint; ``OpenAI-Beta: ...`` or prose about training -> feature;
    an identifier with a date stamp (``gpt-4-0314``, ``claude-3-opus-20240229``) ->
    snapshot; else model."""
    if _HEADER_LIKE.match(name) or (" " in name and _FEATURE_WORDS.search(name)):
        return "feature"  # checked first: "/v1/chat parameters: ..." is about parameters
    if name.startswith("/") or (" " in name and ENDPOINT_WORDS.search(name)):
        return "endpoint"
    return "snapshot" if " " not in name and _SNAPSHOT.search(name) else "model"


# ------------------------------------------------------------------------------- vendors

# Names other documents and trackers use for the platforms, lower case -> the vendor slug.
VENDOR_SLUGS = {
    "openai": "openai", "anthropic": "anthropic", "cohere": "cohere", "mistral": "mistral",
    "mistral ai": "mistral", "deepseek": "deepseek", "fireworks": "fireworks",
    "fireworks ai": "fireworks", "perplexity": "perplexity", "xai": "xai", "x.ai": "xai",
    "moonshot": "moonshot", "moonshot ai": "moonshot", "moonshotai": "moonshot",
    "kimi": "moonshot", "minimax": "minimax", "z.ai": "z-ai", "z-ai": "z-ai", "zhipu": "z-ai",
    "alibaba": "alibaba", "alibaba cloud": "alibaba", "alibaba cloud model studio": "alibaba",
    "model studio": "alibaba", "groq": "groq", "cerebras": "cerebras",
    "xiaomi": "xiaomi", "xiaomi mimo": "xiaomi", "mimo": "xiaomi",
    "thinking machines": "thinking-machines", "tinker": "thinking-machines",
    "aws bedrock": "aws-bedrock", "amazon bedrock": "aws-bedrock", "bedrock": "aws-bedrock",
    "aws": "aws-bedrock",
    "azure": "azure", "azure openai": "azure", "microsoft azure": "azure",
    "azure ai foundry": "azure", "microsoft foundry": "azure", "foundry": "azure",
    "google": "google-gemini", "google gemini": "google-gemini", "gemini": "google-gemini",
    "google gemini api": "google-gemini", "google vertex": "google-vertex",
    "vertex": "google-vertex", "vertex ai": "google-vertex", "google vertex ai": "google-vertex",
}


def vendor_slug(name: str) -> str:
    """The slug for a vendor name as anyone spells it: ``AWS Bedrock`` -> ``aws-bedrock``."""
    key = clean_text(name or "").lower()
    return VENDOR_SLUGS.get(key, key.replace(" ", "-"))


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


# ------------------------------------------------------------------------- bot challenges

# What a challenge or denial page says in place of the document (Cloudflare and the like):
# such a page must read as "source blocked", never as "no retirements".
# The fetcher reads the same markers to call a source blocked.
CHALLENGE_MARKERS = (b"just a moment...", b"cf-chl", b"cf_chl_", b"challenge-platform",
                     b"enable javascript and cookies to continue", b"attention required",
                     b"access denied", b"captcha-delivery", b"px-captcha")


def is_challenge(data: bytes, *, window: int = 500_000) -> bool:
    """Whether the start of a response looks like a bot challenge or denial page."""
    low = data[:window].lower()
    return any(marker in low for marker in CHALLENGE_MARKERS)
