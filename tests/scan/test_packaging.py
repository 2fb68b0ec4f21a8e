"""depcal-scan is installed with the package and usable as a pre-commit hook."""

import tomllib
from pathlib import Path

import yaml

from deprecations.scan import cli

ROOT = Path(__file__).resolve().parents[2]


def test_the_console_script_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["depcal-scan"] == "deprecations.scan.cli:main"
    assert callable(cli.main)


def test_the_pre_commit_hook_runs_the_console_script_once_over_text_files():
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "depcal-scan"
    assert hook["entry"] == "depcal-scan"
    assert hook["language"] == "python"
    assert hook["types"] == ["text"]
    assert hook["require_serial"] is True
