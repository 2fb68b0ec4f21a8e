"""One git repository with every case a real tree has, and exactly the findings it must give."""

import json
import shutil
import subprocess

import pytest
from depcal_scan import cli

from tests.scan.rows import document, row

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

CATALOGUE = document(
    row("command", vendor="cohere", vendor_name="Cohere", shutdown_on="2025-09-15", pk=1),
    row("command-r", vendor="cohere", vendor_name="Cohere", shutdown_on="2025-09-15", pk=2),
    row("claude-3-5-sonnet-20240620", vendor="anthropic", vendor_name="Anthropic",
        shutdown_on="2025-10-22", pk=3),
    row("gemini-2.5-flash-preview-04-17", vendor="google-gemini", vendor_name="Gemini API",
        shutdown_on="2025-07-15", pk=4),
    row("gpt-4o", shutdown_on="2026-10-22", pk=5),
    row("gpt-4-0314", shutdown_on="2024-06-13", pk=6),
    # platforms' entries: found only where the code spells the platform
    row("anthropic.claude-3-5-sonnet-20240620-v1:0", vendor="aws-bedrock", platform=True,
        vendor_name="Amazon Bedrock", shutdown_on="2026-03-01", pk=7),
    row("claude-3-5-sonnet@20240620", vendor="google-vertex", platform=True,
        vendor_name="Google Vertex AI", shutdown_on="2026-01-05", pk=8),
    row("gpt-4o", vendor="azure", vendor_name="Azure", platform=True, shutdown_on="2026-03-31",
        pk=9),
)
CATALOGUE["results"][0]["ambiguous_names"] = {"command": "also a command-line term"}

FILES = {
    "README.md": (
        "# tool\n"
        "Run the `command` below to start; each command takes a model name.\n"),
    "CHANGELOG.md": "## 1.0\n- Moved off gpt-4-0314.\n",
    "app/cli.py": (
        "parser = argparse.ArgumentParser()\n"
        'sub = parser.add_subparsers(dest="command")\n'
        "answer = client.chat(model=\"command-r\", message=question)\n"
        "legacy = co.generate(model='command', prompt=question)\n"),
    "app/llm.py": (
        'LITELLM = "anthropic/claude-3-5-sonnet-20240620"\n'
        'FLASH = "gemini/gemini-2.5-flash-preview-04-17"\n'
        'ROUTED = "openrouter/openai/gpt-4o"\n'
        'VERTEX = "claude-3-5-sonnet@20240620"\n'
        'PROFILE = "us.anthropic.claude-3-5-sonnet-20240620-v1:0"\n'
        'ARN = "arn:aws:bedrock:us-east-1::foundation-model/'
        'anthropic.claude-3-5-sonnet-20240620-v1:0"\n'
        'FORK = "acme/my-gpt-4o-fork"\n'
        'OLD = "gpt-4-0314"  # depcal: ignore[gpt-4-0314]\n'
        'AZURE = "azure/gpt-4o"\n'),
    ".env.example": "MODEL=gpt-4o\n",
    ".gitignore": ".env*\nbuild/\n",
}
UNTRACKED = {
    ".env": "MODEL=gpt-4-0314\n",  # ignored: never read
    "build/generated.py": 'M = "gpt-4o"\n',  # ignored
    "app/new.py": 'M = "gpt-4-0314"\n',  # untracked, not ignored: read
}


def git(root, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                    "-c", "init.defaultBranch=main", *args], cwd=root, check=True,
                   capture_output=True)


@pytest.fixture
def repository(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    root.mkdir()
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-f", ".")  # .env.example is committed although .gitignore says .env*
    git(root, "commit", "-qm", "first")
    for rel, text in UNTRACKED.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (tmp_path / "catalogue.json").write_text(json.dumps(CATALOGUE))
    monkeypatch.chdir(root)
    return root


def findings(capsys, *extra):
    status = cli.main(["--catalogue", "../catalogue.json", "--today", "2026-11-28",
                       "--format", "json", *extra, "."])
    out = json.loads(capsys.readouterr().out)
    return status, [(f["path"], f["line"], f["column"], f["text"], f["vendor"],
                     f["identifier"]) for f in out["findings"]]


def test_a_real_tree_gives_exactly_the_expected_findings(repository, capsys):
    # the CHANGELOG's line was accepted once, in a baseline
    status = cli.main(["--catalogue", "../catalogue.json", "--today", "2026-11-28",
                       "--baseline", "depcal-baseline.json", "--write-baseline", "CHANGELOG.md"])
    assert status == 0
    capsys.readouterr()

    status, found = findings(capsys, "--baseline", "depcal-baseline.json")
    assert status == 1
    assert found == [
        (".env.example", 1, 7, "gpt-4o", "openai", "gpt-4o"),
        ("app/cli.py", 3, 29, "command-r", "cohere", "command-r"),
        ("app/cli.py", 4, 29, "command", "cohere", "command"),
        ("app/llm.py", 1, 12, "anthropic/claude-3-5-sonnet-20240620", "anthropic",
         "claude-3-5-sonnet-20240620"),
        ("app/llm.py", 2, 10, "gemini/gemini-2.5-flash-preview-04-17", "google-gemini",
         "gemini-2.5-flash-preview-04-17"),
        ("app/llm.py", 3, 11, "openrouter/openai/gpt-4o", "openai", "gpt-4o"),
        ("app/llm.py", 4, 11, "claude-3-5-sonnet@20240620", "google-vertex",
         "claude-3-5-sonnet@20240620"),
        ("app/llm.py", 5, 12, "us.anthropic.claude-3-5-sonnet-20240620-v1:0", "aws-bedrock",
         "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("app/llm.py", 6, 8, "arn:aws:bedrock:us-east-1::foundation-model/"
         "anthropic.claude-3-5-sonnet-20240620-v1:0", "aws-bedrock",
         "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("app/llm.py", 9, 10, "azure/gpt-4o", "azure", "gpt-4o"),
        ("app/new.py", 1, 6, "gpt-4-0314", "openai", "gpt-4-0314"),
    ]

    # without the baseline, the CHANGELOG's line is back; prose "command" never is
    status, found = findings(capsys)
    assert ("CHANGELOG.md", 2, 13, "gpt-4-0314", "openai", "gpt-4-0314") in found
    assert not any(f[0] == "README.md" for f in found)
    assert len(found) == 12
