"""Whose entry a use means: a bare name its maker's, a platform's spelling that platform's.

Platforms (Azure, Bedrock, Vertex AI: ``is_platform`` in the catalogue) list other makers'
models under the makers' names with their own dates. A plain OpenAI project must not fail on
Azure's date for ``gpt-4o``, and ``gemini/gemini-2.5-pro`` must not get Vertex AI's.
"""

import json
from datetime import date
from pathlib import Path

import pytest
from depcal_scan import cli, report, spellings
from depcal_scan import retirements as catalogue
from depcal_scan.engine import scan

from tests.scan.rows import document, row

TODAY = date(2026, 11, 28)
SHIPPED = Path(__file__).resolve().parents[2] / "deprecations" / "data" / "catalogue.json"


def maker(identifier, vendor, shutdown_on="2026-10-23", pk=0):
    return row(identifier, vendor=vendor, vendor_name=vendor.title(), shutdown_on=shutdown_on,
               replacements=(), pk=pk)


def platform(identifier, vendor, shutdown_on="2026-03-31", pk=0):
    return row(identifier, vendor=vendor, vendor_name=vendor.title(), shutdown_on=shutdown_on,
               replacements=(), platform=True, pk=pk)


# As in the shipped catalogue: Azure's rows (from a peer tracker) name OpenAI's and
# Anthropic's models; OpenAI has no row for gpt-4o itself, only for a dated snapshot.
ROWS = [
    maker("gpt-4o-2024-05-13", "openai"),
    maker("claude-sonnet-4-6", "anthropic", "2027-02-17"),
    maker("claude-3-5-sonnet-20240620", "anthropic", "2025-10-28"),
    maker("claude-opus-4-1-20250805", "anthropic", "2026-08-05"),
    platform("gpt-5", "azure", "2027-02-06"),
    platform("gpt-4o", "azure"),
    platform("gpt-4.1", "azure", "2026-10-14"),
    platform("o3", "azure", "2026-10-16"),
    platform("claude-sonnet-4-6", "azure", "2027-02-10"),
    platform("gemini-2.5-pro", "google-vertex", "2026-10-20"),
    platform("textembedding-gecko@001", "google-vertex", "2025-04-21"),
    platform("anthropic.claude-opus-4-1-20250805-v1:0", "aws-bedrock", "2027-01-08"),
    platform("llama-3.3-70b-versatile", "groq", "2026-08-16"),
]
for number, r in enumerate(ROWS, 1):
    r["id"] = number
RETIREMENTS = catalogue.from_rows(ROWS)

OPENAI_PROJECT = '''\
from openai import OpenAI

client = OpenAI()
a = client.responses.create(model="gpt-5", input=q)
b = client.chat.completions.create(model="gpt-4o", messages=m)
c = client.responses.create(model="gpt-4.1", input=q)
d = client.responses.create(model="o3", input=q)
'''


def found(text, tmp_path, **kw):
    (tmp_path / "app.py").write_text(f'MODEL = "{text}"\n')
    result = scan([tmp_path], RETIREMENTS, today=TODAY, **kw)
    return [(f.text, f.retirement.vendor, f.retirement.identifier) for f in result.findings]


def test_a_plain_openai_project_does_not_fail_on_azure_rows(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(OPENAI_PROJECT)
    (tmp_path / "catalogue.json").write_text(json.dumps(document(*ROWS)))
    assert cli.main(["--catalogue", "catalogue.json", "--today", "2026-11-28", "."]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:-1] == []
    # the uses left out are said, with the way to count them
    assert ("not reported: uses of names only a platform retires (azure 4); if the code calls "
            "that platform, name it and your other vendors with --vendor") in out
    assert out.rstrip().endswith("; ok")


def test_selecting_the_platform_reports_its_rows_for_bare_names(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(OPENAI_PROJECT)
    (tmp_path / "catalogue.json").write_text(json.dumps(document(*ROWS)))
    assert cli.main(["--catalogue", "catalogue.json", "--today", "2026-11-28", "--vendor",
                     "azure", "--format", "json", "."]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["line"], f["text"], f["vendor"]) for f in findings] == [
        (4, "gpt-5", "azure"), (5, "gpt-4o", "azure"), (6, "gpt-4.1", "azure"),
        (7, "o3", "azure")]
    # selecting the maker alone leaves the platform's rows out, hint included
    assert cli.main(["--catalogue", "catalogue.json", "--today", "2026-11-28", "--vendor",
                     "openai", "."]) == 0
    assert "not reported" not in capsys.readouterr().out


def test_a_bare_name_means_the_makers_entry_not_the_platforms(tmp_path):
    assert found("claude-sonnet-4-6", tmp_path) == [
        ("claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6")]
    # unless the platform is chosen as well: then both, side by side
    assert found("claude-sonnet-4-6", tmp_path, vendors={"anthropic", "azure"}) == [
        ("claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6"),
        ("claude-sonnet-4-6", "azure", "claude-sonnet-4-6")]


@pytest.mark.parametrize("text, expected", [
    # the QA report's three: each platform's own entry, or nothing
    ("gemini/gemini-2.5-pro", None),  # the Gemini API has no date for it; Vertex AI's is not it
    ("azure/gpt-4o-2024-05-13", None),  # Azure lists no such snapshot; OpenAI's date is not it
    ("bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0", None),  # nor is Anthropic's
    # a prefix names the platform whose entry it is
    ("azure/gpt-4o", ("azure", "gpt-4o")),
    ("azure_ai/gpt-4o", ("azure", "gpt-4o")),
    ("vertex_ai/gemini-2.5-pro", ("google-vertex", "gemini-2.5-pro")),
    ("publishers/google/models/gemini-2.5-pro", ("google-vertex", "gemini-2.5-pro")),
    ("projects/p-1/locations/us-central1/publishers/google/models/gemini-2.5-pro",
     ("google-vertex", "gemini-2.5-pro")),
    ("groq/llama-3.3-70b-versatile", ("groq", "llama-3.3-70b-versatile")),
    ("together_ai/llama-3.3-70b-versatile", None),  # a platform depcal does not follow
    # a router, or the maker's own prefix, leaves the maker's entry
    ("openai/gpt-4o-2024-05-13", ("openai", "gpt-4o-2024-05-13")),
    ("openrouter/openai/gpt-4o-2024-05-13", ("openai", "gpt-4o-2024-05-13")),
    ("litellm_proxy/anthropic/claude-sonnet-4-6", ("anthropic", "claude-sonnet-4-6")),
    ("anthropic/claude-sonnet-4-6", ("anthropic", "claude-sonnet-4-6")),
    ("openai/claude-sonnet-4-6", None),
    # Bedrock's ids, profiles and ARNs are Bedrock's, whatever else has the model
    ("anthropic.claude-opus-4-1-20250805-v1:0",
     ("aws-bedrock", "anthropic.claude-opus-4-1-20250805-v1:0")),
    ("us.anthropic.claude-opus-4-1-20250805-v1:0",
     ("aws-bedrock", "anthropic.claude-opus-4-1-20250805-v1:0")),
    ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-1-20250805-v1:0",
     ("aws-bedrock", "anthropic.claude-opus-4-1-20250805-v1:0")),
    ("claude-3-5-sonnet-20240620-v1:0", None),  # a Bedrock version: Bedrock has no such row
    # Vertex AI's @ versions are Vertex AI's
    ("textembedding-gecko@001", ("google-vertex", "textembedding-gecko@001")),
    ("claude-opus-4-1@20250805", None),  # Anthropic's date is not Vertex AI's
    ("claude-opus-4-1-20250805", ("anthropic", "claude-opus-4-1-20250805")),
])
def test_a_spelling_that_names_a_platform_means_that_platforms_entry(tmp_path, text, expected):
    assert found(text, tmp_path) == ([(text, *expected)] if expected else [])


def test_a_name_only_a_platform_retires_is_left_out_bare_and_counted(tmp_path):
    (tmp_path / "app.py").write_text('a = "gemini-2.5-pro"\nb = "llama-3.3-70b-versatile"\n'
                                     'c = "gpt-4o"  # depcal: ignore\n')
    result = scan([tmp_path], RETIREMENTS, today=TODAY)
    assert result.findings == []
    assert result.platform_only == {"google-vertex": 1, "groq": 1, "azure": 1}
    assert json.loads(report.render_json(result))["platform_only"] == {
        "azure": 1, "google-vertex": 1, "groq": 1}
    assert "(azure 1, google-vertex 1, groq 1); if the code calls" in report.summary(result)
    chosen = scan([tmp_path], RETIREMENTS, today=TODAY, vendors={"groq"})
    assert [(f.line, f.retirement.vendor) for f in chosen.findings] == [(2, "groq")]
    assert not chosen.platform_only


@pytest.mark.parametrize("prefix, spelled, name, tail, expected", [
    ("", "gpt-4o", "gpt-4o", "", None),
    ("models/", "gemini-2.5-pro", "gemini-2.5-pro", "", None),
    ("openrouter/", "gpt-4o", "gpt-4o", "", None),
    ("gemini/models/", "gemini-2.5-pro", "gemini-2.5-pro", "", "google-gemini"),
    ("bedrock/converse/", "claude-x", "claude-x", "", "aws-bedrock"),
    ("us-gov.", "anthropic.claude-x-v1:0", "anthropic.claude-x-v1:0", "", "aws-bedrock"),
    ("meta.", "llama3-70b-instruct", "llama3-70b-instruct", "-v1:0", "aws-bedrock"),
    ("arn:aws-us-gov:bedrock:us-gov-west-1:1:inference-profile/us.", "x", "x", "", "aws-bedrock"),
    ("", "claude-x@20240620", "claude-x-20240620", "", "google-vertex"),
    ("", "whisper-large-v3", "whisper-large-v3", "", None),  # a "-v3" is no Bedrock id alone
])
def test_which_platform_a_spelling_names(prefix, spelled, name, tail, expected):
    assert spellings.platform(prefix, spelled, name, tail) == expected


def test_the_platforms_the_spellings_name_are_the_shipped_catalogues_vendors():
    vendors = {v["slug"]: v["is_platform"] for v in json.loads(SHIPPED.read_text())["vendors"]}
    for slug in (spellings.AZURE, spellings.BEDROCK, spellings.VERTEX):
        assert vendors[slug] is True
    assert vendors[spellings.GEMINI_API] is False
    # every route names one of the shipped vendors, or a platform depcal does not follow
    not_followed = {"ai21", "databricks", "deepinfra", "friendliai", "github", "huggingface",
                    "meta", "microsoft", "nvidia", "ollama", "replicate", "sagemaker",
                    "sambanova", "together", "watsonx"}
    routed = {slug for slug in spellings.ROUTES.values() if slug}
    assert routed - set(vendors) == not_followed


def test_is_platform_is_read_from_the_rows_vendor():
    assert [r.platform for r in RETIREMENTS[:2]] == [False, False]
    assert RETIREMENTS[4].platform is True
    with pytest.raises(catalogue.CatalogueError, match="'vendor.is_platform' must be true or"):
        catalogue.from_rows([dict(ROWS[0], vendor={"slug": "azure", "is_platform": 1})])
    # an export from before the field: every vendor reads as a maker, as before
    (old,) = catalogue.from_rows([dict(ROWS[5], vendor={"slug": "azure", "name": "Azure"})])
    assert old.platform is False
