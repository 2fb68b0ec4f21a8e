"""Accepting a finding, as linters do: an inline comment, or a baseline of today's findings.

Inline: ``depcal: ignore`` at the end of a line silences every finding of that line, and of
that line only; in a comment on a line of its own, it silences the line below it.
``depcal: ignore[gpt-4-0314]`` (or ``ignore[gpt-4-0314, ada]``) silences only those names,
compared with the text as written, the catalogue name and the entry's identifier. Any comment
syntax will do on the line itself, since the directive is looked for in the line's text; a
line of its own is one that begins with a comment (``OWN_LINE``), and the directive is in that
first comment (commented-out code with a trailing directive, ``# m = "gpt-4"  # depcal:
ignore``, accepts its own line only). A name inside the brackets is the directive's argument,
never a use of its own.

Baseline: ``--write-baseline`` records every finding of today in the ``--baseline`` file;
later runs with ``--baseline`` report only findings that are not in it. A finding is known by
its path, its entry, the text as written and its line's content (not its number), so lines
added above it do not make it new again; the same line twice needs two entries. The file
holds a fingerprint of each, with the path and line to find it by, and no model name (so a
scan without ``--baseline`` does not find the baseline itself).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable

DIRECTIVE = re.compile(r"depcal:\s*ignore(?:\[([^\]]*)\])?")
BASELINE_FORMAT = "depcal-scan baseline 1"


# How a line that is only a comment begins, in the files model names are kept in: # (Python,
# shell, YAML, TOML, .env; not a C preprocessor line or a Rust attribute, which are code),
# //, /* and * (C family, JavaScript, Go, Rust, CSS), <!-- (HTML, XML, Markdown), -- (SQL,
# Lua, Haskell; not a --flag), ; (INI, Lisp), % (TeX, Erlang, MATLAB), {# (Jinja), {{! and
# {{/* (Handlebars, Go templates), <%# and <%-- (ERB, JSP), @* (Razor), (* (OCaml), {-
# (Haskell), .. (reStructuredText), REM and :: (batch files); or the directive itself (the
# body of a block comment). A quote (VB's ') is left out: a line of a list of strings begins
# with one.
_OPENER = (r"#(?!(?:define|undef|include|if|ifdef|ifndef|elif|else|endif|pragma|import)\b|\[)#*"
           r"|//+|/\*+|\*+|<!--|--+(?![\w-])|;+|%+|\{#|\{\{!|\{\{/\*|<%#|<%--|@\*|\(\*"
           r"|\{-|\.\.(?=\s)|(?i:rem)(?=\s)|::")
# What may stand before the directive on a line of its own: the opener, then no other comment
# (a second one means the line is commented-out code with a trailing directive).
OWN_LINE = re.compile(rf"\s*(?:(?:{_OPENER})(?:(?!#|//|/\*|<!--).)*)?")


def silenced(line_text: str, above: str, names: Iterable[str]) -> bool:
    """Whether a directive on the line, or one on a line of its own above it, covers one of
    ``names``."""
    return (_covers(line_text, names, own_line_only=False)
            or _covers(above, names, own_line_only=True))


def _covers(text: str, names: Iterable[str], *, own_line_only: bool) -> bool:
    if "depcal" not in text:
        return False
    for m in DIRECTIVE.finditer(text):
        if own_line_only and not OWN_LINE.fullmatch(text, 0, m.start()):
            continue  # at the end of a line of code: that line's, not the next one's
        if m.group(1) is None:
            return True
        listed = {n.strip() for n in m.group(1).split(",")}
        if listed.intersection(names):
            return True
    return False


def in_directive(line_text: str, offset: int) -> bool:
    """Whether ``offset`` of the line falls in a directive's list of names: there a name is
    the directive's argument, not a use of the model."""
    if "depcal" not in line_text:
        return False
    return any(m.start(1) <= offset < m.end(1) for m in DIRECTIVE.finditer(line_text)
               if m.group(1) is not None)


class BaselineError(Exception):
    """The baseline file could not be read or written; the message says why."""


def fingerprint(path: str, entry: str, text: str, line_text: str) -> str:
    where = os.path.relpath(os.path.abspath(path)).replace(os.sep, "/")
    key = "\0".join((where, entry, text, " ".join(line_text.split())))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def load(path: str) -> Counter:
    """How many times each fingerprint is accepted."""
    try:
        with open(path, encoding="utf-8") as fh:
            document = json.load(fh)
    except FileNotFoundError:
        raise BaselineError(f"no baseline at {path}; make one with --write-baseline") from None
    except OSError as exc:
        raise BaselineError(f"cannot read the baseline {path}: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:
        raise BaselineError(f"{path} is not JSON: {exc}") from None
    if not (isinstance(document, dict) and document.get("format") == BASELINE_FORMAT
            and isinstance(document.get("findings"), list)
            and all(isinstance(f, dict) and isinstance(f.get("fingerprint"), str)
                    for f in document["findings"])):
        raise BaselineError(f"{path} is not a depcal-scan baseline "
                            "(write one with --write-baseline)")
    return Counter(f["fingerprint"] for f in document["findings"])


def write(path: str, findings: list[dict]) -> None:
    """``findings``: dicts with at least a ``fingerprint``; written sorted, for stable diffs."""
    rows = sorted(findings, key=lambda f: (f.get("path", ""), f.get("line", 0), f["fingerprint"]))
    document = {"format": BASELINE_FORMAT, "findings": rows}
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise BaselineError(f"cannot write the baseline {path}: {exc.strerror or exc}") from None
