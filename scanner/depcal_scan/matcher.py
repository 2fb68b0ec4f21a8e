"""Find catalogue names in a file's bytes, in every spelling, as whole tokens, in one pass.

One RE2 expression holds every name and the grammar around it (``spellings``): a match starts
where a token starts, may carry a provider or Bedrock prefix and a Bedrock version, and ends
where the token ends, except that a run of ``.`` and ``:`` ending the token reads as
punctuation (``use gpt-4o.`` and ``gpt-4o: retired`` match ``gpt-4o``; ``gpt-4o:latest`` and
``gpt-4o.1`` do not). So ``chatgpt-4o-latest`` matches in ``model="chatgpt-4o-latest"`` and
``openrouter/openai/chatgpt-4o-latest`` but not in ``my-chatgpt-4o-latest-fork``, and
``gpt-4o`` does not match inside ``gpt-4o-2024-05-13``. Matching is case-sensitive (names are
spelled as the vendors' APIs spell them). RE2 runs in time linear in the text, on the bytes
as read: only the lines that hold a match are decoded.

A name the catalogue marks ambiguous (an ordinary word, or too short to be safe) is kept only
where ``context`` says the code uses it as a model id.

Only names that are themselves tokens are searched: the catalogue also holds features named
in prose (``Assistants API``, ``Claude 3 Opus``), which code does not call by that name.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

import re2

from depcal_scan import context, spellings

MAX_NAME = 200  # longer "names" are no model ids; they would only bloat the expression
MAX_MEMORY = 256 << 20  # for RE2's compiled program and its DFA cache


class PatternError(Exception):
    """The names could not be compiled into one expression."""


@dataclass(frozen=True)
class Hit:
    line: int  # 1-based
    column: int  # 1-based, in code points
    text: str  # the token as written: "us.anthropic.claude-3-5-sonnet-20240620-v1:0"
    name: str  # the catalogue name it spells: "claude-3-5-sonnet-20240620"
    line_text: str  # its line, without the line break (of a long line, WINDOW bytes each side)
    above: str = ""  # the line before it ("" on the first line; of a long one, its start)
    offset: int = 0  # where ``text`` starts in ``line_text``
    # The platform its spelling names ("aws-bedrock" for a Bedrock profile), None if none:
    # ``spellings.platform``.
    platform: str | None = None

    @property
    def end_column(self) -> int:
        return self.column + len(self.text)


class Matcher:
    """Every name at once; ``find(data)`` returns their whole-token uses in order."""

    def __init__(self, names: Iterable[str], ambiguous: Collection[str] = ()):
        self.names = frozenset(n for n in names if len(n) <= MAX_NAME and spellings.is_token(n))
        self.ambiguous = frozenset(ambiguous) & self.names
        self.spelled = {n: n for n in self.names}  # a spelling -> the catalogue name
        for name in sorted(self.names):
            for variant in spellings.variants(name):
                self.spelled.setdefault(variant, name)
        self._pattern = self._compile() if self.names else None

    def _compile(self):
        t = spellings
        versioned = [s for s in self.spelled if t.VERSIONED.search(s)]
        bare = [s for s in self.spelled if not t.VERSIONED.search(s)]
        # A name that is itself a Bedrock id ("...-v1:0") is tried first: the more specific
        # id wins. Groups: 1 the token, 2 its prefix, then one group per list of names.
        names = [f"({t.alternatives(group)}){t.suffix(group[0])}"
                 for group in (versioned, bare) if group]
        self._name_groups = tuple(range(3, 3 + len(names)))
        source = (f"(?:^|[^{t.TOKEN_CLASS}])(({t.PREFIX})(?:{'|'.join(names)}))"
                  f"[{t.TRAILING}]*(?:[^{t.TOKEN_CLASS}]|$)")
        options = re2.Options()
        options.max_mem = MAX_MEMORY
        options.log_errors = False
        try:
            return re2.compile(source.encode(), options)
        except re2.error as exc:
            raise PatternError(f"cannot compile {len(self.names)} names: {exc}") from None

    def find(self, data: bytes) -> list[Hit]:
        """Every use of a name in ``data`` (a file's bytes, UTF-8 or near it), in order.

        Work is linear in the file: columns are counted from the previous hit on the same
        line, and of a very long line (minified code) only a window around the hit is kept.
        """
        if self._pattern is None:
            return []
        hits, pos, line, line_start, counted, column = [], 0, 1, 0, 0, 1
        above = _above(data, 0)
        search = self._pattern.search
        while (m := search(data, pos)) is not None:
            start, end = m.span(1)
            pos = end  # the character after the token may start the next one's boundary
            newlines = data.count(b"\n", counted, start)
            if newlines:
                line += newlines
                line_start = data.rfind(b"\n", counted, start) + 1
                counted, column = line_start, 1
                above = _above(data, line_start)  # once per line: each line is read back once
            column += len(data[counted:start].decode("utf-8", "replace"))
            counted = start
            text = data[start:end].decode("utf-8", "replace")
            line_text, offset = _window(data, line_start, start, end)
            group = next(g for g in self._name_groups if m.group(g))
            spelled, prefix = m.group(group).decode(), m.group(2).decode("utf-8", "replace")
            name = self.spelled[spelled]
            if name in self.ambiguous and not prefix and not context.used_as_model_id(
                    line_text, offset, offset + len(text)):
                continue
            platform = spellings.platform(prefix, spelled, name, data[m.end(group):end].decode())
            hits.append(Hit(line, column, text, name, line_text, above, offset, platform))
        return hits


WINDOW = 1000  # bytes of a line kept on either side of a hit


def _window(data: bytes, line_start: int, start: int, end: int) -> tuple[str, int]:
    """The line holding ``data[start:end]``, cut to WINDOW bytes either side of it, and where
    ``start`` falls in that text."""
    line_end = data.find(b"\n", end, end + WINDOW)
    line_end = min(len(data), end + WINDOW) if line_end < 0 else line_end
    before = data[max(line_start, start - WINDOW):start].decode("utf-8", "replace")
    after = data[start:min(line_end, end + WINDOW)].decode("utf-8", "replace").rstrip("\r")
    return before + after, len(before)


def _above(data: bytes, line_start: int) -> str:
    """The line before the one starting at ``line_start`` (its first WINDOW bytes at most: a
    directive there counts only if the line begins with a comment, ``suppress.OWN_LINE``)."""
    if not line_start:
        return ""
    end = line_start - 1
    begin = data.rfind(b"\n", 0, end) + 1
    return data[begin:min(end, begin + WINDOW)].decode("utf-8", "replace").rstrip("\r")
