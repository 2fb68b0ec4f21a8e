"""The dependency audit's verdict (scripts/audit_dependencies.py) on pip-audit's JSON report:
a known vulnerability always fails; packages it could not audit are named, and fail only
where auditing is required."""

import importlib.util

from bench.app_server import ROOT

spec = importlib.util.spec_from_file_location(
    "audit_dependencies", ROOT / "scripts" / "audit_dependencies.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

CLEAN = {"name": "django", "version": "5.2.19", "vulns": []}
VULNERABLE = {"name": "requests", "version": "2.31.0", "vulns": [
    {"id": "GHSA-9wx4-h78v-vm56", "aliases": ["CVE-2024-35195"], "fix_versions": ["2.32.0"]}]}
SKIPPED = {"name": "urllib3", "skip_reason": "Dependency not found on PyPI and could not be "
                                            "audited: urllib3 (2.8.0)"}
EDITABLE = {"name": "depcal", "skip_reason": "distribution marked as editable"}


def test_a_known_vulnerability_fails_whatever_else():
    for required in (False, True):
        status, lines = audit.verdict({"dependencies": [CLEAN, VULNERABLE]}, required=required)
        assert status == 1
        assert any("VULNERABLE requests 2.31.0: GHSA-9wx4-h78v-vm56 CVE-2024-35195 "
                   "(fixed in 2.32.0)" in line for line in lines)


def test_packages_not_audited_are_named_and_fail_only_when_required():
    report = {"dependencies": [CLEAN, SKIPPED, EDITABLE]}
    status, lines = audit.verdict(report, required=False)
    assert status == 0
    assert lines[0] == "audit: 1 of 2 installed packages audited"
    assert any(line.startswith("audit: NOT AUDITED: 1 packages") and "urllib3" in line
               for line in lines)
    assert audit.verdict(report, required=True)[0] == 1


def test_everything_audited_and_clean_passes():
    status, lines = audit.verdict({"dependencies": [CLEAN, EDITABLE]}, required=True)
    assert status == 0 and lines[-1] == "audit: no known vulnerability in what was audited"


def test_an_ignored_vulnerability_does_not_fail(monkeypatch):
    monkeypatch.setitem(audit.IGNORED, "GHSA-9wx4-h78v-vm56", "we never send .netrc")
    assert audit.verdict({"dependencies": [VULNERABLE]}, required=True)[0] == 0
