"""Alibaba Cloud Model Studio's deprecation page (alibabacloud.com/help/.../model-studio).

The page's tables are ordinary deprecation tables, but the page calls the day a model stops
working its "deprecation time" (sections "Scheduled for deprecation on October 10, 2026",
"Retires on May 30, 2026"; "Starting from the official retirement date ... API calls to the
retired model will fail"), and gives no other end date. So here, and only here, a deprecation
date with no shutdown date is the shutdown date.
"""

from __future__ import annotations

import re
from dataclasses import replace

from deprecations.sources.parsers.registry import ParseError, register
from deprecations.sources.parsers.tables import Context, records_from_text
from deprecations.sources.parsers.text import check_text, decode
from deprecations.sources.records import Record

VENDOR = "Alibaba Cloud Model Studio"
_URL = re.compile(r"^https?://(?:www\.)?alibabacloud\.com/help/[\w-]+/model-studio/"
                  r"(?:[\w-]+/)*model-depreca", re.IGNORECASE)
_PAGE = re.compile(r"Model Studio periodically retires legacy models|Model Studio.{0,200}"
                   r"\bretire", re.IGNORECASE | re.DOTALL)


def sniff(data: bytes, url: str = "") -> float:
    if url and _URL.match(url):
        return 0.95
    head = decode(data[:200_000])
    return 0.9 if _PAGE.search(head) and "Deprecation time" in head else 0.0


@register("alibaba", sniff=sniff)
def parse(data: bytes, *, url: str = "", vendor: str | None = None) -> list[Record]:
    """Alibaba Cloud Model Studio deprecations: the "deprecation time" is the shutdown."""
    text = decode(data)
    check_text(text)
    if not _PAGE.search(text[:200_000]):
        raise ParseError("not Alibaba Cloud Model Studio's deprecation page")
    records = records_from_text(text, Context(vendor or VENDOR, url, "auto"))
    return [_deprecation_is_shutdown(r) for r in records]


def _deprecation_is_shutdown(record: Record) -> Record:
    if record.deprecated is None or record.shutdown is not None:
        return record
    return replace(record, shutdown=record.deprecated, deprecated=None,
                   notes="Model Studio calls the day a model stops working its deprecation time")
