"""Parser for OpenAI's API deprecations page (developers.openai.com/api/docs/deprecations).

The page, as HTML or as the Markdown twin OpenAI serves at the same URL plus ``.md``, is one
heading per announcement (``2025-09-26: Legacy GPT model snapshots``) followed by tables whose
columns change between sections; the generic table parser does the work. What is specific
here: the vendor name, recognising the page, and refusing a bot challenge or error page, which
must read as "source blocked" and never as "no retirements".
"""

from __future__ import annotations

import re

from deprecations.sources.parsers.registry import ParseError, register
from deprecations.sources.parsers.tables import Context, records_from_text
from deprecations.sources.parsers.text import decode, is_challenge
from deprecations.sources.records import Record

VENDOR = "OpenAI"
_URL = re.compile(r"^https?://(?:platform|developers)\.openai\.com/(?:api/)?docs/deprecations",
                  re.I)
# Both the 2025 HTML page ("Deprecation history") and the 2026 Markdown twin ("Upcoming
# deprecations", "Past deprecations") have a shutdown date column.
_PAGE_MARKERS = ((b"deprecation history", b"upcoming deprecations"), (b"shutdown date",))


def sniff(data: bytes, url: str) -> float:
    """Recognise the page by its URL or by its title and table headers."""
    if url and _URL.match(url):
        return 0.95
    low = data[:500_000].lower()
    if b"openai" in low and _is_the_page(low):
        return 0.9
    return 0.0


def _is_the_page(low: bytes) -> bool:
    return all(any(m in low for m in alternatives) for alternatives in _PAGE_MARKERS)


@register("openai", sniff=sniff)
def parse_openai(data: bytes, *, url: str = "", vendor: str | None = None) -> list[Record]:
    """OpenAI API deprecations page: one row per model, endpoint or feature per table row."""
    text = decode(data)
    low = data[:500_000].lower()
    if is_challenge(data) and not _is_the_page(low):
        raise ParseError("bot challenge or error page instead of the deprecations page")
    if not _is_the_page(low):
        raise ParseError("not the OpenAI deprecations page (no deprecation history tables)")
    try:
        return records_from_text(text, Context(vendor or VENDOR, url, "auto"))
    except RecursionError:
        return []
