"""The scan: the files under some paths, read and matched on every core, as findings.

The walk runs in this process and hands out files in chunks; worker processes read and match
them (RE2 holds the interpreter lock, so threads would take turns). A scan of a single chunk
(pre-commit's few files) runs here, with no pool to start. Findings are sorted by path, line
and column, whatever order the cores finished in.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from itertools import islice

from depcal_scan import report, suppress, walk
from depcal_scan.matcher import Hit, Matcher
from depcal_scan.retirements import Retirement, entries_meant

CHUNK = 128  # files per task: small enough to balance the cores, large enough to be cheap

_worker: dict = {}  # the worker process's matcher and settings, set by _start_worker


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _start_worker(names, ambiguous, max_bytes, skip) -> None:
    _worker.update(matcher=Matcher(names, ambiguous), max_bytes=max_bytes, skip=skip)


def _scan_chunk(paths: list[str]) -> tuple[list[tuple[str, list[Hit]]], walk.WalkStats]:
    stats, found = walk.WalkStats(), []
    find = _worker["matcher"].find
    for path in paths:
        data = walk.read_file(path, max_bytes=_worker["max_bytes"], stats=stats,
                              skip=_worker["skip"])
        if data:
            hits = find(data)
            if hits:
                found.append((path, hits))
    return found, stats


def _chunks(items: Iterator[str]) -> Iterator[list[str]]:
    while chunk := list(islice(items, CHUNK)):
        yield chunk


def _identities(paths: Iterable[str | None]) -> frozenset[tuple[int, int]]:
    found = set()
    for path in paths:
        try:
            info = os.stat(path) if path else None
        except OSError:
            continue
        if info:
            found.add((info.st_dev, info.st_ino))
    return frozenset(found)


def _scan_files(files: Iterator[str], setup: tuple, jobs: int
                ) -> Iterator[tuple[list[tuple[str, list[Hit]]], walk.WalkStats]]:
    chunks = _chunks(files)
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    if second is None or jobs <= 1:
        _start_worker(*setup)
        for chunk in (first, second, *chunks) if second else (first,):
            yield _scan_chunk(chunk)
        return
    # fork where it is the platform's safe default (Linux): the pool starts in milliseconds
    method = "fork" if sys.platform.startswith("linux") else None
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                             initializer=_start_worker, initargs=setup) as pool:
        pending = [pool.submit(_scan_chunk, first), pool.submit(_scan_chunk, second)]
        pending += [pool.submit(_scan_chunk, chunk) for chunk in chunks]
        for future in pending:
            yield future.result()


def scan(paths: Iterable[str], retirements: Iterable[Retirement], *, today: date,
         within: int = report.DEFAULT_WITHIN, excludes: Iterable[str] = (),
         max_bytes: int = walk.DEFAULT_MAX_BYTES, skip: Iterable[str | None] = (),
         jobs: int | None = None, vendors: Collection[str] = (),
         use_git: bool = True) -> report.ScanResult:
    """Every use of a retirement's name under ``paths``, less those ``depcal: ignore`` accepts.

    Each use is reported against the entries it means (``retirements.entries_meant``).
    ``vendors``: only these vendors' retirements, platforms among them counting as the maker
    of the names they retire. ``skip``: files not to read (the catalogue export and the
    report, which name every model). Raises FileNotFoundError for a path that does not exist,
    and ``matcher.PatternError`` for names that cannot be compiled.
    """
    if vendors:
        retirements = [r for r in retirements if r.vendor in vendors]
    by_name: dict[str, list[Retirement]] = {}
    ambiguous = set()
    for r in retirements:
        for name in r.names:
            by_name.setdefault(name, []).append(r)
            if r.ambiguity(name):
                ambiguous.add(name)
    matcher = Matcher(by_name, ambiguous)  # compiled here first, so a bad name fails early
    result = report.ScanResult(today=today, within=within, names=len(matcher.names))
    setup = (sorted(matcher.names), sorted(matcher.ambiguous), max_bytes, _identities(skip))
    files = walk.iter_files(paths, excludes=excludes, stats=result.stats, use_git=use_git)
    for found, stats in _scan_files(files, setup, jobs or default_jobs()):
        result.stats.add(stats)
        for path, hits in found:
            shown = walk.printable(path)
            for hit in hits:
                if suppress.in_directive(hit.line_text, hit.offset):
                    continue  # "depcal: ignore[gpt-4-0613]" names the model, does not use it
                owners = by_name[hit.name]
                meant = entries_meant(owners, hit.platform, vendors)
                if not meant:
                    if hit.platform is None:
                        result.platform_only.update({r.vendor for r in owners})
                    continue
                if suppress.silenced(hit.line_text, hit.above,
                                     {hit.text, hit.name, *(r.identifier for r in meant)}):
                    result.silenced += 1
                    continue
                for r in meant:
                    result.findings.append(report.Finding(
                        path=shown, line=hit.line, column=hit.column, text=hit.text,
                        name=hit.name, retirement=r, state=r.state(today),
                        days_left=r.days_left(today),
                        failing=report.is_failing(r, today, within), line_text=hit.line_text))
    result.findings.sort(key=lambda f: (f.path, f.line, f.column, f.retirement.key))
    return result
