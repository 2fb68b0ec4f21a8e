"""``depcal-scan``: fail a build that still calls a model about to be shut down.

    depcal-scan --server https://depcal.example.org [PATH ...]
    depcal-scan --catalogue catalogue.json --today 2026-02-01 --within 30 --format sarif src/

Exit status: 1 if something found is retired or retires within ``--within`` days (default
90), 0 if not, 2 on an error (a bad argument, an unreadable catalogue, a missing path).
``manage.py scan`` takes the same arguments, with the catalogue from the database.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from datetime import date

from deprecations.scan import catalogue, matcher, report, walk
from deprecations.scan.catalogue import CatalogueError, Retirement

DEFAULT_WITHIN = 90
FAILED, ERROR = 1, 2


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: use YYYY-MM-DD") from None


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = -1
    if days < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of days (0 or more)")
    return days


def _size(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        size = 0
    if size <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a size in bytes")
    return size


def add_scan_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments ``depcal-scan`` and ``manage.py scan`` share."""
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files and directories to scan (default: the current directory)")
    parser.add_argument("--today", type=_date, metavar="YYYY-MM-DD",
                        help="judge deadlines as on this day (default: today)")
    parser.add_argument("--within", type=_days, default=DEFAULT_WITHIN, metavar="DAYS",
                        help="fail on retirements within this many days "
                             f"(default: {DEFAULT_WITHIN}); retired ones always fail")
    parser.add_argument("--format", choices=sorted(report.RENDERERS), default="text",
                        help="text for people, json for scripts, sarif for code scanning")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the report here (a summary still goes to stderr)")
    parser.add_argument("--vendor", action="append", default=[], metavar="SLUG",
                        help="only this vendor's retirements (repeatable)")
    parser.add_argument("--exclude", action="append", default=[], metavar="PATTERN",
                        help="also skip paths matching this gitignore-style pattern (repeatable)")
    parser.add_argument("--max-bytes", type=_size, default=walk.DEFAULT_MAX_BYTES,
                        metavar="N", help="skip files larger than this "
                                          f"(default: {walk.DEFAULT_MAX_BYTES})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="depcal-scan",
        description="Find uses of AI models and APIs that are retired or about to be, "
                    "from a depcal catalogue.",
        epilog="Exit status: 1 if a finding is retired or retires within --within days, "
               "0 if not, 2 on an error.")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--server", metavar="URL", default=os.environ.get("DEPCAL_SERVER"),
                        help="a depcal site to read the catalogue from (its API); "
                             "default: $DEPCAL_SERVER")
    source.add_argument("--catalogue", metavar="FILE",
                        help="a JSON export (python manage.py export_catalogue > FILE)")
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="where server answers are cached (default: ~/.cache/depcal-scan)")
    parser.add_argument("--timeout", type=float, default=catalogue.TIMEOUT, metavar="SECONDS")
    add_scan_arguments(parser)
    return parser


def scan(paths: Iterable[str], retirements: Iterable[Retirement], *, today: date,
         within: int = DEFAULT_WITHIN, excludes: Iterable[str] = (),
         max_bytes: int = walk.DEFAULT_MAX_BYTES, skip: Iterable[str] = ()
         ) -> report.ScanResult:
    """Every whole-token use of a retirement's identifier or alias under ``paths``.

    ``skip``: files not to read (the catalogue export and the report, which name every model).
    Raises FileNotFoundError for a path that does not exist.
    """
    skip = {os.path.realpath(p) for p in skip if p}
    by_name: dict[str, list[Retirement]] = {}
    for r in retirements:
        for name in r.names:
            if matcher.is_token(name):
                by_name.setdefault(name, []).append(r)
    find = matcher.Matcher(by_name).find
    result = report.ScanResult(today=today, within=within, names=len(by_name))
    for path in walk.iter_files(paths, excludes=excludes):
        if skip and os.path.realpath(path) in skip:
            continue
        text = walk.read_text(path, max_bytes=max_bytes, stats=result.stats)
        if not text:
            continue
        matches = find(text)
        for m, (line, column) in zip(matches, matcher.positions(text, matches), strict=True):
            for r in by_name[m.name]:
                result.findings.append(report.Finding(
                    path=path, line=line, column=column, name=m.name, retirement=r,
                    state=r.state(today), days_left=r.days_left(today),
                    failing=report.is_failing(r, today, within)))
    return result


def run(options: dict, retirements: list[Retirement], *, today: date, stdout=None,
        stderr=None) -> int:
    """Scan as ``options`` (parsed arguments) say, write the report, return the exit status."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    vendors = {v.strip().lower() for v in options.get("vendor") or () if v.strip()}
    if vendors:
        retirements = [r for r in retirements if r.vendor in vendors]
    try:
        result = scan(options.get("paths") or ["."], retirements, today=today,
                      within=options["within"], excludes=options.get("exclude") or (),
                      max_bytes=options.get("max_bytes") or walk.DEFAULT_MAX_BYTES,
                      skip=[options.get("catalogue"), options.get("output")])
    except FileNotFoundError as exc:
        stderr.write(f"depcal-scan: error: {exc}\n")
        return ERROR
    for path, reason in result.stats.unreadable:
        stderr.write(f"depcal-scan: warning: cannot read {path}: {reason}\n")
    rendered = report.RENDERERS[options.get("format") or "text"](result)
    if options.get("output"):
        try:
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(rendered)
        except OSError as exc:
            stderr.write(f"depcal-scan: error: cannot write {options['output']}: {exc}\n")
            return ERROR
        stderr.write(report.summary(result) + "\n")
    else:
        stdout.write(rendered)
    return FAILED if result.failing else 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.server and not args.catalogue:
        parser.error("say where the catalogue is: --server URL (or $DEPCAL_SERVER) "
                     "or --catalogue FILE")

    def warn(message):
        sys.stderr.write(f"depcal-scan: warning: {message}\n")

    try:
        if args.catalogue:
            retirements = catalogue.load_file(args.catalogue)
        else:
            retirements = catalogue.load_server(args.server, cache_dir=args.cache_dir,
                                                timeout=args.timeout, warn=warn)
    except CatalogueError as exc:
        sys.stderr.write(f"depcal-scan: error: {exc}\n")
        return ERROR
    return run(vars(args), retirements, today=args.today or date.today())


if __name__ == "__main__":
    sys.exit(main())
