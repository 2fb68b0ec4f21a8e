"""depcal-scan, the console script: catalogue from a file or a server, exit status, output."""

import json

import pytest
from depcal_scan import cli

from tests.httpserver import Document, LoopbackServer
from tests.scan.rows import document, row

CLIENT = 'from openai import OpenAI\n\nanswer = OpenAI().responses.create(\n' \
         '    model="chatgpt-4o-latest", input="hi")\n'


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bot.py").write_text(CLIENT)
    (tmp_path / "src" / "fork.py").write_text('name = "my-chatgpt-4o-latest-fork"\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document(row(), row("claude-2", vendor="anthropic",
                                                      vendor_name="Anthropic", pk=2))))
    return path


def test_fails_before_a_shutdown_and_names_file_line_date_and_replacement(
        project, export, capsys):
    assert cli.main(["--catalogue", str(export), "--today", "2026-02-01", "src"]) == 1
    out = capsys.readouterr().out
    assert "src/bot.py:4:12: error: chatgpt-4o-latest (OpenAI) shuts down on 2026-02-17" in out
    assert "replacement: gpt-5.1-chat-latest" in out
    assert "fork.py" not in out.split("depcal-scan:")[0]


def test_passes_when_the_shutdown_is_further_off_than_within(project, export, capsys):
    assert cli.main(["--catalogue", str(export), "--today", "2025-10-01", "--within", "30",
                     "src"]) == 0
    out = capsys.readouterr().out
    assert "warning: chatgpt-4o-latest (OpenAI) shuts down on 2026-02-17, in 139 days" in out


def test_a_retired_model_fails_whatever_within_says(project, export):
    assert cli.main(["--catalogue", str(export), "--today", "2026-03-01", "--within", "0"]) == 1


def test_vendor_restricts_the_catalogue(project, export, capsys):
    assert cli.main(["--catalogue", str(export), "--today", "2026-02-01",
                     "--vendor", "anthropic"]) == 0


def test_the_catalogue_file_itself_is_not_scanned(project, export, capsys):
    assert export.parent == project
    assert cli.main(["--catalogue", str(export), "--today", "2025-01-01", "--within", "0"]) == 0
    assert "catalogue.json" not in capsys.readouterr().out


def test_writes_sarif_to_a_file_and_a_summary_to_stderr(project, export, capsys):
    code = cli.main(["--catalogue", str(export), "--today", "2026-02-01", "--format", "sarif",
                     "-o", "out.sarif", "src"])
    assert code == 1
    log = json.loads((project / "out.sarif").read_text())
    assert log["runs"][0]["results"][0]["ruleId"] == "openai/chatgpt-4o-latest"
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "1 retired or retiring within 90 days" in captured.err


@pytest.mark.parametrize("argv, message", [
    (["--catalogue", "missing.json"], "cannot read the catalogue missing.json"),
    (["--catalogue", "src/bot.py"], "is not JSON"),
    (["--catalogue", "{export}", "nope/"], "no such file or directory: nope/"),
])
def test_errors_exit_2_with_a_message(project, export, capsys, argv, message):
    argv = [a.format(export=export) for a in argv]
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["--catalogue", "x.json", "--today", "1 Feb 2026"],
    ["--catalogue", "x.json", "--within", "-1"],
    ["--catalogue", "x.json", "--server", "http://127.0.0.1:1"],
    [],
])
def test_bad_arguments_exit_2(project, monkeypatch, argv):
    monkeypatch.delenv("DEPCAL_SERVER", raising=False)
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2


def test_reads_every_page_from_a_server_and_revalidates_with_the_etag(
        project, tmp_path, capsys):
    cache = tmp_path / "cache"
    with LoopbackServer() as server:
        first = "/api/v1/retirements?page_size=500"
        second = "/api/v1/retirements?page=2&page_size=500"
        page1 = document(row("claude-2", vendor="anthropic", pk=2))
        page1["next"] = server.url(second)
        server.routes[first] = Document(json.dumps(page1).encode(), "application/json")
        server.routes[second] = Document(json.dumps(document(row())).encode(),
                                         "application/json")
        argv = ["--server", server.base + "/", "--cache-dir", str(cache), "--today",
                "2026-02-01", "src"]
        assert cli.main(argv) == 1
        assert cli.main(argv) == 1
        conditional = [h.get("If-None-Match") for p, h in server.hits if p == first]
        assert conditional == [None, server.routes[first].etag]
    assert "chatgpt-4o-latest" in capsys.readouterr().out
    # the server is gone: the cached copy still answers, with a warning
    assert cli.main(argv) == 1
    assert "using the copy cached" in capsys.readouterr().err


def test_an_unreachable_server_without_a_cache_is_an_error(project, tmp_path, capsys):
    with LoopbackServer() as server:
        base = server.base
    assert cli.main(["--server", base, "--cache-dir", str(tmp_path / "c"), "--timeout", "2"]) \
        == 2
    assert "cannot reach" in capsys.readouterr().err


def test_a_server_error_is_an_error(project, tmp_path, capsys):
    with LoopbackServer() as server:
        code = cli.main(["--server", server.base, "--cache-dir", str(tmp_path / "c")])
    assert code == 2
    assert "answered 404" in capsys.readouterr().err


def test_the_scanner_imports_no_django():
    import subprocess
    import sys
    probe = ("import sys, depcal_scan.cli, depcal_scan.report; "
             "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "False"
