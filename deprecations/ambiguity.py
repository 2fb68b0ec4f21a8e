"""Which catalogue names are unsafe for the code scanner to match everywhere, and why.

``command`` (a Cohere model) is also the commonest word of command-line code, ``ada`` (an
OpenAI model) a programming language. The scanner reports such a name only where code uses
it as a model id (see ``depcal_scan.context``); the catalogue it reads says which names they
are, with the reason, in each entry's ``ambiguous_names``. The rule, decided here when that
catalogue is built (the API and the export): a name is ambiguous if it is an English word
(Webster's Second International, the ``web2`` list of the ``english-words`` package), or is
shorter than 5 characters, or is also a command-line or language term. The terms, and names
the rule gets wrong, are curated in ``data/ambiguous_names.toml``.
"""

from __future__ import annotations

import tomllib
from functools import cache, lru_cache
from pathlib import Path

from english_words import get_english_words_set

OVERRIDES = Path(__file__).resolve().parent / "data" / "ambiguous_names.toml"
SHORTEST_SAFE = 5


@cache
def _overrides() -> tuple[dict[str, str], frozenset[str]]:
    data = tomllib.loads(OVERRIDES.read_text(encoding="utf-8"))
    return dict(data.get("terms", {})), frozenset(data.get("not_ambiguous", {}))


@cache
def _dictionary() -> str:
    """Every word, one per line between newlines: a 2.5 MB string rather than a 20 MB set,
    since each web process keeps it."""
    return "\n" + "\n".join(get_english_words_set(["web2"], lower=True, alpha=True)) + "\n"


def is_english_word(name: str) -> bool:
    return name.isascii() and name.isalpha() and f"\n{name.lower()}\n" in _dictionary()


@lru_cache(maxsize=4096)
def ambiguity(name: str) -> str | None:
    """Why ``name`` should be matched only where it is used as a model id, or None."""
    terms, not_ambiguous = _overrides()
    if name in not_ambiguous:
        return None
    reasons = []
    if name in terms:
        reasons.append(terms[name])
    if is_english_word(name):
        reasons.append("an English word")
    if len(name) < SHORTEST_SAFE:
        reasons.append(f"shorter than {SHORTEST_SAFE} characters")
    return "; ".join(reasons) or None


def ambiguous_names(names) -> dict[str, str]:
    """``{name: reason}`` for those of ``names`` that are ambiguous."""
    return {name: reason for name in names if (reason := ambiguity(name))}
