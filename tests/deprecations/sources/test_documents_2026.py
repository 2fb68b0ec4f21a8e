"""Every 2026 vendor document, read with no hint (as ``manage.py parse_document`` reads it).

The fixtures under ``tests/fixtures/sources/2026`` are unedited copies of the platforms' pages
(August and September 2026) with rows written by hand against the text. For each document:

- every expected row with a shutdown date comes out with that date, and flagged tentative
  where the vendor qualifies it ("not sooner than", "earliest possible", "or later");
- no row comes out with another date than the text gives (a wrong date is worse than a
  missing row);
- nothing comes out that the expected rows do not name (MiniMax's and Z.ai's release notes,
  which retire nothing, give nothing).

The rows the parsers do not find are listed below with the reason; the list is checked too,
so it cannot go stale.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deprecations.sources import parsers

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "sources" / "2026"
DOCUMENTS = sorted(p for p in ROOT.glob("*/*") if p.suffix in (".md", ".mdx"))

# (document, model) -> why the row is not found. Each is a fact stated only in a form the
# generic readers do not take apart, and none is worth per-page code.
NOT_FOUND = {
    **{(f"openai/deprecations_{v}.md", model): why for v in ("2026-08-22", "2026-09-08")
       for model, why in {
           "local shell tool": "a prose aside; its date is the shutdown of another model",
           "models fine-tuned with /v1/fine-tunes": "a prose paraphrase of the table's "
                                                    "/v1/fine-tunes row",
       }.items()},
    **{("perplexity/changelog_2026-08-22.md", model): "response fields named in a sentence "
       "about the usage object, not as identifiers"
       for model in ("Citation tokens (usage field)", "Number of search results (usage field)")},
}


def norm(name) -> str:
    """Names compared as the hand-checked rows are scored: case and punctuation aside."""
    if isinstance(name, list):
        name = " ".join(name)
    return re.sub(r"[^a-z0-9.@:]", "", (name or "").lower())


def _key(document: Path) -> str:
    return f"{document.parent.name}/{document.name}"


@pytest.fixture(scope="module")
def parsed() -> dict[str, list[dict]]:
    return {_key(d): [r.as_json() for r in parsers.parse(d.read_bytes())] for d in DOCUMENTS}


def expected(document: Path) -> list[dict]:
    return json.loads(document.with_name(document.stem + ".expected.json").read_text())


@pytest.mark.parametrize("document", DOCUMENTS, ids=_key)
def test_every_dated_row_with_its_date_and_qualifier(parsed, document):
    got = parsed[_key(document)]
    missing = []
    for row in expected(document):
        if not row["shutdown"]:
            continue
        found = [g for g in got if norm(g["model"]) == norm(row["model"]) and g["shutdown"]]
        if not found:
            missing.append(row["model"])
            continue
        same = [g for g in found if g["shutdown"] == row["shutdown"]]
        assert same, (row["model"], row["shutdown"], [g["shutdown"] for g in found])
        assert any(g["tentative"] == row["tentative"] for g in same), row["model"]
    assert sorted(set(missing)) == sorted(m for d, m in NOT_FOUND if d == _key(document))


@pytest.mark.parametrize("document", DOCUMENTS, ids=_key)
def test_no_row_the_document_does_not_state(parsed, document):
    names = {norm(r["model"]) for r in expected(document)}
    assert [g["model"] for g in parsed[_key(document)] if norm(g["model"]) not in names] == []


def test_release_notes_without_retirements_give_nothing(parsed):
    assert parsed["minimax/release-notes-models_2026-08-22.md"] == []
    assert parsed["z-ai/release-notes_2026-08-22.md"] == []


def test_every_platform_folder_is_read():
    assert {d.parent.name for d in DOCUMENTS} == {
        "alibaba", "anthropic", "aws", "cohere", "deepseek", "fireworks", "google", "minimax",
        "mistral", "moonshot", "openai", "perplexity", "xai", "z-ai"}


@pytest.mark.parametrize("document", ["openai/deprecations_2026-08-22.md",
                                      "openai/deprecations_2026-09-08.md"])
def test_tiers_of_an_undated_timeline_are_a_row_each(parsed, document):
    # "Update to OpenAI's self-serve fine-tuning": a Date | Update table whose three rows each
    # stop fine-tuning for one tier of customers; announced in the prose ("On May 7th, 2026,
    # we notified ..."), the heading having no date
    anchor = "update-to-openais-self-serve-fine-tuning"
    rows = [g for g in parsed[document] if g["anchor"] == anchor]
    assert [(g["model"], g["kind"], g["announced"], g["deprecated"], g["shutdown"],
             g["tentative"], g["replacement"]) for g in rows] == [
        ("self-serve fine-tuning", "feature", "2026-05-07", None, day, False, None)
        for day in ("2026-05-07", "2026-07-02", "2027-01-06")]
    assert [g for g in parsed[document] if "self-serve" in g["model"]] == rows


@pytest.mark.parametrize(("document", "model", "facts"), [
    # aliases in one cell after "\|": one row each, the snapshot's replacement for all
    ("openai/deprecations_2026-09-08.md", "gpt-4-turbo-completions",
     {"shutdown": "2026-10-23", "replacement": "gpt-5.6-sol", "announced": "2026-04-22"}),
    # a "Date | Update" table under a dated heading: the heading's topic shuts down
    ("openai/deprecations_2026-09-08.md", "Agent Builder",
     {"shutdown": "2026-11-30", "announced": "2026-06-03"}),
    # "Not sooner than" in Anthropic's status table: kept, tentative
    ("anthropic/model-deprecations_2026-08-22.md", "claude-opus-4-6",
     {"shutdown": "2027-02-05", "tentative": True}),
    # Bedrock: the model ID column, legacy date as deprecation, EOL as shutdown
    ("aws/bedrock_model-lifecycle_2026-08-22.md", "anthropic.claude-opus-4-1-20250805-v1:0",
     {"deprecated": "2026-07-08", "shutdown": "2027-01-08", "name": "Claude Opus 4.1"}),
    # Gemini says all its dates are the earliest possible
    ("google/gemini_deprecations_2026-09-05.md", "gemini-2.0-flash",
     {"shutdown": "2026-06-01", "tentative": True, "replacement": "gemini-3.6-flash"}),
    # Vertex: "or later", and a retired model's date is a fact
    ("google/vertex_model-versions_2026-08-22.md", "veo-3.1-generate-001",
     {"shutdown": "2026-11-17", "tentative": True}),
    ("google/vertex_model-versions_2026-08-22.md", "gemini-1.5-pro-002",
     {"shutdown": "2025-09-24", "tentative": False}),
    # Mistral: the API column holds the identifier, month/day/year dates
    ("mistral/models_2026-08-22.md", "mistral-medium-2508",
     {"deprecated": "2026-05-22", "shutdown": "2026-08-31"}),
    # Moonshot: "the kimi-k2 series" is every kimi-k2-... identifier on the page
    ("moonshot/models_2026-09-01.md", "kimi-k2-thinking-turbo", {"shutdown": "2026-05-25"}),
    # the older copy: "the moonshot-v1 series ... (full platform sunset on August 31)" with no
    # year, on a page that says kimi-k2 was discontinued on May 25, 2026: so 2026's
    ("moonshot/models_2026-08-22.md", "moonshot-v1-128k-vision-preview",
     {"shutdown": "2026-08-31", "tentative": False, "replacement": None}),
    ("moonshot/models_2026-08-22.md", "kimi-k2.5", {"shutdown": "2026-08-31"}),
    # Fireworks: a decommission date for the models listed below it, named by their links
    ("fireworks/changelog_2026-08-22.md", "deepseek-v3p2",
     {"shutdown": "2026-05-14", "name": "DeepSeek V3.2"}),
    # Alibaba: the "deprecation time" is the day it stops working
    ("alibaba/model-studio-deprecation_2026-08-22.md", "qwen3-max",
     {"shutdown": "2026-10-10", "deprecated": None}),
    # DeepSeek: "available until" in a sentence about the model the block introduces
    ("deepseek/updates_2026-08-22.md", "DeepSeek-V3.2-Speciale", {"shutdown": "2025-12-15"}),
])
def test_facts_checked_by_hand(parsed, document, model, facts):
    rows = [g for g in parsed[document] if g["model"] == model]
    assert any(all(g[k] == v for k, v in facts.items()) for g in rows), rows
