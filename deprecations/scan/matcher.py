"""Find catalogue names in text as whole tokens, in one pass over the text.

A token is a run of *token characters*: letters and digits (Unicode ``isalnum``) and the
six characters ``- . _ : / @`` that model identifiers are spelled with
(``anthropic.claude-3-opus-20240229-v1:0``, ``claude-3-opus@20240229``,
``models/gemini-1.5-pro``). A name matches where it is a whole token:

- the character before it is not a token character (or it starts the text), and
- the character after it is not a token character (or it ends the text), except that a run
  of ``.`` and ``:`` that ends the token is read as punctuation: ``use gpt-4o.`` and
  ``gpt-4o: retired`` match ``gpt-4o``; ``gpt-4o:latest`` and ``gpt-4o.1`` do not.

So ``chatgpt-4o-latest`` matches in ``model="chatgpt-4o-latest"`` and in
``--model chatgpt-4o-latest,`` but not in ``my-chatgpt-4o-latest-fork``, ``gpt-4o`` does not
match inside ``gpt-4o-2024-05-13`` or ``openai/gpt-4o``, and matching is case-sensitive (names
are spelled as the vendors' APIs spell them). This differs from ``grep -w``, whose words are
only letters, digits and ``_``: grep finds ``gpt-4o`` inside ``gpt-4o-mini``.

Only names that are themselves tokens are searched: the catalogue also holds features named
in prose (``Assistants API``, ``Claude 3 Opus``), which code does not call by that name.

One Aho-Corasick automaton holds every name; its candidates are checked at both ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

PUNCTUATION = "-._:/@"
TRAILING = ".:"


def is_token_char(ch: str) -> bool:
    return ch.isalnum() or ch in PUNCTUATION


def is_token(name: str) -> bool:
    return bool(name) and all(is_token_char(ch) for ch in name)


@dataclass(frozen=True, order=True)
class Match:
    start: int  # index of the first character in the text
    end: int  # index just past the last
    name: str


class Matcher:
    """Every name at once; ``find(text)`` returns their whole-token occurrences in order."""

    def __init__(self, names: Iterable[str]):
        self.names = frozenset(n for n in names if is_token(n))
        self._automaton = ahocorasick.Automaton()
        for name in self.names:
            self._automaton.add_word(name, len(name))
        if self.names:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Match]:
        if not self.names:
            return []
        found = []
        size = len(text)
        for last, length in self._automaton.iter(text):
            start, end = last - length + 1, last + 1
            if start > 0 and is_token_char(text[start - 1]):
                continue
            after = end
            while after < size and text[after] in TRAILING:
                after += 1
            if after < size and is_token_char(text[after]):
                continue
            found.append(Match(start, end, text[start:end]))
        found.sort()
        return found


def positions(text: str, matches: list[Match]) -> list[tuple[int, int]]:
    """1-based (line, column) of each match (sorted by start); columns count code points."""
    result, line, line_start, cursor = [], 1, 0, 0
    for m in matches:
        newlines = text.count("\n", cursor, m.start)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", cursor, m.start) + 1
        cursor = m.start
        result.append((line, m.start - line_start + 1))
    return result
