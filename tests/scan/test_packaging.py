"""depcal-scan is a distribution of its own (scanner/), light to install, wired into the
server without ever being taken from a package index, and usable from pre-commit."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCANNER = tomllib.loads((ROOT / "scanner" / "pyproject.toml").read_text())["project"]
SERVER = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_scanner_declares_its_console_script_and_only_what_it_needs():
    assert SCANNER["name"] == "depcal-scan"
    assert SCANNER["scripts"]["depcal-scan"] == "depcal_scan.cli:main"
    assert sorted(d.split(">")[0].split("[")[0] for d in SCANNER["dependencies"]) == [
        "google-re2", "pathspec"]
    assert "depcal-scan" not in SERVER.get("scripts", {})


def test_the_server_requires_exactly_this_scanner_in_a_version_no_index_can_serve():
    (pin,) = [d for d in SERVER["dependencies"] if d.startswith("depcal-scan")]
    assert pin == f"depcal-scan=={SCANNER['version']}"
    assert "+" in SCANNER["version"]  # a local version: PyPI refuses to publish one


def test_every_install_takes_the_scanner_from_this_checkout():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -e ./scanner -e .\n" in makefile
    assert "pip install --quiet -e ./scanner -e '.[test]'\n" in makefile
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "COPY scanner scanner\n" in dockerfile
    assert "pip install --no-cache-dir ./scanner .\n" in dockerfile


def test_the_pre_commit_hook_runs_the_console_script_once_over_text_files():
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "depcal-scan"
    assert hook["entry"] == "depcal-scan"
    assert hook["language"] == "python"
    assert hook["types"] == ["text"]
    assert hook["require_serial"] is True
    # pre-commit installs the repository's root (the server) in the same pip command
    assert hook["additional_dependencies"] == ["./scanner"]


def test_the_scanner_imports_no_django():
    probe = ("import sys, depcal_scan.cli, depcal_scan.engine, depcal_scan.server; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('django', 'deprecations', 'notifier', 'depcal')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_pip_install_of_the_scanner_in_an_empty_venv_brings_no_django(tmp_path):
    source = tmp_path / "scanner"  # a copy: building writes into the source tree
    shutil.copytree(ROOT / "scanner", source,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([bin_dir / "python", "-m", "pip", "install", "--quiet", str(source)],
                   check=True, capture_output=True)
    listed = subprocess.run([bin_dir / "python", "-m", "pip", "list", "--format=freeze"],
                            capture_output=True, text=True, check=True).stdout.lower()
    names = {line.split("==")[0] for line in listed.splitlines()}
    assert "depcal-scan" in names
    assert not names & {"django", "celery", "psycopg", "djangorestframework", "requests"}
    helped = subprocess.run([bin_dir / "depcal-scan", "--help"], capture_output=True,
                            text=True, check=True)
    assert "Exit status: 1 if a finding is retired" in helped.stdout
    # and it scans, from an export, with nothing else installed
    (tmp_path / "catalogue.json").write_text(
        '{"results": [{"vendor": "openai", "identifier": "gpt-4-0314",'
        ' "shutdown_on": "2024-06-13"}]}')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text('MODEL = "openrouter/openai/gpt-4-0314"\n')
    scanned = subprocess.run([bin_dir / "depcal-scan", "--catalogue", "catalogue.json",
                              "--today", "2026-11-28", "src"], cwd=tmp_path,
                             capture_output=True, text=True)
    assert scanned.returncode == 1, scanned.stderr
    assert ("src/app.py:1:10: error: openrouter/openai/gpt-4-0314 (gpt-4-0314, openai)"
            in scanned.stdout)
