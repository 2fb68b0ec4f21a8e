"""The files a scan reads: a tree walked as git would see it, binary and huge files left out.

Directories are walked with ``os.scandir``; ``.git`` is never entered; the ``.gitignore`` files
of the tree (and of its parents up to the repository's top, with ``.git/info/exclude``) are
applied with git's rules (pathspec's ``GitIgnoreSpec``: the deepest file that has an opinion
wins, an ignored directory is not entered). Symbolic links are not followed. A file named on
the command line is always read, ignored or not, as pre-commit passes exactly the files to
check. A file is binary if its first 8 KiB hold a NUL byte, huge if it is over ``max_bytes``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pathspec import GitIgnoreSpec

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
SNIFF_BYTES = 8192
NEVER_ENTER = frozenset({".git", ".hg", ".svn"})


@dataclass
class WalkStats:
    files: int = 0
    binary: int = 0
    huge: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Rules:
    base: str  # directory the .gitignore sits in, as a path prefix ending in os.sep
    spec: GitIgnoreSpec


def _load_rules(directory: str, filename: str = ".gitignore") -> _Rules | None:
    try:
        with open(os.path.join(directory, filename), encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    if not any(line.strip() and not line.startswith("#") for line in lines):
        return None
    base = directory if filename == ".gitignore" else os.path.dirname(os.path.dirname(directory))
    return _Rules(os.path.join(base, ""), GitIgnoreSpec.from_lines(lines))


def _ignored(path: str, is_dir: bool, rules: list[_Rules]) -> bool:
    """Git's verdict: the deepest rules file that matches the path decides."""
    for r in reversed(rules):
        if not path.startswith(r.base):
            continue
        rel = path[len(r.base):].replace(os.sep, "/") + ("/" if is_dir else "")
        verdict = r.spec.check_file(rel).include
        if verdict is not None:
            return verdict
    return False


def _repository_top(directory: str) -> str | None:
    current = directory
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _inherited_rules(root: str) -> list[_Rules]:
    """Rules from the directories above ``root``, up to the top of its git repository."""
    top = _repository_top(root)
    if top is None:
        return []
    chain, current = [], os.path.dirname(root)
    while top != root and current.startswith(top):
        chain.append(current)
        if current == top:
            break
        current = os.path.dirname(current)
    rules = [_load_rules(os.path.join(top, ".git", "info"), "exclude")]
    rules += [_load_rules(d) for d in reversed(chain)]
    return [r for r in rules if r]


def iter_files(paths: Iterable[str | os.PathLike], *, excludes: Iterable[str] = ()
               ) -> Iterator[str]:
    """Every file to read under ``paths``, in a stable order (sorted per directory).

    ``excludes`` are extra gitignore-style patterns, relative to each path given.
    Raises FileNotFoundError for a path that does not exist.
    """
    excludes = list(excludes)
    for given in paths:
        root = os.path.abspath(given)
        if os.path.isfile(root):
            yield os.fspath(given)
            continue
        if not os.path.isdir(root):
            raise FileNotFoundError(f"no such file or directory: {given}")
        rules = _inherited_rules(root)
        if _ignored(root, True, rules):
            rules = []  # a directory named on the command line is scanned even if ignored
        if excludes:
            rules.insert(0, _Rules(os.path.join(root, ""), GitIgnoreSpec.from_lines(excludes)))
        yield from _walk(root, rules, os.path.normpath(given))


def _walk(directory: str, rules: list[_Rules], shown: str) -> Iterator[str]:
    own = _load_rules(directory)
    if own:
        rules = [*rules, own]
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_symlink():
                continue
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir and entry.name in NEVER_ENTER:
            continue
        if rules and _ignored(entry.path, is_dir, rules):
            continue
        child = entry.name if shown == "." else os.path.join(shown, entry.name)
        if is_dir:
            yield from _walk(entry.path, rules, child)
        elif entry.is_file():
            yield child


def read_text(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
              stats: WalkStats | None = None) -> str | None:
    """The file's text (UTF-8, undecodable bytes replaced), or None if binary or huge."""
    stats = stats if stats is not None else WalkStats()
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            if size > max_bytes:
                stats.huge += 1
                return None
            chunks = [os.read(fd, size + 1)]
            while chunks[-1] and sum(map(len, chunks)) <= max_bytes:
                chunks.append(os.read(fd, max_bytes + 1))  # a file that grew, or a short read
        finally:
            os.close(fd)
    except OSError as exc:
        stats.unreadable.append((path, exc.strerror or str(exc)))
        return None
    data = b"".join(chunks)
    if len(data) > max_bytes:
        stats.huge += 1
        return None
    if b"\0" in data[:SNIFF_BYTES]:
        stats.binary += 1
        return None
    stats.files += 1
    return data.decode("utf-8", errors="replace")
