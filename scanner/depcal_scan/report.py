"""What a scan found, and the three ways of saying it: text, JSON and SARIF 2.1.0.

A finding *fails* the scan when its retirement has already happened, or happens within
``within`` days of ``today``; a withdrawn retirement or one further off is reported but passes.
A tentative date (the vendor's "not sooner than") is the earliest day the vendor may enforce,
so it fails the same way once it is within ``within`` days, and still fails once passed: the
model has not been shut down yet, but may be any day. It is worded as depcal's pages word it
("not before 17 February 2027"), never counted down.
The SARIF log has one rule per retirement found (its ``helpUri`` the entry's page on the
depcal site) and one result per use, ``error`` if failing, ``warning`` if scheduled later,
``note`` if withdrawn: the form GitHub code scanning accepts from ``upload-sarif``.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from depcal_scan import __version__
from depcal_scan.retirements import Retirement
from depcal_scan.suppress import fingerprint
from depcal_scan.walk import WalkStats

TOOL_NAME = "depcal-scan"
TOOL_VERSION = __version__
SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
LEVELS = {"failing": "error", "scheduled": "warning", "withdrawn": "note"}
DEFAULT_WITHIN = 90  # days: a retirement this close fails the scan
# Month names as depcal's pages write dates ("17 February 2027"), whatever the locale.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    text: str  # as written: "us.anthropic.claude-3-5-sonnet-20240620-v1:0"
    name: str  # the catalogue name it spells: the identifier or one of its aliases
    retirement: Retirement
    state: str  # retired / scheduled / withdrawn, on the scan's today
    days_left: int | None
    failing: bool
    line_text: str = ""  # the line it stands on, for the baseline's fingerprint

    @property
    def end_column(self) -> int:
        return self.column + len(self.text)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.path, self.retirement.key, self.text, self.line_text)

    @property
    def level(self) -> str:
        if self.failing:
            return LEVELS["failing"]
        return LEVELS["withdrawn"] if self.state == "withdrawn" else LEVELS["scheduled"]


@dataclass
class ScanResult:
    today: date
    within: int
    findings: list[Finding] = field(default_factory=list)
    stats: WalkStats = field(default_factory=WalkStats)
    names: int = 0  # identifiers and aliases searched for
    silenced: int = 0  # findings a "depcal: ignore" comment accepted
    baselined: int = 0  # findings the baseline accepted
    # Uses of names that only platforms retire, written as the maker spells them, so left
    # out (``retirements.entries_meant``): per platform, for the summary's hint.
    platform_only: Counter = field(default_factory=Counter)

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.failing]


def is_failing(retirement: Retirement, today: date, within: int) -> bool:
    state = retirement.state(today)
    if state == "retired":
        return True
    days = retirement.days_left(today)
    return state == "scheduled" and days is not None and days <= within


def day_text(value: date) -> str:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def shutdown_text(r: Retirement) -> str:
    """The shutdown day as the entry gives it: ``2027-02-17`` or ``not before 17 February
    2027``."""
    if r.tentative:
        return f"not before {day_text(r.shutdown_on)}"
    return r.shutdown_on.isoformat()


def describe(f: Finding) -> str:
    """One sentence: what the name is, when it goes, what to use instead."""
    r = f.retirement
    about = [f.name] if f.text != f.name else []
    if f.name != r.identifier:
        about.append(f"alias of {r.identifier}")
    about.append(r.vendor_name or r.vendor)
    name = f"{f.text} ({', '.join(about)})"
    if f.state == "withdrawn":
        when = "had its retirement withdrawn"
    elif r.shutdown_on is None:
        when = "is deprecated; no shutdown date yet"
    elif r.tentative:
        when = (f"may shut down any day ({shutdown_text(r)})" if f.days_left <= 0
                else f"shuts down {shutdown_text(r)}")
    elif f.state == "retired":
        days = -(f.days_left or 0)
        when = (f"was shut down on {r.shutdown_on.isoformat()}"
                + (f", {days} day{'s' if days != 1 else ''} ago" if days else ""))
    elif f.days_left == 0:
        when = f"shuts down today, {r.shutdown_on.isoformat()}"
    else:
        when = (f"shuts down on {r.shutdown_on.isoformat()}, in {f.days_left} "
                f"day{'s' if f.days_left != 1 else ''}")
    instead = (f"; replacement: {' or '.join(r.replacements)}" if r.replacements
               and f.state != "withdrawn" else "")
    return f"{name} {when}{instead}"


def render_text(result: ScanResult) -> str:
    lines = [
        f"{f.path}:{f.line}:{f.column}: {f.level}: {describe(f)}"
        + (f" <{f.retirement.url}>" if f.retirement.url else "")
        for f in result.findings
    ]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def summary(result: ScanResult) -> str:
    stats, failing = result.stats, len(result.failing)
    skipped = []
    if stats.binary:
        skipped.append(f"{stats.binary} binary")
    if stats.huge:
        skipped.append(f"{stats.huge} huge")
    if stats.unreadable:
        skipped.append(f"{len(stats.unreadable)} unreadable")
    text = (f"{TOOL_NAME}: {len(result.findings)} use{'s' if len(result.findings) != 1 else ''}"
            f" of retiring names in {stats.files} file{'s' if stats.files != 1 else ''} scanned"
            f" ({result.names} names); {failing} retired or retiring within {result.within}"
            f" days of {result.today.isoformat()}")
    if skipped:
        text += f"; skipped {', '.join(skipped)} file(s)"
    if result.silenced:
        text += f"; {result.silenced} silenced by 'depcal: ignore'"
    if result.baselined:
        text += f"; {result.baselined} in the baseline"
    if result.platform_only:
        counts = ", ".join(f"{vendor} {n}" for vendor, n in sorted(result.platform_only.items()))
        text += (f"; not reported: uses of names only a platform retires ({counts}); if the "
                 "code calls that platform, name it and your other vendors with --vendor")
    return text + ("" if failing else "; ok")


def finding_dict(f: Finding) -> dict:
    r = f.retirement
    return {
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "end_column": f.end_column,
        "text": f.text,
        "name": f.name,
        "identifier": r.identifier,
        "vendor": r.vendor,
        "status": f.state,
        "shutdown_on": r.shutdown_on.isoformat() if r.shutdown_on else None,
        "tentative": r.tentative,
        "days_left": f.days_left,
        "replacement": r.replacement or None,
        "replacements": list(r.replacements),
        "url": r.url or None,
        "failing": f.failing,
        "message": describe(f),
        "fingerprint": f.fingerprint,
    }


def render_json(result: ScanResult) -> str:
    document = {
        "tool": TOOL_NAME,
        "version": TOOL_VERSION,
        "today": result.today.isoformat(),
        "within_days": result.within,
        "files_scanned": result.stats.files,
        "names": result.names,
        "failing": len(result.failing),
        "findings": [finding_dict(f) for f in result.findings],
        "platform_only": dict(sorted(result.platform_only.items())),
    }
    return json.dumps(document, indent=2) + "\n"


def _rule(r: Retirement, today: date, within: int) -> dict:
    who = r.vendor_name or r.vendor
    when = (f"shuts down {'' if r.tentative else 'on '}{shutdown_text(r)}" if r.shutdown_on
            else "is deprecated")
    if r.status == "withdrawn":
        when = "had its retirement withdrawn"
    short = f"{r.identifier} ({who}) {when}"
    full = short + (f". Replacement: {' or '.join(r.replacements)}." if r.replacements else ".")
    if r.aliases:
        full += f" Also called {', '.join(r.aliases)}."
    markdown = full + (f"\n\nSee [the entry on depcal]({r.url}) for sources and history."
                       if r.url else "")
    failing = is_failing(r, today, within)
    rule = {
        "id": r.key,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": full, "markdown": markdown},
        "defaultConfiguration": {
            "level": LEVELS["failing"] if failing else (
                LEVELS["withdrawn"] if r.status == "withdrawn" else LEVELS["scheduled"])},
        "properties": {
            "tags": ["deprecation", "ai-model", r.vendor],
            "vendor": r.vendor,
            "shutdownOn": r.shutdown_on.isoformat() if r.shutdown_on else None,
            "tentative": r.tentative,
            "replacements": list(r.replacements),
        },
    }
    if r.url:
        rule["helpUri"] = r.url
    return rule


def _artifact(path: str, root: str) -> dict:
    absolute = os.path.abspath(path)
    if absolute == root or absolute.startswith(os.path.join(root, "")):
        relative = os.path.relpath(absolute, root).replace(os.sep, "/")
        return {"uri": urllib.parse.quote(relative), "uriBaseId": "%SRCROOT%"}
    return {"uri": Path(absolute).as_uri()}


def render_sarif(result: ScanResult, *, root: str | None = None) -> str:
    """A SARIF 2.1.0 log; paths are relative to ``root`` (the working directory)."""
    root = os.path.abspath(root or os.getcwd())
    rules, index = [], {}
    results = []
    for f in result.findings:
        key = f.retirement.key
        if key not in index:
            index[key] = len(rules)
            rules.append(_rule(f.retirement, result.today, result.within))
        results.append({
            "ruleId": key,
            "ruleIndex": index[key],
            "level": f.level,
            "message": {"text": describe(f) + "."},
            "locations": [{"physicalLocation": {
                "artifactLocation": _artifact(f.path, root),
                "region": {"startLine": f.line, "startColumn": f.column,
                           "endLine": f.line, "endColumn": f.end_column},
            }}],
            "partialFingerprints": {"depcalFinding/v1": f.fingerprint},
            "properties": {"daysLeft": f.days_left, "tentative": f.retirement.tentative,
                           "status": f.state, "text": f.text},
        })
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": TOOL_NAME, "version": TOOL_VERSION,
                                "semanticVersion": TOOL_VERSION, "rules": rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(root).as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"today": result.today.isoformat(), "withinDays": result.within},
        }],
    }
    return json.dumps(log, indent=2) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "sarif": render_sarif}
