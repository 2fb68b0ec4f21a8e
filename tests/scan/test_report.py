"""Reports: what a finding says, and SARIF that validates against the 2.1.0 schema."""

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from depcal_scan import report
from depcal_scan import retirements as catalogue
from depcal_scan.engine import scan

from tests.scan.rows import row

SCHEMA = Path(__file__).resolve().parent.parent / "fixtures" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "client.py").write_text(
        'import openai\n\nreply = client.chat(model="chatgpt-4o-latest")\n'
        "old = 'gpt-4-32k'\n")
    (tmp_path / "docs with space.md").write_text("We moved off `claude-2` (withdrawn).\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


RETIREMENTS = catalogue.from_rows([
    row(),
    row("gpt-4-0613", aliases=["gpt-4-32k"], shutdown_on="2025-06-06", replacements=("gpt-4o",),
        pk=2),
    row("claude-2", vendor="anthropic", vendor_name="Anthropic", status="withdrawn", pk=3),
])


def run_scan(today=date(2026, 2, 1), within=90):
    return scan(["."], RETIREMENTS, today=today, within=within)


def test_each_finding_names_file_line_date_and_replacement(tree):
    result = run_scan()
    text = report.render_text(result)
    assert ("app/client.py:3:28: error: chatgpt-4o-latest (OpenAI) shuts down on 2026-02-17, "
            "in 16 days; replacement: gpt-5.1-chat-latest <https://depcal.example/vendors/"
            "openai/1/>") in text
    assert ("app/client.py:4:8: error: gpt-4-32k (alias of gpt-4-0613, OpenAI) was shut down "
            "on 2025-06-06, 240 days ago; replacement: gpt-4o") in text
    assert "docs with space.md:1:15: note: claude-2 (Anthropic) had its retirement withdrawn" \
        in text
    assert text.rstrip().endswith("2 retired or retiring within 90 days of 2026-02-01")
    assert len(result.failing) == 2


def test_json_report_is_for_scripts(tree):
    document = json.loads(report.render_json(run_scan(today=date(2025, 10, 1), within=30)))
    assert document["failing"] == 1  # only the already retired gpt-4-32k
    first = document["findings"][0]
    assert first == {
        "path": "app/client.py", "line": 3, "column": 28, "end_column": 45,
        "text": "chatgpt-4o-latest", "name": "chatgpt-4o-latest",
        "identifier": "chatgpt-4o-latest", "vendor": "openai",
        "status": "scheduled", "shutdown_on": "2026-02-17", "tentative": False, "days_left": 139,
        "replacement": "gpt-5.1-chat-latest", "replacements": ["gpt-5.1-chat-latest"],
        "url": "https://depcal.example/vendors/openai/1/", "failing": False,
        "message": first["message"], "fingerprint": first["fingerprint"],
    }
    assert len(first["fingerprint"]) == 24


def test_sarif_is_valid_2_1_0_with_a_rule_per_retirement(tree, sarif_validator):
    log = json.loads(report.render_sarif(run_scan()))
    sarif_validator.validate(log)
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(rules) == {"openai/chatgpt-4o-latest", "openai/gpt-4-0613", "anthropic/claude-2"}
    assert rules["openai/chatgpt-4o-latest"]["helpUri"] == \
        "https://depcal.example/vendors/openai/1/"
    levels = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert levels == {("openai/chatgpt-4o-latest", "error"), ("openai/gpt-4-0613", "error"),
                      ("anthropic/claude-2", "note")}
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "app/client.py", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 3, "startColumn": 28, "endLine": 3,
                                   "endColumn": 45}}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"]}
    assert "docs%20with%20space.md" in uris


def test_an_empty_scan_is_valid_sarif_too(tmp_path, sarif_validator):
    result = scan([tmp_path], RETIREMENTS, today=date(2026, 2, 1))
    sarif_validator.validate(json.loads(report.render_sarif(result)))
    assert report.summary(result).endswith("; ok")
