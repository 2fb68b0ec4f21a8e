"""manage.py scan and export_catalogue, and depcal-scan against a live depcal (database tests).

The scanner's pure tests are the other files of this folder; these need the catalogue in a DB.
"""

import json
from datetime import date
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from depcal_scan import cli, server
from django.core.cache import cache
from django.core.management import CommandError, call_command

from tests.deprecations import factories

SCHEMA = Path(__file__).resolve().parent.parent / "fixtures" / "sarif-schema-2.1.0.json"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://depcal.example"
    settings.DEPCAL_API_RATE = None
    cache.clear()


@pytest.fixture
def code(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "chat.py").write_text(
        "from openai import OpenAI\n\n"
        "def answer(question):\n"
        '    return OpenAI().chat.completions.create(model="chatgpt-4o-latest",\n'
        "                                            messages=[question])\n")
    (tmp_path / "app" / "fork.py").write_text('REPO = "my-chatgpt-4o-latest-fork"\n')
    return tmp_path


def scan(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("scan", *map(str, args), stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_exits_1_before_the_shutdown_naming_file_line_date_and_replacement(code):
    factories.entry()
    status, out, _ = scan(code, "--today", "2026-02-01")
    assert status == 1
    line = out.splitlines()[0]
    assert line.startswith(f"{code}/app/chat.py:4:52: error: chatgpt-4o-latest (Openai)")
    assert "shuts down on 2026-02-17, in 16 days" in line
    assert "replacement: gpt-5.1-chat-latest" in line
    assert "https://depcal.example/vendors/openai/chatgpt-4o-latest/" in line
    assert "fork.py" not in out


@pytest.mark.django_db
def test_exits_0_when_the_shutdown_is_beyond_within(code):
    factories.entry()
    status, out, _ = scan(code, "--today", "2025-10-01", "--within", "30")
    assert status == 0
    assert "in 139 days" in out


@pytest.mark.django_db
def test_writes_valid_sarif(code):
    factories.entry()
    status, out, _ = scan(code, "--today", "2026-02-01", "--format", "sarif")
    assert status == 1
    log = json.loads(out)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text()),
                               format_checker=jsonschema.FormatChecker()).validate(log)
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["id"] == "openai/chatgpt-4o-latest"
    assert rule["helpUri"].startswith("https://depcal.example/vendors/openai/")


@pytest.mark.django_db
def test_withdrawn_and_unpublished_entries_do_not_fail(code):
    from deprecations import changes
    changes.withdraw(factories.entry(), via="test")
    factories.entry("gpt-4o", published=False)
    (code / "app" / "more.py").write_text('m = "gpt-4o"\n')
    status, out, _ = scan(code, "--today", "2026-02-01")
    assert status == 0
    assert "note: chatgpt-4o-latest (Openai) had its retirement withdrawn" in out
    assert "more.py" not in out


@pytest.mark.django_db
def test_errors(code):
    assert scan(code / "missing")[0] == 2
    with pytest.raises(CommandError):
        call_command("scan", str(code), "--today", "1 Feb")


@pytest.mark.django_db
def test_the_export_feeds_depcal_scan_with_no_database(code, tmp_path, capsys):
    factories.entry(aliases=["chatgpt-4o"])
    out = StringIO()
    call_command("export_catalogue", stdout=out)
    export = tmp_path / "catalogue.json"
    export.write_text(out.getvalue())
    document = json.loads(out.getvalue())
    assert document["results"][0]["identifier"] == "chatgpt-4o-latest"
    assert cli.main(["--catalogue", str(export), "--today", "2026-02-01", str(code)]) == 1
    assert "app/chat.py:4:52" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_depcal_scan_reads_a_live_server_and_revalidates_its_cache(code, live_server, tmp_path,
                                                                   capsys, monkeypatch):
    factories.entry()
    answers = []
    request = server.Client.request

    def recording_request(self, *args, **kwargs):
        answer = request(self, *args, **kwargs)
        answers.append(answer[0])
        return answer

    monkeypatch.setattr(server.Client, "request", recording_request)
    argv = ["--server", live_server.url, "--cache-dir", str(tmp_path / "cache"),
            "--today", "2026-02-01", str(code)]
    assert cli.main(argv) == 1
    assert "chatgpt-4o-latest" in capsys.readouterr().out
    cached = json.loads(next((tmp_path / "cache").glob("*.json")).read_text())
    assert cached["etag"]
    assert cli.main(argv) == 1  # answered from the cache after a 304
    assert "chatgpt-4o-latest" in capsys.readouterr().out
    assert answers == [200, 304]
    assert date.fromisoformat(cached["body"]["results"][0]["shutdown_on"]) == date(2026, 2, 17)


@pytest.mark.django_db
def test_a_crash_exits_2(code, monkeypatch):
    from depcal_scan import engine

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "scan", broken)
    status, _, err = scan(code)
    assert status == 2
    assert "unexpected failure" in err


@pytest.mark.django_db
def test_ambiguous_names_are_reported_only_as_model_ids(tmp_path):
    factories.entry("command", vendor_slug="cohere", shutdown=date(2025, 9, 15),
                    announced=date(2025, 3, 1))
    (tmp_path / "cli.py").write_text(
        'parser.add_subparsers(dest="command")  # run a command\n'
        'co.chat(model="command", message=m)\n')
    status, out, _ = scan(tmp_path, "--today", "2026-02-01")
    assert status == 1
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{tmp_path}/cli.py:2:16: error: command")


@pytest.mark.django_db
def test_platform_rows_and_tentative_dates_reach_the_scanner(tmp_path):
    factories.vendor("azure", name="Azure", is_platform=True)
    factories.entry("gpt-4o", vendor_slug="azure", shutdown=date(2026, 3, 31), replacements=())
    factories.entry("claude-sonnet-4-6", vendor_slug="anthropic", shutdown=date(2027, 2, 17),
                    shutdown_tentative=True, replacements=())
    (tmp_path / "app.py").write_text(
        'plain = client.responses.create(model="gpt-4o")\n'
        'routed = "azure/gpt-4o"\n'
        'claude = "claude-sonnet-4-6"\n')
    status, out, _ = scan(tmp_path, "--today", "2026-11-28", "--format", "json")
    assert status == 1
    found = json.loads(out)
    assert [(f["line"], f["vendor"], f["tentative"], f["message"])
            for f in found["findings"]] == [
        (2, "azure", False, "azure/gpt-4o (gpt-4o, Azure) was shut down on 2026-03-31, 242 days "
                            "ago"),
        (3, "anthropic", True, "claude-sonnet-4-6 (Anthropic) shuts down not before "
                               "17 February 2027"),
    ]
    assert found["platform_only"] == {"azure": 1}


@pytest.mark.django_db
def test_the_shipped_catalogue_gives_the_qa_reports_files_exactly_their_findings(tmp_path):
    call_command("load_catalogue", today=date(2026, 11, 28), stdout=StringIO())
    (tmp_path / "openai_app.py").write_text(
        "from openai import OpenAI\n\n"
        "client = OpenAI()\n"
        'a = client.responses.create(model="gpt-5", input=q)\n'
        'b = client.chat.completions.create(model="gpt-4o", messages=m)\n'
        'c = client.responses.create(model="gpt-4.1", input=q)\n'
        'd = client.responses.create(model="o3", input=q)\n')
    status, out, _ = scan(tmp_path, "--today", "2026-11-28")
    assert status == 0, out
    (tmp_path / "routed.py").write_text(
        'GEMINI = "gemini/gemini-2.5-pro"\n'
        'AZURE = "azure/gpt-4o-2024-05-13"\n'
        'BEDROCK = "bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0"\n'
        'VERTEX = "vertex_ai/gemini-2.5-pro"\n'
        'OPUS = "claude-opus-4-5-20251101"\n'
        'OLD = "gpt-4-0613"  # depcal: ignore[gpt-4-0613]\n'
        "# depcal: ignore[gpt-4-0613]\n"
        'OLD2 = "gpt-4-0613"\n')
    status, out, _ = scan(tmp_path / "routed.py", "--today", "2026-11-28", "--format", "json")
    assert status == 1
    found = json.loads(out)
    assert [(f["line"], f["vendor"], f["identifier"], f["tentative"], f["status"])
            for f in found["findings"]] == [
        (4, "google-vertex", "gemini-2.5-pro", True, "scheduled"),
        (5, "anthropic", "claude-opus-4-5-20251101", True, "scheduled"),
    ]
    assert found["findings"][1]["message"] == (
        "claude-opus-4-5-20251101 (Anthropic) may shut down any day (not before 24 November "
        "2026)")
    status, out, _ = scan(tmp_path / "routed.py", "--today", "2026-11-28")
    assert "2 silenced by 'depcal: ignore'" in out.splitlines()[-1]
