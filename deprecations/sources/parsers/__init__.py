"""Parsers: pure functions from a document's bytes to a list of ``Record``.

Each parser module registers itself with ``@register(name, sniff=...)``. ``sniff`` looks at
the bytes (and optional URL) and returns a score: the highest-scoring specific parser wins,
and the generic parsers are the fallback. Parsers never touch the database or the network.
"""

from deprecations.sources.parsers.registry import (  # noqa: F401
    ParseError,
    Parser,
    detect,
    get,
    names,
    parse,
    register,
)
