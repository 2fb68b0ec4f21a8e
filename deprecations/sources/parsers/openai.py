"""Parser for OpenAI's API deprecations page (platform.openai.com/docs/deprecations).

The page is one ``<h3>`` per announcement (``2025-09-26: Legacy GPT model snapshots``) followed
by tables whose columns change between sections; the shared table reader in ``tables`` does
the work. What is specific here: the vendor name, recognising the page, and refusing a bot
challenge or error page, which must read as "source blocked" and never as "no retirements".
"""

from __future__ import annotations

import re

from deprecations.sources.parsers.registry import ParseError, register
from deprecations.sources.parsers.tables import (
    Context,
    decode,
    looks_like_html,
    records_from_text,
)
from deprecations.sources.records import Record

VENDOR = "OpenAI"
_URL = re.compile(r"^https?://(?:platform|developers)\.openai\.com/docs/deprecations", re.I)
_CHALLENGE = re.compile(rb"just a moment\.\.\.|cf-chl|challenge-platform|enable javascript and "
                        rb"cookies to continue|attention required|access denied", re.IGNORECASE)
_PAGE_MARKERS = (b"deprecation history", b"shutdown date")


def sniff(data: bytes, url: str) -> float:
    """Recognise the page by its URL or by its title and table headers."""
    if url and _URL.match(url):
        return 0.95
    low = data[:500_000].lower()
    if b"openai" in low and all(m in low for m in _PAGE_MARKERS):
        return 0.9
    return 0.0


@register("openai", sniff=sniff)
def parse_openai(data: bytes, *, url: str = "", vendor: str | None = None) -> list[Record]:
    """OpenAI API deprecations page: one row per model, endpoint or feature per table row."""
    text = decode(data)
    low = data[:500_000].lower()
    if not looks_like_html(text):
        raise ParseError("not an HTML page")
    if _CHALLENGE.search(low) and b"deprecation history" not in low:
        raise ParseError("bot challenge or error page instead of the deprecations page")
    if not all(m in low for m in _PAGE_MARKERS):
        raise ParseError("not the OpenAI deprecations page (no deprecation history tables)")
    try:
        return records_from_text(text, Context(vendor or VENDOR, url, "auto"))
    except RecursionError:
        return []
