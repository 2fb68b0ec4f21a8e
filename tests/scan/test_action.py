"""The GitHub Action (action.yml): its scan step run as GitHub runs it, with bash -eo pipefail."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.scan.rows import document, row

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = {step.get("name", step.get("uses")): step for step in ACTION["runs"]["steps"]}


def test_it_is_a_composite_that_installs_the_light_scanner_and_uploads_sarif():
    assert ACTION["runs"]["using"] == "composite"
    assert '"$GITHUB_ACTION_PATH/scanner"' in STEPS["Install depcal-scan"]["run"]
    upload = STEPS["Upload to code scanning"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    # no input is pasted into a script (a workflow's inputs could inject commands)
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", "")


def run_scan_step(tmp_path, **inputs):
    values = {"server": "", "catalogue": "", "paths": ".", "within": "90", "baseline": "",
              "args": "", "upload": "true", "sarif-file": "depcal.sarif", **inputs}
    step = STEPS["Scan"]
    env = {**os.environ, "GITHUB_OUTPUT": str(tmp_path / "output"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for name, expression in step["env"].items():
        key = expression.removeprefix("${{ inputs.").removesuffix(" }}")
        env[name] = values[key]
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                           step["run"]], cwd=tmp_path, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    output = dict(line.split("=", 1) for line in (tmp_path / "output").read_text().split())
    return output["exit-code"], done


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "catalogue.json").write_text(json.dumps(document(row("gpt-4-0314"))))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text('MODEL = "gpt-4-0314"\n')
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "lib.py").write_text('MODEL = "gpt-4-0314"\n')
    return tmp_path


def test_the_scan_step_writes_sarif_and_reports_the_exit_code(repo):
    code, done = run_scan_step(repo, catalogue="catalogue.json", args="--exclude vendor/")
    assert code == "1"
    results = json.loads((repo / "depcal.sarif").read_text())["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in results] == ["src/app.py"]
    assert "1 retired or retiring within 90 days" in done.stderr


def test_without_upload_the_findings_go_to_the_log(repo):
    code, done = run_scan_step(repo, catalogue="catalogue.json", upload="false", paths="src")
    assert code == "1"
    assert done.stdout.startswith("src/app.py:1:10: error: gpt-4-0314")
    assert not (repo / "depcal.sarif").exists()


def test_an_error_is_exit_code_2(repo):
    code, done = run_scan_step(repo, catalogue="missing.json")
    assert code == "2"
    assert "cannot read the catalogue missing.json" in done.stderr
