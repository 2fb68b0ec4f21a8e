"""The files a scan reads, as git sees them; binary and huge files left out when read.

Inside a git work tree the list is git's own: what git tracks plus the untracked files it does
not ignore (``git ls-files --cached --others --exclude-standard``), so a committed
``.env.example`` is read even when ``.gitignore`` says ``.env*`` (ignore rules apply to
untracked files only). Outside a work tree, or where git is missing, the tree is walked with
``os.scandir`` and its ``.gitignore`` files (with those of its parents up to a ``.git``, and
``.git/info/exclude``) are applied with git's rules: the deepest file that has an opinion
wins, an ignored directory is not entered, ``.git`` is never entered, symbolic links are not
followed. The walk keeps its own stack (no recursion limit) and patterns run on RE2, so no
tree depth or ``.gitignore`` line can crash or stall it; a pattern git would reject is skipped
with a warning. ``--exclude`` patterns apply on top, in both cases. A file named on the command
line is always read, as pre-commit passes exactly the files to check.

A file is binary if its first 8 KiB hold a NUL byte, huge if it is over ``max_bytes``.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import re2
from pathspec import GitIgnoreSpec

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
SNIFF_BYTES = 8192
MAX_RULES_BYTES = 1024 * 1024  # a .gitignore larger than this is not read (nor honoured)
NEVER_ENTER = frozenset({".git", ".hg", ".svn"})
GIT_TIMEOUT = 120.0
# Variables that would point git at another repository than the one under the path given.
GIT_LOCATION = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


@dataclass
class WalkStats:
    files: int = 0
    binary: int = 0
    huge: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, other: WalkStats) -> None:
        self.files += other.files
        self.binary += other.binary
        self.huge += other.huge
        self.unreadable += other.unreadable
        self.warnings += other.warnings


def compile_rules(lines: Iterable[str], source: str, stats: WalkStats) -> GitIgnoreSpec:
    """Git's rules from ``lines``; a line git would reject is left out with a warning."""
    lines = list(lines)
    try:
        return GitIgnoreSpec.from_lines(lines, backend="re2")
    except (ValueError, re.error, re2.error):
        pass
    kept = []
    for n, line in enumerate(lines, 1):
        try:
            GitIgnoreSpec.from_lines([line], backend="re2")
        except (ValueError, re.error, re2.error) as exc:
            stats.warnings.append(f"{source}:{n}: pattern skipped ({exc})")
            kept.append("")  # keeps the line numbers, matches nothing
        else:
            kept.append(line)
    return GitIgnoreSpec.from_lines(kept, backend="re2")


@dataclass(frozen=True)
class _Rules:
    base: str  # directory the rules apply under, as a path prefix ending in os.sep
    spec: GitIgnoreSpec


def _load_rules(path: str, base: str, stats: WalkStats) -> _Rules | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_RULES_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_RULES_BYTES:
        stats.warnings.append(f"{printable(path)}: over {MAX_RULES_BYTES} bytes, not read")
        return None
    lines = data.decode("utf-8", "replace").splitlines()
    if not any(line.strip() and not line.startswith("#") for line in lines):
        return None
    return _Rules(os.path.join(base, ""), compile_rules(lines, printable(path), stats))


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


def _inherited_rules(root: str, stats: WalkStats) -> list[_Rules]:
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
    rules = [_load_rules(os.path.join(top, ".git", "info", "exclude"), top, stats)]
    rules += [_load_rules(os.path.join(d, ".gitignore"), d, stats) for d in reversed(chain)]
    return [r for r in rules if r]


def git_files(root: str) -> list[str] | None:
    """What git lists under ``root`` (relative paths), or None outside a work tree or git."""
    env = {k: v for k, v in os.environ.items() if k not in GIT_LOCATION}
    try:
        done = subprocess.run(
            # no fsmonitor: a repository's own config must not run a program of its choosing
            ["git", "-c", "core.fsmonitor=false", "-C", root, "ls-files", "-z", "--cached",
             "--others", "--exclude-standard"],
            capture_output=True, env=env, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    # Unmerged paths are listed once per stage; names are bytes, kept as the OS gives them.
    return sorted({os.fsdecode(p) for p in done.stdout.split(b"\0") if p})


def iter_files(paths: Iterable[str | os.PathLike], *, excludes: Iterable[str] = (),
               stats: WalkStats | None = None, use_git: bool = True) -> Iterator[str]:
    """Every file to read under ``paths``.

    ``excludes`` are extra gitignore-style patterns, relative to each path given.
    Raises FileNotFoundError for a path that does not exist.
    """
    stats = stats if stats is not None else WalkStats()
    excludes = list(excludes)
    for given in paths:
        given = os.fspath(given)
        root = os.path.abspath(given)
        if os.path.isfile(root):
            yield given
            continue
        if not os.path.isdir(root):
            raise FileNotFoundError(f"no such file or directory: {printable(given)}")
        shown = os.path.normpath(given)
        extra = compile_rules(excludes, "--exclude", stats) if excludes else None
        listed = git_files(root) if use_git else None
        if listed:
            for rel in listed:
                if extra is None or not extra.match_file(rel):
                    yield rel if shown == "." else os.path.join(shown, rel)
            continue
        rules = _inherited_rules(root, stats)
        if _ignored(root, True, rules):
            rules = []  # a directory named on the command line is scanned even if ignored
        if extra is not None:
            rules.insert(0, _Rules(os.path.join(root, ""), extra))
        yield from _walk(root, rules, shown, stats)


def _walk(top: str, rules: list[_Rules], shown: str, stats: WalkStats) -> Iterator[str]:
    """Depth-first, entries sorted, with an explicit stack."""
    stack = [(top, rules, shown)]
    while stack:
        directory, rules, shown = stack.pop()
        own = _load_rules(os.path.join(directory, ".gitignore"), directory, stats)
        if own:
            rules = [*rules, own]
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            stats.unreadable.append((printable(shown), exc.strerror or str(exc)))
            continue
        subdirectories = []
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
                subdirectories.append((entry.path, rules, child))
            else:
                yield child
        stack.extend(reversed(subdirectories))


def read_file(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES, stats: WalkStats,
              skip: frozenset[tuple[int, int]] = frozenset()) -> bytes | None:
    """The file's bytes, or None if it is binary, huge, not a regular file, or in ``skip``.

    ``skip`` holds (device, inode) pairs: files not to read, compared without resolving
    every path. A symbolic link is not followed; a file listed by git but gone is passed over.
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if _NOFOLLOW and os.path.islink(path):
            return None
        stats.unreadable.append((printable(path), exc.strerror or str(exc)))
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (info.st_dev, info.st_ino) in skip:
            return None
        if info.st_size > max_bytes:
            stats.huge += 1
            return None
        chunks, size = [], 0
        while chunk := os.read(fd, max(info.st_size + 1 - size, 1 << 16)):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:  # a file that grew since fstat
                stats.huge += 1
                return None
    except OSError as exc:
        stats.unreadable.append((printable(path), exc.strerror or str(exc)))
        return None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if b"\0" in data[:SNIFF_BYTES]:
        stats.binary += 1
        return None
    stats.files += 1
    return data


def printable(path: str) -> str:
    """``path`` as text safe to print on one line: bytes that are not UTF-8 (kept by the OS as
    surrogates) become U+FFFD, control characters are escaped."""
    text = os.fsencode(path).decode("utf-8", "replace")
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
