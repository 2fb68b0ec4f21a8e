"""Tentative dates ("not sooner than"): worded as depcal's pages word them, never counted down.

A tentative date is the earliest day the vendor may shut the model down. The scanner says
"not before 17 February 2027" before it, and "may shut down any day (not before ...)" once it
has come, never "was shut down": nothing says the model is gone. It fails the build as a firm
date does, within ``--within`` days and once passed: the vendor may enforce it any day.
"""

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from depcal_scan import cli, report
from depcal_scan import retirements as catalogue
from depcal_scan.engine import scan

from tests.scan.rows import document, row

SCHEMA = Path(__file__).resolve().parent.parent / "fixtures" / "sarif-schema-2.1.0.json"
TODAY = date(2026, 11, 28)

# As Anthropic's page gives them: "Active ... Not sooner than February 17, 2027".
ROWS = [
    row("claude-sonnet-4-6", vendor="anthropic", vendor_name="Anthropic",
        shutdown_on="2027-02-17", tentative=True, replacements=(), pk=1),
    row("claude-opus-4-5-20251101", vendor="anthropic", vendor_name="Anthropic",
        shutdown_on="2026-11-24", tentative=True, replacements=("claude-opus-4-8",), pk=2),
    row("claude-haiku-4-5-20251001", vendor="anthropic", vendor_name="Anthropic",
        shutdown_on="2026-11-28", tentative=True, replacements=(), pk=3),
    row("gpt-4o-2024-05-13", shutdown_on="2026-10-23", replacements=(), pk=4),  # a firm date
]
CODE = ('a = "claude-sonnet-4-6"\nb = "claude-opus-4-5-20251101"\n'
        'c = "claude-haiku-4-5-20251001"\nd = "gpt-4o-2024-05-13"\n')


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text(CODE)
    (tmp_path / "catalogue.json").write_text(json.dumps(document(*ROWS)))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def text_report(capsys, *extra):
    status = cli.main(["--catalogue", "catalogue.json", "--today", "2026-11-28", *extra,
                       "app.py"])
    return status, capsys.readouterr().out.splitlines()


def test_tentative_dates_are_worded_as_the_site_words_them(tree, capsys):
    status, lines = text_report(capsys)
    assert status == 1
    assert lines[:-1] == [
        "app.py:1:6: error: claude-sonnet-4-6 (Anthropic) shuts down not before "
        "17 February 2027 <https://depcal.example/vendors/anthropic/1/>",
        "app.py:2:6: error: claude-opus-4-5-20251101 (Anthropic) may shut down any day "
        "(not before 24 November 2026); replacement: claude-opus-4-8 "
        "<https://depcal.example/vendors/anthropic/2/>",
        "app.py:3:6: error: claude-haiku-4-5-20251001 (Anthropic) may shut down any day "
        "(not before 28 November 2026) <https://depcal.example/vendors/anthropic/3/>",
        "app.py:4:6: error: gpt-4o-2024-05-13 (OpenAI) was shut down on 2026-10-23, 36 days "
        "ago <https://depcal.example/vendors/openai/4/>",
    ]


def test_a_passed_tentative_date_fails_whatever_within_says(tree, capsys):
    (tree / "app.py").write_text('b = "claude-opus-4-5-20251101"\n')
    status, lines = text_report(capsys, "--within", "0")
    assert status == 1
    assert lines[0].startswith("app.py:1:6: error: claude-opus-4-5-20251101 (Anthropic) may "
                               "shut down any day")


def test_a_tentative_date_further_off_than_within_passes(tree, capsys):
    (tree / "app.py").write_text('a = "claude-sonnet-4-6"\n')
    status, lines = text_report(capsys, "--within", "30")
    assert status == 0
    assert lines[0] == ("app.py:1:6: warning: claude-sonnet-4-6 (Anthropic) shuts down not "
                        "before 17 February 2027 <https://depcal.example/vendors/anthropic/1/>")
    # within 81 days, the earliest day it may go: it fails
    assert text_report(capsys, "--within", "81")[0] == 1


def test_json_and_sarif_say_tentative(tree):
    result = scan(["app.py"], catalogue.from_rows(ROWS), today=TODAY)
    findings = json.loads(report.render_json(result))["findings"]
    assert [(f["identifier"], f["tentative"], f["status"], f["days_left"], f["failing"])
            for f in findings] == [
        ("claude-sonnet-4-6", True, "scheduled", 81, True),
        ("claude-opus-4-5-20251101", True, "scheduled", -4, True),
        ("claude-haiku-4-5-20251001", True, "scheduled", 0, True),
        ("gpt-4o-2024-05-13", False, "retired", -36, True),
    ]
    log = json.loads(report.render_sarif(result))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text()),
                               format_checker=jsonschema.FormatChecker()).validate(log)
    run = log["runs"][0]
    assert [r["properties"]["tentative"] for r in run["results"]] == [True, True, True, False]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["anthropic/claude-sonnet-4-6"]["properties"]["tentative"] is True
    assert rules["anthropic/claude-sonnet-4-6"]["shortDescription"]["text"] == (
        "claude-sonnet-4-6 (Anthropic) shuts down not before 17 February 2027")
    assert rules["openai/gpt-4o-2024-05-13"]["shortDescription"]["text"] == (
        "gpt-4o-2024-05-13 (OpenAI) shuts down on 2026-10-23")
    tentative = [r["message"]["text"] for r in run["results"][:3]]
    assert not any("was shut down" in m or " days" in m for m in tentative), tentative


def test_a_passed_tentative_date_is_not_a_shutdown_whatever_the_stored_status():
    # a server that marked it retired by its date alone (as depcal did) does not make it so
    (entry,) = catalogue.from_rows([dict(ROWS[1], status="retired")])
    assert entry.tentative and entry.state(TODAY) == "scheduled"
    assert entry.state(date(2026, 11, 1)) == "scheduled"
    firm = catalogue.from_rows([dict(ROWS[1], tentative=False)])[0]
    assert firm.state(TODAY) == "retired"


@pytest.mark.parametrize("field, value, message", [
    ("tentative", "yes", "'tentative' must be true or false"),
])
def test_flags_of_the_wrong_type_are_named(field, value, message):
    with pytest.raises(catalogue.CatalogueError, match=message):
        catalogue.from_rows([dict(ROWS[0], **{field: value})])


def test_an_export_without_the_flag_reads_as_firm_dates():
    old = {k: v for k, v in ROWS[0].items() if k != "tentative"}
    (entry,) = catalogue.from_rows([old])
    assert entry.tentative is False
