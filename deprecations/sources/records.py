"""The plain record a parser extracts from a document: no database, no Django."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote, urlsplit

DAY = "day"
MONTH = "month"


@dataclass(frozen=True)
class Record:
    """One retirement notice as written in one place of one document.

    Dates are calendar dates; a date known only to the month is stored as the first of that
    month with ``*_precision = MONTH`` so that nothing downstream invents a day; a shutdown
    date the vendor qualifies ("not sooner than") has ``tentative = True``.
    ``replacements`` lists alternatives in the order the vendor gives them.
    """

    vendor: str
    model: str
    announced: date | None = None
    deprecated: date | None = None
    shutdown: date | None = None
    shutdown_precision: str = DAY
    # The vendor qualifies the shutdown date ("not sooner than", "no earlier than", "earliest
    # possible", "or later"): it is the earliest day it may stop working, not a promise.
    tentative: bool = False
    replacements: tuple[str, ...] = ()
    kind: str = "model"  # model, snapshot, endpoint, feature
    name: str = ""  # display name when the document gives one besides the identifier
    source_url: str = ""
    anchor: str = ""
    source_text: str = ""
    notes: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        # Whatever a document says, a record only ever points to a web page: a feed item
        # whose link is ``javascript:...`` must not become a link on our pages.
        object.__setattr__(self, "source_url", http_url(self.source_url))
        object.__setattr__(self, "anchor", safe_anchor(self.anchor))

    @property
    def replacement(self) -> str | None:
        """The first (preferred) replacement, or None."""
        return self.replacements[0] if self.replacements else None

    def as_json(self) -> dict:
        """The stable command-line shape (see ``manage.py parse_document``)."""
        out = {
            "vendor": self.vendor,
            "model": self.model,
            "announced": _iso(self.announced),
            "deprecated": _iso(self.deprecated),
            "shutdown": _iso(self.shutdown),
            "tentative": self.tentative,
            "replacement": self.replacement,
            "source_text": self.source_text,
        }
        out.update(
            replacements=list(self.replacements),
            shutdown_precision=self.shutdown_precision,
            kind=self.kind,
            name=self.name,
            source_url=self.source_url,
            anchor=self.anchor,
            notes=self.notes,
        )
        return out


_NOT_IN_URL = re.compile(r'[\x00-\x20\x7f"<>\\]')


def http_url(url: str) -> str:
    """``url`` when it is an absolute http(s) URL with a host, else ``""``."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[bad" and friends
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return "" if _NOT_IN_URL.search(url) else url


def safe_anchor(anchor: str) -> str:
    """A fragment identifier as a URL may carry it (anything else percent-encoded)."""
    return quote((anchor or "").strip().lstrip("#")[:200], safe="-._~:@!$&'()*+,;=/?")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
