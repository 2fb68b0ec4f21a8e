"""``depcal-scan``: fail a build that still calls a model about to be shut down.

    depcal-scan --server https://depcal.example.org [PATH ...]
    depcal-scan --catalogue catalogue.json --today 2026-02-01 --within 30 --format sarif src/
    depcal-scan --server https://depcal.example.org --update-watchlist TOKEN [PATH ...]

Exit status: 1 if something found is retired or retires within ``--within`` days (default
90), 0 if not, 2 on an error (a bad argument, an unreadable catalogue or baseline, a missing
path, anything unexpected: a crash must never read as "found something").

``--update-watchlist TOKEN`` makes the subscription whose API token it is follow exactly the
models found (as the code spells their catalogue names), prints what was added and removed,
and exits 0 (2 on an error); it reports no findings. It warns of the models the subscription's
vendors leave out (it follows its vendors' entries of its models: no alert comes for those).
Finding no model at all changes nothing, since following no model means following every one.
``manage.py scan`` takes the same arguments, with the catalogue from the database.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from datetime import date

from depcal_scan import engine, report, server, suppress, walk
from depcal_scan.matcher import PatternError
from depcal_scan.retirements import CatalogueError, Retirement, load_file

DEFAULT_WITHIN = report.DEFAULT_WITHIN
FOUND, ERROR = 1, 2


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: use YYYY-MM-DD") from None


def _count(least: int, what: str):
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = least - 1
        if number < least:
            raise argparse.ArgumentTypeError(f"{value!r} is not {what}")
        return number
    return parse


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 86400:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds")
    return seconds


def add_scan_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments ``depcal-scan`` and ``manage.py scan`` share."""
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files and directories to scan (default: the current directory)")
    parser.add_argument("--today", type=_date, metavar="YYYY-MM-DD",
                        help="judge deadlines as on this day (default: today)")
    parser.add_argument("--within", type=_count(0, "a number of days (0 or more)"),
                        default=DEFAULT_WITHIN, metavar="DAYS",
                        help="fail on retirements within this many days "
                             f"(default: {DEFAULT_WITHIN}); retired ones always fail")
    parser.add_argument("--format", choices=sorted(report.RENDERERS), default="text",
                        help="text for people, json for scripts, sarif for code scanning")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the report here (a summary still goes to stderr)")
    parser.add_argument("--vendor", action="append", default=[], metavar="SLUG",
                        help="only this vendor's retirements (repeatable); a platform's "
                             "(azure, aws-bedrock, google-vertex...) then match its names "
                             "written bare too")
    parser.add_argument("--exclude", action="append", default=[], metavar="PATTERN",
                        help="also skip paths matching this gitignore-style pattern (repeatable)")
    parser.add_argument("--baseline", metavar="FILE",
                        help="report only findings that are not in this baseline")
    parser.add_argument("--write-baseline", action="store_true",
                        help="record today's findings in the --baseline FILE and exit 0")
    parser.add_argument("--max-bytes", type=_count(1, "a size in bytes"),
                        default=walk.DEFAULT_MAX_BYTES, metavar="N",
                        help=f"skip files larger than this (default: {walk.DEFAULT_MAX_BYTES})")
    parser.add_argument("--jobs", type=_count(1, "a number of processes"), metavar="N",
                        help="processes to scan with (default: one per core)")


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
    parser.add_argument("--timeout", type=_seconds, default=server.TIMEOUT, metavar="SECONDS",
                        help=f"how long one read from the server may wait "
                             f"(default: {server.TIMEOUT:g})")
    parser.add_argument("--update-watchlist", metavar="TOKEN",
                        help="set the models a subscription of --server follows to those "
                             "found (TOKEN: the subscription's API token, from its manage "
                             "page); prints what was added and removed")
    parser.add_argument("--deadline", type=_seconds, default=server.DEADLINE,
                        metavar="SECONDS", help="how long everything asked of the server may "
                                                f"take (default: {server.DEADLINE:g})")
    add_scan_arguments(parser)
    return parser


def _error(stream, message: str) -> int:
    stream.write(f"depcal-scan: error: {message}\n")
    return ERROR


def _crashed(stream) -> int:
    """A crash is an error (2), never "found something" (1)."""
    stream.write(traceback.format_exc())
    return _error(stream, "unexpected failure (the traceback is above); please report it")


def run(options: dict, retirements: list[Retirement], *, today: date, stdout=None,
        stderr=None) -> int:
    """Scan as ``options`` (parsed arguments) say, write the report, return the exit status."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        return _run(options, retirements, today, stdout, stderr)
    except Exception:
        return _crashed(stderr)


def _run(options: dict, retirements: list[Retirement], today: date, stdout, stderr) -> int:
    if options.get("write_baseline") and not options.get("baseline"):
        return _error(stderr, "--write-baseline needs --baseline FILE (where to write it)")
    accepted = None
    if options.get("baseline") and not options.get("write_baseline"):
        try:
            accepted = suppress.load(options["baseline"])
        except suppress.BaselineError as exc:
            return _error(stderr, str(exc))
    try:
        result = _scan(options, retirements, today)
    except (FileNotFoundError, PatternError) as exc:
        return _error(stderr, str(exc))
    for message in result.stats.warnings:
        stderr.write(f"depcal-scan: warning: {message}\n")
    for path, reason in result.stats.unreadable:
        stderr.write(f"depcal-scan: warning: cannot read {path}: {reason}\n")
    if options.get("write_baseline"):
        try:
            suppress.write(options["baseline"], [
                {"fingerprint": f.fingerprint, "path": f.path, "line": f.line}
                for f in result.findings])
        except suppress.BaselineError as exc:
            return _error(stderr, str(exc))
        stderr.write(f"depcal-scan: wrote {len(result.findings)} finding(s) to "
                     f"{options['baseline']}\n")
        return 0
    if accepted is not None:
        _leave_out_baselined(result, accepted)
    rendered = report.RENDERERS[options.get("format") or "text"](result)
    if options.get("output"):
        try:
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(rendered)
        except OSError as exc:
            return _error(stderr, f"cannot write {options['output']}: {exc.strerror or exc}")
        stderr.write(report.summary(result) + "\n")
    else:
        stdout.write(rendered)
    return FOUND if result.failing else 0


def _scan(options: dict, retirements: list[Retirement], today: date) -> report.ScanResult:
    """The scan the options ask for (a report's and a watch-list's alike)."""
    vendors = {v.strip().lower() for v in options.get("vendor") or () if v.strip()}
    return engine.scan(
        options.get("paths") or ["."], retirements, today=today, within=options["within"],
        excludes=options.get("exclude") or (),
        max_bytes=options.get("max_bytes") or walk.DEFAULT_MAX_BYTES,
        skip=[options.get("catalogue"), options.get("output"), options.get("baseline")],
        jobs=options.get("jobs"), vendors=vendors)


def _leave_out_baselined(result: report.ScanResult, accepted) -> None:
    """Drop the findings the baseline accepts, each fingerprint as many times as recorded."""
    left = accepted.copy()
    kept = []
    for f in result.findings:
        if left[f.fingerprint] > 0:
            left[f.fingerprint] -= 1
            result.baselined += 1
        else:
            kept.append(f)
    result.findings = kept


def update_watchlist(args, retirements: list[Retirement], *, today: date, stdout=None,
                     stderr=None) -> int:
    """Scan, then make the subscription follow exactly the models found."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        result = _scan(vars(args), retirements, today)
    except (FileNotFoundError, PatternError) as exc:
        return _error(stderr, str(exc))
    models = sorted({f.name.lower() for f in result.findings})
    if not models:
        stderr.write("depcal-scan: warning: no model of the catalogue found; the watch-list "
                     "is left as it is (an empty one would mean every model)\n")
        return 0
    client = server.Client(args.server, cache_dir=args.cache_dir, timeout=args.timeout,
                           deadline=args.deadline)
    try:
        answer = client.update_watchlist(args.update_watchlist, models)
    except CatalogueError as exc:
        return _error(stderr, str(exc))
    stdout.write(f"watch-list: {len(answer['models'])} model(s): "
                 f"{', '.join(answer['models'])}\n")
    stdout.write(f"added: {', '.join(answer['added']) or '-'}\n")
    stdout.write(f"removed: {', '.join(answer['removed']) or '-'}\n")
    if answer["not_followed"]:
        stderr.write(not_followed_warning(answer["vendors"], answer["not_followed"]))
    return 0


def not_followed_warning(vendors: list[str], left_out: list[dict]) -> str:
    """The subscription follows its vendors' entries of its models: no alert can come for a
    model only other vendors retire. Say which, and how to follow them."""
    models = ", ".join(f"{n['model']} ({', '.join(n['vendors'])})" for n in left_out)
    missing = sorted({v for n in left_out for v in n["vendors"]})
    return (f"depcal-scan: warning: the subscription follows only the vendor(s) "
            f"{', '.join(vendors)}, so no alert will come for {len(left_out)} model(s) of the "
            f"watch-list: {models}. On the subscription's manage page, under \"What to "
            f"follow\", add {', '.join(missing)} (or choose no vendor, to follow every "
            f"vendor)\n")


def load_catalogue(args, warn) -> list[Retirement]:
    if args.catalogue:
        return load_file(args.catalogue)
    client = server.Client(args.server, cache_dir=args.cache_dir, timeout=args.timeout,
                           deadline=args.deadline, warn=warn)
    return client.retirements()


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a path or a name never fails to print
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.server and not args.catalogue:
        parser.error("say where the catalogue is: --server URL (or $DEPCAL_SERVER) "
                     "or --catalogue FILE")
    if args.update_watchlist is not None and not args.server:
        parser.error("--update-watchlist needs --server URL: the server the subscription is on")

    def warn(message):
        sys.stderr.write(f"depcal-scan: warning: {message}\n")

    try:
        retirements = load_catalogue(args, warn)
    except CatalogueError as exc:
        return _error(sys.stderr, str(exc))
    except Exception:
        return _crashed(sys.stderr)
    today = args.today or date.today()
    if args.update_watchlist is not None:
        try:
            return update_watchlist(args, retirements, today=today)
        except Exception:
            return _crashed(sys.stderr)
    return run(vars(args), retirements, today=today)


if __name__ == "__main__":
    sys.exit(main())
