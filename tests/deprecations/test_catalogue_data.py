"""The shipped catalogue file (deprecations/data/catalogue.json): shape and facts, no database.

``tests/fixtures/catalogue_expected_pairs.json`` is a copy of the (vendor, model, announced,
shutdown) rows of the hand-checked expected files of the four vendor documents, written by
``scripts/build_catalogue.py --expected-pairs``, so these tests run on a fresh clone.
"""

import json
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "deprecations" / "data" / "catalogue.json"
EXPECTED_PAIRS = ROOT / "tests" / "fixtures" / "catalogue_expected_pairs.json"

VENDOR_SLUGS = {"openai", "anthropic", "google-gemini", "google-vertex", "aws-bedrock", "azure",
                "cohere"}
PLATFORMS = {"google-vertex", "aws-bedrock", "azure"}
ENTRY_KEYS = ["vendor", "identifier", "display_name", "kind", "aliases", "announced",
              "deprecated", "shutdown", "shutdown_precision", "replacements", "notes", "sources"]
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def raw():
    return CATALOGUE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data(raw):
    return json.loads(raw)


@pytest.fixture(scope="module")
def entries(data):
    return data["entries"]


def _date(value):
    if value is None:
        return None
    assert ISO.match(value), value
    return date.fromisoformat(value)


def test_file_loads_with_the_expected_shape(data):
    assert set(data) == {"as_of", "vendors", "entries"}
    _date(data["as_of"])
    assert {v["slug"] for v in data["vendors"]} == VENDOR_SLUGS
    for vendor in data["vendors"]:
        assert set(vendor) == {"slug", "name", "website", "is_platform"}
        assert vendor["website"].startswith("https://")
        assert vendor["is_platform"] is (vendor["slug"] in PLATFORMS)
    assert data["entries"], "the catalogue is empty"
    for e in data["entries"]:
        assert list(e) == ENTRY_KEYS, e["identifier"]


def test_file_is_canonical_and_sorted(data, raw):
    """Re-dumping gives the same bytes, so a rebuild from the same inputs is a no-op."""
    assert raw == json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    slugs = [v["slug"] for v in data["vendors"]]
    assert slugs == sorted(slugs)
    keys = [(e["vendor"], e["identifier"].casefold(), e["identifier"]) for e in data["entries"]]
    assert keys == sorted(keys)


def test_every_vendor_has_entries(entries):
    assert {e["vendor"] for e in entries} == VENDOR_SLUGS


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
        if e["shutdown_precision"] == "month":
            assert shutdown is not None and shutdown.day == 1, e["identifier"]
        if announced and shutdown:
            assert shutdown >= announced, e["identifier"]
        if deprecated and shutdown:
            assert shutdown >= deprecated, e["identifier"]
        if shutdown is None:
            assert deprecated or "not announced" in e["notes"], e["identifier"]


def test_every_entry_cites_a_source(entries):
    for e in entries:
        assert e["sources"], e["identifier"]
        for s in e["sources"]:
            assert s["url"].startswith("https://"), (e["identifier"], s)
            assert s["title"]
            _date(s["retrieved_on"])


def test_peer_records_cite_the_feed_too(entries):
    feed = "https://deprecations.info/rss/v1/feed.xml"
    for e in entries:
        if e["vendor"] in {"anthropic", "azure", "google-vertex"}:
            urls = [s["url"] for s in e["sources"]]
            assert feed in urls and len(urls) >= 2, e["identifier"]


def test_chatgpt_4o_latest(entries):
    [e] = [e for e in entries if (e["vendor"], e["identifier"]) == ("openai", "chatgpt-4o-latest")]
    assert e["announced"] == "2025-11-18"
    assert e["shutdown"] == "2026-02-17"
    assert e["shutdown_precision"] == "day"
    assert e["replacements"] == ["gpt-5.1-chat-latest"]
    urls = [s["url"] for s in e["sources"]]
    assert ("https://platform.openai.com/docs/deprecations"
            "#2025-11-18-chatgpt-4o-latest-snapshot") in urls
    assert "16 February" in e["notes"] and "17 February" in e["notes"]


def test_every_expected_row_is_represented(entries):
    """Each (model, shutdown) of the four vendor expected files is in the catalogue.

    A model listed twice (two notices, two tables, two Regions) has one entry: its dates are
    those of the row that stands (the latest announcement, then the latest shutdown), and the
    other rows' shutdown dates are told in the notes.
    """
    rows = json.loads(EXPECTED_PAIRS.read_text(encoding="utf-8"))
    assert len(rows) == 78 + 35 + 34 + 15
    by_model = defaultdict(list)
    for row in rows:
        by_model[(row["vendor"], row["model"])].append(row)
    index = {}
    for e in entries:
        for name in [e["identifier"], e["display_name"], *e["aliases"]]:
            if name:
                index.setdefault((e["vendor"], name), e)
    missing = [key for key in by_model if key not in index]
    assert not missing, f"not in the catalogue: {missing}"
    for key, group in by_model.items():
        e = index[key]
        standing = max(group, key=lambda r: (r["announced"] or "", r["shutdown"] or ""))
        if standing["shutdown"] is None:
            assert e["shutdown"] is None or e["shutdown_precision"] == "month", key
        else:
            assert e["shutdown"] == standing["shutdown"], key
            assert e["shutdown_precision"] == "day", key
        for row in group:
            if row["shutdown"] and row["shutdown"] != e["shutdown"]:
                assert row["shutdown"] in e["notes"], (key, row["shutdown"])


def test_platform_dates_differ_from_the_vendor_and_say_so(entries):
    by_key = {(e["vendor"], e["identifier"]): e for e in entries}
    opus = by_key[("anthropic", "claude-3-opus-20240229")]
    bedrock_opus = by_key[("aws-bedrock", "Claude 3 Opus")]
    assert opus["shutdown"] == "2026-01-05"
    assert bedrock_opus["shutdown"] == "2026-01-15"
    assert "2026-01-15" in opus["notes"] and "2026-01-05" in bedrock_opus["notes"]


def test_bedrock_uses_model_ids_where_the_page_gives_them(entries):
    by_name = {e["display_name"]: e for e in entries
               if e["vendor"] == "aws-bedrock" and e["display_name"]}
    assert by_name["Claude 3.7 Sonnet"]["identifier"] == "anthropic.claude-3-7-sonnet-20250219-v1:0"
    assert by_name["Claude 3.7 Sonnet"]["kind"] == "snapshot"


def test_kinds(entries):
    kind = {(e["vendor"], e["identifier"]): e["kind"] for e in entries}
    assert kind[("openai", "/v1/edits")] == "endpoint"
    assert kind[("openai", "OpenAI-Beta: assistants=v1")] == "feature"
    assert kind[("openai", "New fine-tuning training on babbage-002")] == "feature"
    assert kind[("openai", "gpt-4-0314")] == "snapshot"
    assert kind[("openai", "gpt-4-32k")] == "model"


def test_month_precision_dates(entries):
    [e] = [e for e in entries if e["identifier"] == "embedding-001"]
    assert (e["shutdown"], e["shutdown_precision"]) == ("2025-10-01", "month")
