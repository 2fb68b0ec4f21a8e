"""Audit the installed dependencies for known vulnerabilities (pip-audit), and say plainly
whether they were audited at all.

pip-audit asks PyPI's JSON API about each installed version. Where that answer cannot be had
(no network, or an index mirror without the per-version JSON API), pip-audit skips the package
and still says "No known vulnerabilities found": this script counts the skips instead.

Exit status: 1 if a vulnerability is known (always); 1 if a package could not be audited and
DEPCAL_AUDIT_REQUIRED=1 (CI with full PyPI access should set it); 0 otherwise, with a NOT
AUDITED warning naming what was skipped. To accept a vulnerability that does not apply, add
its id to IGNORED below with the reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

IGNORED: dict[str, str] = {}  # vulnerability id -> why it does not apply to depcal


def verdict(report: dict, *, required: bool) -> tuple[int, list[str]]:
    """The exit status and the lines to print for a pip-audit JSON report."""
    deps = report.get("dependencies", [])
    found = [(d["name"], d.get("version", "?"), v) for d in deps for v in d.get("vulns", [])
             if v["id"] not in IGNORED]
    deps = [d for d in deps if "editable" not in d.get("skip_reason", "")]  # depcal itself
    skipped = [d for d in deps if d.get("skip_reason")]
    lines = [f"audit: {len(deps) - len(skipped)} of {len(deps)} installed packages audited"]
    for name, version, vuln in found:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
        lines.append(f"audit: VULNERABLE {name} {version}: {vuln['id']} "
                     f"{' '.join(vuln.get('aliases') or [])} (fixed in {fixes})")
    if skipped:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        lines.append(f"audit: NOT AUDITED: {len(skipped)} packages ({'; '.join(reasons)}), "
                     f"e.g. {', '.join(d['name'] for d in skipped[:5])}")
        if not required:
            lines.append("audit: the vulnerability service could not be asked about them; "
                         "set DEPCAL_AUDIT_REQUIRED=1 where PyPI's JSON API is reachable to make "
                         "this a failure")
    if found:
        return 1, lines + ["audit: FAILED: upgrade the packages above (pyproject.toml)"]
    if skipped and required:
        return 1, lines + ["audit: FAILED: DEPCAL_AUDIT_REQUIRED=1 and some packages were "
                           "not audited"]
    if len(skipped) == len(deps):
        return 0, lines + ["audit: NOTHING WAS AUDITED (see above)"]
    return 0, lines + ["audit: no known vulnerability in what was audited"]


def main() -> int:
    required = os.environ.get("DEPCAL_AUDIT_REQUIRED") == "1"
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "audit.json"
        run = subprocess.run(
            [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
             "--format", "json", "--output", str(output)],
            capture_output=True, text=True, timeout=900)
        if not output.exists():
            print(f"audit: pip-audit did not run (exit {run.returncode}): "
                  f"{run.stderr.strip()[-500:]}")
            return 1 if required else 0
        status, lines = verdict(json.loads(output.read_text()), required=required)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
