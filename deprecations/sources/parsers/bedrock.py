"""Parser for the Amazon Bedrock model lifecycle page (docs.aws.amazon.com/bedrock/...).

The page has an "Active versions" table (no retirement dates, only "No sooner than" guesses),
a "Legacy versions" table and an "End-of-Life (EOL) versions" table, with dates per region.
Rows name models by display name (``Claude 3 Opus``); the identifier of the replacement sits
in its own column. The shared table reader does the rows; this module adds the vendor, the
page check, and each retired model's identifier when the active table names it.
"""

from __future__ import annotations

import dataclasses
import re

from deprecations.sources.parsers.registry import ParseError, page_score, register
from deprecations.sources.parsers.table_reader import document_tables
from deprecations.sources.parsers.tables import Context, records_from_text
from deprecations.sources.parsers.text import decode
from deprecations.sources.records import Record

VENDOR = "AWS Bedrock"
_URL = re.compile(r"^https?://docs\.aws\.amazon\.com/bedrock/.*model-lifecycle", re.I)
_ID_COL = re.compile(r"\bmodel id\b", re.I)
_NAME_COL = re.compile(r"\bmodel name\b", re.I)


def sniff(data: bytes, url: str) -> float:
    return page_score(data, url, url_pattern=_URL, window=500_000,
                      markers=(b"bedrock", b"model lifecycle", b"eol date"))


@register("bedrock", sniff=sniff)
def parse_bedrock(data: bytes, *, url: str = "", vendor: str | None = None) -> list[Record]:
    """Amazon Bedrock model lifecycle: legacy and end-of-life models, one row per table row."""
    text = decode(data)
    low = text[:500_000].lower()
    if "model lifecycle" not in low:
        raise ParseError("not the Amazon Bedrock model lifecycle page")
    try:
        records = records_from_text(text, Context(vendor or VENDOR, url, "auto"))
        ids = _active_ids(text)
    except RecursionError:
        return []
    return [_with_id(r, ids) for r in records]


def _active_ids(text: str) -> dict[str, str]:
    """Display name -> model ID from the active table, where the name maps to one ID only."""
    seen: dict[str, set[str]] = {}
    for table in document_tables(text):
        name_col = next((i for i, h in enumerate(table.header) if _NAME_COL.search(h)), None)
        id_col = next((i for i, h in enumerate(table.header) if _ID_COL.search(h)), None)
        if name_col is None or id_col is None:
            continue
        for row in table.rows:
            if max(name_col, id_col) < len(row) and row[id_col].text:
                seen.setdefault(row[name_col].text.lower(), set()).add(row[id_col].text)
    return {name: next(iter(v)) for name, v in seen.items() if len(v) == 1}


def _with_id(record: Record, ids: dict[str, str]) -> Record:
    model_id = ids.get(record.model.lower())
    if not model_id:
        return record
    # The row only gives the display name; keep it as the model (as written) and carry the ID.
    return dataclasses.replace(record, name=record.model,
                               extra={**record.extra, "model_id": model_id})
