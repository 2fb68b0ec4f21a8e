"""The shipped catalogue file (deprecations/data/catalogue.json): shape and facts, no database.

The file is what ``scripts/build_catalogue.py`` makes of the vendors' pages of August and
September 2026 (copies under ``tests/fixtures/sources/2026``, with hand-checked rows). The
facts pinned here were read off those pages by hand, not copied from the file; the last test
rebuilds the file from the copies and compares the bytes.
"""

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "deprecations" / "data" / "catalogue.json"
DOCUMENTS = ROOT / "tests" / "fixtures" / "sources" / "2026"
TODAY = date(2026, 11, 28)

PLATFORMS = {"alibaba", "anthropic", "aws-bedrock", "azure", "cerebras", "cohere", "deepseek",
             "fireworks", "google-gemini", "google-vertex", "groq", "minimax", "mistral",
             "moonshot", "openai", "perplexity", "thinking-machines", "xai", "xiaomi", "z-ai"}
RESELLERS = {"aws-bedrock", "azure", "cerebras", "fireworks", "google-vertex", "groq",
             "thinking-machines"}
ENTRY_KEYS = ["vendor", "identifier", "display_name", "kind", "aliases", "announced",
              "deprecated", "shutdown", "shutdown_precision", "tentative", "replacements",
              "notes", "sources"]
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PEER_FEED = "https://deprecations.info/v1/feed.xml"


@pytest.fixture(scope="module")
def raw():
    return CATALOGUE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data(raw):
    return json.loads(raw)


@pytest.fixture(scope="module")
def entries(data):
    return data["entries"]


@pytest.fixture(scope="module")
def by_key(entries):
    return {(e["vendor"], e["identifier"]): e for e in entries}


def _date(value):
    if value is None:
        return None
    assert ISO.match(value), value
    return date.fromisoformat(value)


def test_file_loads_with_the_expected_shape(data):
    assert set(data) == {"as_of", "documents", "vendors", "entries"}
    # the newest copy read: OpenAI's page of about 2026-09-08
    assert data["as_of"] == "2026-09-08"
    assert {v["slug"] for v in data["vendors"]} == PLATFORMS
    for vendor in data["vendors"]:
        assert set(vendor) == {"slug", "name", "website", "is_platform"}
        assert vendor["website"].startswith("https://")
        assert vendor["is_platform"] is (vendor["slug"] in RESELLERS)
    for e in data["entries"]:
        assert list(e) == ENTRY_KEYS, e["identifier"]


def test_file_is_canonical_and_sorted(data, raw):
    """Re-dumping gives the same bytes, so a rebuild from the same inputs is a no-op."""
    assert raw == json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    slugs = [v["slug"] for v in data["vendors"]]
    assert slugs == sorted(slugs)
    keys = [(e["vendor"], e["identifier"].casefold(), e["identifier"]) for e in data["entries"]]
    assert keys == sorted(keys)


def test_every_document_read_is_listed_with_its_date(data):
    read = {(d["source"], d["copied_on"]) for d in data["documents"]}
    # two copies of OpenAI's, Gemini's and Moonshot's pages, replayed oldest first
    assert {("openai-deprecations", "2026-08-22"), ("openai-deprecations", "2026-09-08"),
            ("gemini-deprecations", "2026-09-05"), ("moonshot-models", "2026-09-01"),
            ("deprecations-info", "2026-07-24")} <= read
    assert len(data["documents"]) == 19


def test_identifiers_unique_per_vendor(entries):
    seen = set()
    for e in entries:
        key = (e["vendor"], e["identifier"])
        assert key not in seen, f"duplicate {key}"
        seen.add(key)
        assert e["identifier"].strip() == e["identifier"] and e["identifier"]


def test_aliases_do_not_shadow_entries(entries):
    names = {(e["vendor"], e["identifier"]) for e in entries}
    for e in entries:
        for alias in e["aliases"]:
            assert (e["vendor"], alias) not in names, f"{alias} has an entry of its own"


def test_dates_are_iso_and_in_order(entries):
    for e in entries:
        announced, deprecated, shutdown = (_date(e[k]) for k in
                                           ("announced", "deprecated", "shutdown"))
        assert e["kind"] in {"model", "snapshot", "endpoint", "feature"}
        assert e["shutdown_precision"] in {"day", "month"}
        if announced and shutdown:
            assert shutdown >= announced, e["identifier"]
        if deprecated and shutdown:
            assert shutdown >= deprecated, e["identifier"]
        assert shutdown or deprecated, e["identifier"]  # an undated notice is not shipped
        assert e["tentative"] is False or shutdown is not None


def test_every_entry_cites_a_web_page(entries):
    for e in entries:
        assert e["sources"], e["identifier"]
        for s in e["sources"]:
            assert s["url"].startswith("https://"), (e["identifier"], s)
            assert s["title"]
            _date(s["retrieved_on"])


def test_entries_from_a_peer_say_so_and_cite_it(entries):
    from_peer = [e for e in entries if PEER_FEED in {s["url"] for s in e["sources"]}]
    # only platforms whose own page was not read
    assert {e["vendor"] for e in from_peer} == {"azure", "groq"}
    assert {e["vendor"] for e in entries if e["vendor"] in {"azure", "groq"}} == {"azure", "groq"}
    for e in from_peer:
        assert "peer tracker" in e["notes"], e["identifier"]
        assert "via deprecations.info (peer tracker)" in {s["title"] for s in e["sources"]}
    # the peer's two Groq rows whose date disagrees with the section it links to are left out
    assert not {"llava-v1.5-7b-4096-preview", "llama-3.2-11b-text-preview"} & {
        e["identifier"] for e in from_peer}


# Facts read off the pages by hand: (vendor, identifier) -> fields.
FACTS = {
    # "2026-06-11: GPT-5 and o3 model deprecations": "Dec 11, 2026 | gpt-5-2025-08-07 |
    # gpt-5.6-sol"; "On June 11, 2026, we notified developers..."
    ("openai", "gpt-5-2025-08-07"): {"announced": "2026-06-11", "shutdown": "2026-12-11",
                                     "replacements": ["gpt-5.6-sol"], "kind": "snapshot"},
    ("openai", "o3-2025-04-16"): {"shutdown": "2026-12-11", "replacements": ["gpt-5.6-sol"]},
    # only in the newer copy: "2026-08-26: Transcription models", "Feb 26, 2027"
    ("openai", "whisper-1"): {"shutdown": "2027-02-26",
                              "replacements": ["gpt-live-transcribe", "gpt-transcribe"]},
    ("openai", "gpt-4o-transcribe-diarize"): {"shutdown": "2027-02-26"},
    # "Oct 23, 2026 | `gpt-4-0613` \| `gpt-4`, `gpt-4-0613-completions`, `gpt-4-completions`"
    ("openai", "gpt-4-0613"): {"shutdown": "2026-10-23", "replacements": ["gpt-5.6-sol"],
                               "aliases": ["gpt-4", "gpt-4-0613-completions",
                                           "gpt-4-completions"]},
    # listed twice: March 26, 2026 (2025-09-26 notice) and October 23, 2026 (2026-04-22)
    ("openai", "gpt-4-1106-preview"): {"announced": "2026-04-22", "shutdown": "2026-10-23"},
    # "Nov 30, 2026 | Agent Builder is scheduled to shut down."; corrected: the replacements
    # are in a link's sentence ("to continue with the Agents SDK or ChatGPT Workspace Agents")
    ("openai", "Agent Builder"): {"announced": "2026-06-03", "shutdown": "2026-11-30",
                                  "replacements": ["Agents SDK", "ChatGPT Workspace Agents"]},
    ("openai", "Evals platform"): {"shutdown": "2026-11-30", "replacements": ["Promptfoo"]},
    # an undated heading's Date | Update table, one stop per tier of customers: the last tier's
    # stands (announced "On May 7th, 2026, we notified developers ...")
    ("openai", "self-serve fine-tuning"): {"announced": "2026-05-07", "shutdown": "2027-01-06",
                                           "kind": "feature", "tentative": False},
    # added by hand (corrections.json): prose that names no identifier
    ("openai", "local shell tool"): {"shutdown": "2026-02-12", "replacements": ["shell tool"]},
    ("openai", "chatgpt-4o-latest"): {"shutdown": "2026-02-17",
                                      "replacements": ["gpt-5.1-chat-latest"]},
    # corrected: heading 2025-08-20, text "On August 26th, 2025, we notified developers"
    ("openai", "Assistants API"): {"announced": "2025-08-26", "shutdown": "2026-08-26",
                                   "replacements": ["Responses API and Conversations API"]},
    # status table: "claude-opus-4-6 | Active | N/A | Not sooner than February 5, 2027"
    ("anthropic", "claude-opus-4-6"): {"shutdown": "2027-02-05", "tentative": True},
    ("anthropic", "claude-opus-4-1-20250805"): {"shutdown": "2026-08-05", "tentative": False,
                                                "replacements": ["claude-opus-4-8"]},
    # Legacy/EOL table: "Claude Opus 4.1 | anthropic.claude-opus-4-1-20250805-v1:0 | ... |
    # July 8, 2026 | January 8, 2027 | October 8, 2026"
    ("aws-bedrock", "anthropic.claude-opus-4-1-20250805-v1:0"): {
        "display_name": "Claude Opus 4.1", "deprecated": "2026-07-08", "shutdown": "2027-01-08"},
    # "the announced earliest shutdown dates are tracked on this page"
    ("google-gemini", "gemini-2.0-flash"): {"shutdown": "2026-06-01", "tentative": True,
                                            "replacements": ["gemini-3.6-flash"]},
    ("google-gemini", "gemini-embedding-001"): {"shutdown": "2028-05-14", "tentative": True},
    ("google-gemini", "gemini-omni-flash-preview"): {"shutdown": "2026-09-30"},  # newer copy
    # "November 17, 2026 or later"; a retired model's date is not qualified
    ("google-vertex", "veo-3.1-generate-001"): {"shutdown": "2026-11-17", "tentative": True},
    ("google-vertex", "gemini-1.5-pro-002"): {"shutdown": "2025-09-24", "tentative": False},
    # "Mistral Medium 3.1 | 25.08 | mistral-medium-2508 | 5/22/2026 | 8/31/2026"
    ("mistral", "mistral-medium-2508"): {"display_name": "Mistral Medium 3.1",
                                         "deprecated": "2026-05-22", "shutdown": "2026-08-31"},
    # "The `kimi-k2` series models were officially discontinued on May 25, 2026"
    ("moonshot", "kimi-k2-thinking"): {"shutdown": "2026-05-25"},
    ("moonshot", "moonshot-v1-auto"): {"shutdown": "2026-08-31", "replacements": ["kimi-k3"]},
    ("xai", "grok-code-fast-1"): {"shutdown": "2026-05-15"},
    # "will be discontinued in three months (2026-07-24)"
    ("deepseek", "deepseek-chat"): {"announced": "2026-04-24", "shutdown": "2026-07-24"},
    ("deepseek", "DeepSeek-V3.2-Speciale"): {"shutdown": "2025-12-15"},
    # "Deprecation time: October 10, 2026, 00:00:00"
    ("alibaba", "qwen3-max"): {"shutdown": "2026-10-10", "replacements": ["qwen3.7-max"]},
    # "decommissioned on May 14, 2026" and "DeepSeek V3.2 — migrate to Kimi K2.6 or GLM 5.1"
    ("fireworks", "deepseek-v3p2"): {"display_name": "DeepSeek V3.2", "shutdown": "2026-05-14",
                                     "replacements": ["kimi-k2p6", "glm-5p1"]},
    ("perplexity", "sonar-reasoning"): {"shutdown": "2025-12-15",
                                        "replacements": ["sonar-reasoning-pro"]},
    # April 2024 notice: May 14; July 2024 notice: 8/12/2024, which stands
    ("perplexity", "mistral-7b-instruct"): {"shutdown": "2024-08-12"},
    ("cohere", "embed-english-v2.0"): {"shutdown": "2026-04-04"},
    ("cohere", "fine-tuning for rerank"): {"shutdown": "2025-09-15", "kind": "feature"},
    # peers: Groq's "#august-16-2026-llama318binstant..." and Azure's timeline as recorded
    ("groq", "llama-3.1-8b-instant"): {"shutdown": "2026-08-16"},
    ("azure", "gpt-5"): {"shutdown": "2027-02-06", "deprecated": None},
}


@pytest.mark.parametrize(("key", "facts"), FACTS.items(), ids=lambda v: "/".join(v)
                         if isinstance(v, tuple) else "")
def test_facts_read_off_the_pages(by_key, key, facts):
    entry = by_key[key]
    assert {k: entry[k] for k in facts} == facts


def test_the_newest_copy_of_each_page_is_in_the_catalogue(by_key):
    """Every dated row of the newest copy of each vendor page is an entry (by identifier,
    display name or alias) with the date of the row that stands, and its qualifier."""
    index = {}
    for (vendor, identifier), e in by_key.items():
        for name in (identifier, e["display_name"], *e["aliases"]):
            if name:
                index.setdefault((vendor, name.lower()), e)
    newest = {}
    for path in sorted(DOCUMENTS.glob("*/*.expected.json")):
        newest[(path.parent.name, path.name.split("_")[0])] = path  # the later copy wins
    missing = []
    for path in newest.values():
        rows = [r for r in json.loads(path.read_text()) if r["shutdown"]]
        standing = {}
        for r in rows:  # the latest announcement stands
            key = (r["vendor"], r["model"].lower())
            if key not in standing or (r["announced"] or "") >= (standing[key]["announced"]
                                                                 or ""):
                standing[key] = r
        for key, r in standing.items():
            e = index.get(key)
            if e is None:
                missing.append(key)
                continue
            assert (e["shutdown"], e["tentative"]) == (r["shutdown"], r["tentative"]), key
    # the rows the parsers do not take apart (tests/deprecations/sources/test_documents_2026.py)
    # (the local shell tool is added by hand: corrections.json)
    assert sorted(missing) == sorted([
        ("openai", "models fine-tuned with /v1/fine-tunes"),
        ("perplexity", "citation tokens (usage field)"),
        ("perplexity", "number of search results (usage field)")])


def test_upcoming_retirements_by_platform(entries):
    """What the pages and the peers hold after today: six platforms have dates to come."""
    upcoming = {e["vendor"] for e in entries if e["shutdown"] and _date(e["shutdown"]) >= TODAY}
    assert upcoming == {"openai", "anthropic", "aws-bedrock", "azure", "google-gemini",
                        "google-vertex"}
    last_year = {e["vendor"] for e in entries if e["shutdown"]
                 and date(2025, 11, 28) <= _date(e["shutdown"]) < TODAY}
    assert len(upcoming | last_year) == 15
    assert not {"minimax", "z-ai", "cerebras", "xiaomi", "thinking-machines"} & (
        upcoming | last_year)


def test_the_file_is_what_the_build_makes_of_the_documents(raw, tmp_path):
    built = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_catalogue.py"), str(DOCUMENTS)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert built.returncode == 0, built.stderr[-3000:]
    assert built.stdout == raw
