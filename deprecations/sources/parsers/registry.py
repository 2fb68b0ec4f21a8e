"""A small registry of parsers keyed by name, so a source's parser is a setting in the admin."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from deprecations.sources.records import Record

ParseFn = Callable[..., list[Record]]
SniffFn = Callable[[bytes, str], float]

# Modules that register parsers; imported lazily on first use so importing the registry is cheap.
PARSER_MODULES: list[str] = [
    "deprecations.sources.parsers.openai",
    "deprecations.sources.parsers.bedrock",
    "deprecations.sources.parsers.cohere",
    "deprecations.sources.parsers.alibaba",
    "deprecations.sources.parsers.tables",
    "deprecations.sources.parsers.changelog",
    "deprecations.sources.parsers.gemini",
    "deprecations.sources.parsers.feed",
]

_REGISTRY: dict[str, Parser] = {}
_loaded = False


class ParseError(ValueError):
    """The document cannot be read by this parser (not merely: it holds no retirements)."""


@dataclass(frozen=True)
class Parser:
    name: str
    fn: ParseFn
    sniff: SniffFn
    generic: bool = False
    description: str = ""


def page_score(data: bytes, url: str, *, url_pattern: re.Pattern[str],
               markers: tuple[bytes, ...], window: int) -> float:
    """A vendor parser's sniff: 0.95 for its page's URL, 0.9 when the first ``window`` bytes
    hold every one of ``markers`` (lower case), else 0."""
    if url and url_pattern.match(url):
        return 0.95
    low = data[:window].lower()
    return 0.9 if all(marker in low for marker in markers) else 0.0


def register(name: str, *, sniff: SniffFn | None = None, generic: bool = False,
             description: str = ""):
    """Decorator: ``@register("openai-deprecations", sniff=...)`` on ``fn(data, *, url="")``."""

    def wrap(fn: ParseFn) -> ParseFn:
        _REGISTRY[name] = Parser(name, fn, sniff or (lambda data, url: 0.0), generic,
                                 description or (fn.__doc__ or "").strip().split("\n")[0])
        return fn

    return wrap


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in PARSER_MODULES:
            importlib.import_module(module)
        _loaded = True


def names() -> list[str]:
    _load()
    return sorted(_REGISTRY)


def get(name: str) -> Parser:
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ParseError(f"unknown parser {name!r}; known parsers: {', '.join(names())}") from None


def detect(data: bytes, url: str = "") -> Parser:
    """The parser that fits ``data`` best: a specific one if any claims it, else a generic one."""
    _load()
    scored = sorted(((p.sniff(data, url), not p.generic, p.name) for p in _REGISTRY.values()),
                    reverse=True)
    if not scored:
        raise ParseError("no parsers are registered")
    return _REGISTRY[scored[0][2]]


def parse(data: bytes, *, parser: str | None = None, url: str = "",
          vendor: str | None = None) -> list[Record]:
    """Parse ``data`` with the named parser, or the detected one."""
    chosen = get(parser) if parser else detect(data, url)
    return chosen.fn(data, url=url, vendor=vendor)
