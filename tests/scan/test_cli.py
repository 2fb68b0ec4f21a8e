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


WATCHLIST = {"models": ["chatgpt-4o-latest"], "added": ["chatgpt-4o-latest"], "removed": []}


@pytest.mark.parametrize("answer, status, err", [
    # an older server sends neither vendors nor not_followed: no warning
    (WATCHLIST, 0, ""),
    ({**WATCHLIST, "vendors": ["anthropic"],
      "not_followed": [{"model": "chatgpt-4o-latest", "vendors": ["openai"]}]}, 0,
     "depcal-scan: warning: the subscription follows only the vendor(s) anthropic, so no alert "
     "will come for 1 model(s) of the watch-list: chatgpt-4o-latest (openai). On the "
     "subscription's manage page, under \"What to follow\", add openai (or choose no vendor, "
     "to follow every vendor)\n"),
    ({**WATCHLIST, "vendors": [], "not_followed": [{"model": "chatgpt-4o-latest"}]}, 2,
     "did not answer with a watch-list"),
])
def test_update_watchlist_warns_of_the_models_the_servers_answer_says_are_left_out(
        project, tmp_path, capsys, answer, status, err):
    with LoopbackServer() as server:
        server.routes["/api/v1/retirements?page_size=500"] = Document(
            json.dumps(document(row())).encode(), "application/json")
        server.routes["/api/v1/watchlist"] = Document(json.dumps(answer).encode(),
                                                      "application/json")
        assert cli.main(["--server", server.base, "--cache-dir", str(tmp_path / "cache"),
                         "--update-watchlist", "dcw_token", "src"]) == status
        (path, headers, body), = server.posts
    assert json.loads(body) == {"models": ["chatgpt-4o-latest"]}
    out, got = capsys.readouterr()
    assert got == err if status == 0 else err in got
    if status == 0:
        assert out.startswith("watch-list: 1 model(s): chatgpt-4o-latest\nadded: ")


def test_the_scanner_imports_no_django():
    import subprocess
    import sys
    probe = ("import sys, depcal_scan.cli, depcal_scan.report; "
             "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "False"


# Accepting findings: inline comments and baselines.

def test_an_ignore_comment_on_the_line_or_above_silences_it(project, export, capsys):
    (project / "src" / "bot.py").write_text(
        'a = "chatgpt-4o-latest"  # depcal: ignore\n'
        "# depcal: ignore[chatgpt-4o-latest]\n"
        'b = "chatgpt-4o-latest"\n'
        'c = "chatgpt-4o-latest"  # depcal: ignore[claude-2]\n')
    assert cli.main(["--catalogue", str(export), "--today", "2026-02-01", "src"]) == 1
    out = capsys.readouterr().out
    assert [line.split(": ")[0] for line in out.splitlines()[:-1]] == ["src/bot.py:4:6"]
    # lines 1 and 3; a name inside a directive (lines 2 and 4) is no use of its own
    assert "2 silenced by 'depcal: ignore'" in out


def test_an_ignore_comment_at_the_end_of_a_line_silences_that_line_only(project, export, capsys):
    (project / "src" / "bot.py").write_text(
        'x = "chatgpt-4o-latest"  # depcal: ignore\n'
        'y = "chatgpt-4o-latest"\n'
        '    "chatgpt-4o-latest",  // depcal: ignore\n'
        '    "chatgpt-4o-latest",\n')
    assert cli.main(["--catalogue", str(export), "--today", "2026-02-01", "src"]) == 1
    out = capsys.readouterr().out
    assert [line.split(": ")[0] for line in out.splitlines()[:-1]] == [
        "src/bot.py:2:6", "src/bot.py:4:6"]
    assert "2 silenced by 'depcal: ignore'" in out


def test_a_name_inside_a_directive_is_neither_a_finding_nor_silenced(project, export, capsys):
    (project / "src" / "bot.py").write_text(
        "To accept a line, write `# depcal: ignore[chatgpt-4o-latest, claude-2]` on it.\n")
    assert cli.main(["--catalogue", str(export), "--today", "2026-02-01", "src"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:-1] == []
    assert "silenced" not in out and out.rstrip().endswith("; ok")


def test_a_baseline_reports_only_new_findings(project, export, capsys):
    argv = ["--catalogue", str(export), "--today", "2026-02-01", "--baseline", "base.json"]
    assert cli.main([*argv, "--write-baseline", "src"]) == 0
    assert "wrote 1 finding(s) to base.json" in capsys.readouterr().err
    assert cli.main([*argv, "src"]) == 0
    assert "1 in the baseline; ok" in capsys.readouterr().out
    # a line added above moves the known finding: still known; a new use is reported
    bot = project / "src" / "bot.py"
    bot.write_text("# a new first line\n" + bot.read_text() + 'again = "chatgpt-4o-latest"\n')
    assert cli.main([*argv, "src"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("src/bot.py:6:10: error: chatgpt-4o-latest")
    assert "1 in the baseline" in out


@pytest.mark.parametrize("content, message", [
    (None, "no baseline at base.json; make one with --write-baseline"),
    ("{", "base.json is not JSON"),
    ('{"findings": []}', "base.json is not a depcal-scan baseline"),
])
def test_a_missing_or_broken_baseline_is_an_error(project, export, capsys, content, message):
    if content is not None:
        (project / "base.json").write_text(content)
    assert cli.main(["--catalogue", str(export), "--baseline", "base.json", "src"]) == 2
    assert message in capsys.readouterr().err


def test_write_baseline_needs_a_file(project, export, capsys):
    assert cli.main(["--catalogue", str(export), "--write-baseline", "src"]) == 2
    assert "--write-baseline needs --baseline FILE" in capsys.readouterr().err


# Hostile trees and crashes: exit 2, never 1.

def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(project, export, capsys):
    import os
    import urllib.parse
    (project / "src" / os.fsdecode(b"caf\xe9\n.py")).write_text('m = "chatgpt-4o-latest"\n')
    shown = "src/caf\ufffd\\x0a.py"  # undecodable byte replaced, line break escaped
    base = ["--catalogue", str(export), "--today", "2026-02-01"]
    assert cli.main([*base, "--format", "text", "src"]) == 1
    assert f"{shown}:1:6: error: chatgpt-4o-latest" in capsys.readouterr().out
    assert cli.main([*base, "--format", "json", "src"]) == 1
    paths = [f["path"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert shown in paths
    assert cli.main([*base, "--format", "sarif", "src"]) == 1
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(capsys.readouterr().out)["runs"][0]["results"]]
    assert urllib.parse.quote(shown) in uris


def test_an_unexpected_failure_exits_2_not_1(project, export, capsys, monkeypatch):
    from depcal_scan import engine

    def broken(*args, **kwargs):
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(engine, "scan", broken)
    assert cli.main(["--catalogue", str(export), "src"]) == 2
    err = capsys.readouterr().err
    assert "RuntimeError: something nobody foresaw" in err
    assert err.rstrip().endswith("unexpected failure (the traceback is above); please report it")


def test_a_gitignore_that_would_crash_the_walk_gives_warnings_and_a_result(project, export,
                                                                            capsys):
    (project / "src" / ".gitignore").write_text("[z-a]\n\\\n!\n" + "*" * 16 + "a\n")
    assert cli.main(["--catalogue", str(export), "--today", "2026-02-01", "src"]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("pattern skipped") == 3
    assert "src/bot.py:4:12" in captured.out


def test_many_files_are_scanned_on_several_processes_with_the_same_result(project, export,
                                                                          capsys):
    for i in range(300):
        (project / "src" / f"m{i:03d}.py").write_text(f'x = {i}\nm = "chatgpt-4o-latest"\n')
    argv = ["--catalogue", str(export), "--today", "2026-02-01", "--format", "json", "src"]
    assert cli.main([*argv, "--jobs", "1"]) == 1
    serial = json.loads(capsys.readouterr().out)
    assert cli.main([*argv, "--jobs", "2"]) == 1
    parallel = json.loads(capsys.readouterr().out)
    assert parallel == serial
    assert serial["files_scanned"] == 302 and len(serial["findings"]) == 301
