"""Table-based parsers (OpenAI, Bedrock, Cohere and the generic one) against real documents.

Each fixture under ``tests/fixtures/sources`` is a verbatim copy of a vendor document with its
hand-checked ``.expected.json``; the parsers must produce every expected row with the same
dates and replacements. Deliberate differences from an expected file are listed (and argued)
here rather than hidden in the comparison.
"""

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deprecations.sources.parsers import registry
from deprecations.sources.parsers.bedrock import parse_bedrock
from deprecations.sources.parsers.bedrock import sniff as sniff_bedrock
from deprecations.sources.parsers.cohere import parse_cohere
from deprecations.sources.parsers.cohere import sniff as sniff_cohere
from deprecations.sources.parsers.openai import parse_openai
from deprecations.sources.parsers.openai import sniff as sniff_openai
from deprecations.sources.parsers.registry import ParseError
from deprecations.sources.parsers.table_columns import (
    classify_header,
    split_models,
    split_replacements,
)
from deprecations.sources.parsers.table_reader import Cell
from deprecations.sources.parsers.tables import parse_tables, sniff_tables
from deprecations.sources.parsers.text import kind_of
from deprecations.sources.records import DAY, MONTH

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"
OPENAI = FIXTURES / "openai" / "deprecations_2025-11-13.html"
BEDROCK = FIXTURES / "aws" / "bedrock_model_lifecycle_2025-11-13.html"
COHERE = FIXTURES / "cohere" / "deprecations.mdx"

# The OpenAI expected file keeps the link text "View transition guide" as a replacement for
# /v1/search, /v1/classifications and /v1/answers, while noting it is "not a model/endpoint";
# the Cohere file gives `summarize` (whose replacement is likewise a migration guide link) no
# replacement. The parsers follow the Cohere convention: a guide is not a replacement (the
# link text is kept in the record's notes).
NOT_REPLACEMENTS = {"View transition guide"}

# Cohere's 2025-09-15 section also lists "Deprecated Features and API Endpoints" and "Retired
# Fine-Tuning Capabilities" under the same "Effective September 15, 2025" sentence as the
# models; this expected file leaves them out. The hand-checked rows of the 2026 copy of the
# same (byte-identical) document have them, spelled as below, so the parser keeps them.
COHERE_EXTRAS = {
    ("/v1/connectors", None), ("/v1/chat parameter: connectors", None),
    ("/v1/chat parameter: search_queries_only", None),
    ("/v1/generate", None), ("/v1/summarize", None), ("/v1/classify", None),
    ("Slack App integration", None), ("Coral Web UI", None),
    *((f"fine-tuning for {m}", "2025-09-15")
      for m in ("command-light", "command", "command-r", "classify", "rerank")),
}
# The same rows of the 2026 copy name this one differently; the parser follows the newer rows
# (and OpenAI's "models fine-tuned with /v1/fine-tunes").
COHERE_RENAMED = {"command-r-03-2024 fine-tuned models": "models fine-tuned with command-r-03-2024"}

DOCUMENTS = {
    "openai": (parse_openai, OPENAI, "OpenAI", "https://platform.openai.com/docs/deprecations",
               set()),
    "bedrock": (parse_bedrock, BEDROCK, "AWS Bedrock",
                "https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html",
                set()),
    "cohere": (parse_cohere, COHERE, "Cohere", "https://docs.cohere.com/docs/deprecations",
               COHERE_EXTRAS),
}


def expected_rows(document: Path) -> list[dict]:
    name = document.name.rsplit(".", 1)[0]
    rows = json.loads((document.parent / f"{name}.expected.json").read_text())
    return [{**r, "model": COHERE_RENAMED.get(r["model"], r["model"])} for r in rows]


def _replacements(value) -> tuple[str, ...]:
    items = [] if value is None else [value] if isinstance(value, str) else value
    return tuple(i for i in items if i not in NOT_REPLACEMENTS)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def expected_key(row: dict) -> tuple:
    return (row["model"], row["announced"], row["deprecated"], row["shutdown"],
            _replacements(row["replacement"]))


def record_key(record) -> tuple:
    return (record.model, _iso(record.announced), _iso(record.deprecated),
            _iso(record.shutdown), record.replacements)


def score(records, document: Path) -> tuple[int, int, int]:
    """(rows expected, rows matched exactly, extra rows) as a multiset comparison."""
    expected = Counter(expected_key(r) for r in expected_rows(document))
    got = Counter(record_key(r) for r in records)
    matched = sum((expected & got).values())
    return sum(expected.values()), matched, sum(got.values()) - matched


@pytest.fixture(scope="module")
def parsed():
    return {name: fn(path.read_bytes(), url=url)
            for name, (fn, path, _vendor, url, _extras) in DOCUMENTS.items()}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_expected_row_exactly(parsed, name):
    _fn, path, _vendor, _url, extras = DOCUMENTS[name]
    records = parsed[name]
    expected = expected_rows(path)
    # same (model, shutdown) pairs, duplicates included (gpt-4-0314, ada, Ai21 J2 Mid-v1 ...)
    got_pairs = Counter((r.model, _iso(r.shutdown)) for r in records)
    want_pairs = Counter((r["model"], r["shutdown"]) for r in expected)
    assert got_pairs - want_pairs == Counter(dict.fromkeys(extras, 1))
    assert want_pairs - got_pairs == Counter()
    # and every row with its exact dates and replacements
    missing = Counter(expected_key(r) for r in expected) - Counter(map(record_key, records))
    assert not missing, sorted(missing, key=str)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_vendor_provenance_and_source_text(parsed, name):
    _fn, _path, vendor, url, _extras = DOCUMENTS[name]
    for record in parsed[name]:
        assert record.vendor == vendor
        assert record.source_url == url
        assert record.source_text and "  " not in record.source_text
        assert record.kind in ("model", "snapshot", "endpoint", "feature")


@pytest.mark.parametrize("name", DOCUMENTS)
def test_vendor_argument_wins(name):
    fn, path, _vendor, _url, _extras = DOCUMENTS[name]
    assert {r.vendor for r in fn(path.read_bytes(), vendor="acme")} == {"acme"}


def test_openai_details(parsed):
    by_model = {}
    for r in parsed["openai"]:
        by_model.setdefault(r.model, []).append(r)
    assert by_model["/v1/edits"][0].kind == "endpoint"
    assert by_model["OpenAI-Beta: assistants=v1"][0].kind == "feature"
    assert by_model["New fine-tuning training on babbage-002"][0].kind == "feature"
    assert by_model["gpt-4-turbo-preview"][0].kind == "model"
    assert by_model["gpt-4-0125-preview"][0].anchor == "2025-09-26-legacy-gpt-model-snapshots"
    assert by_model["/v1/fine-tunes"][0].anchor == "fine-tunes-endpoint"  # nearest heading id
    legacy = [r for r in by_model["gpt-4-0314"] if r.deprecated is None]
    assert len(legacy) == 1 and "at earliest" in legacy[0].notes
    assert "View transition guide" in by_model["/v1/search"][0].notes
    assert by_model["gpt-4-0314"][0].source_text == "2026\u201103\u201126 | gpt-4-0314 | " \
        "gpt-5 or gpt-4.1*"


def test_bedrock_details(parsed):
    opus4 = next(r for r in parsed["bedrock"] if r.model == "Claude Opus 4")
    assert "Public extended access date: March 1, 2026" in opus4.notes
    sonnet = next(r for r in parsed["bedrock"] if r.model == "Claude 3.7 Sonnet")
    assert sonnet.extra["model_id"] == "anthropic.claude-3-7-sonnet-20250219-v1:0"
    assert sonnet.anchor == "versions-for-legacy"
    # Active models (only "No sooner than" dates) are not retirements
    assert not any(r.model == "Nova Pro" for r in parsed["bedrock"])


def test_cohere_details(parsed):
    by_model = {r.model: r for r in parsed["cohere"]}
    assert by_model["/v1/generate"].kind == "endpoint"
    assert by_model["Slack App integration"].kind == "feature"
    assert by_model["summarize"].replacements == ()
    assert "migration guide" in by_model["summarize"].notes


# ---------------------------------------------------------------------------------------------
# Recognising documents


@pytest.mark.parametrize(("sniff", "own"), [
    (sniff_openai, OPENAI), (sniff_bedrock, BEDROCK), (sniff_cohere, COHERE)])
def test_sniff_recognises_own_document_only(sniff, own):
    for path in (OPENAI, BEDROCK, COHERE):
        score_ = sniff(path.read_bytes(), "")
        assert (score_ >= 0.9) if path == own else (score_ == 0.0), path.name


@pytest.mark.parametrize(("name", "path"), [
    ("openai", OPENAI), ("bedrock", BEDROCK), ("cohere", COHERE)])
def test_registry_detects_specific_parser(name, path):
    assert registry.detect(path.read_bytes()).name == name
    assert registry.detect(b"", DOCUMENTS[name][3]).name == name


def test_generic_sniff_is_low_and_only_for_tables():
    assert 0 < sniff_tables(OPENAI.read_bytes(), "") < 0.5
    assert 0 < sniff_tables(BEDROCK.read_bytes(), "") < 0.5
    assert sniff_tables(b"<html><body><p>No tables here</p></body></html>", "") == 0.0
    assert sniff_tables(PRICING_PAGE.encode(), "") == 0.0


CHALLENGE = b"""<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>
<div id="challenge-platform">Enable JavaScript and cookies to continue</div></body></html>"""


def test_blocked_page_is_an_error_not_an_empty_list():
    with pytest.raises(ParseError):
        parse_openai(CHALLENGE, url="https://platform.openai.com/docs/deprecations")
    with pytest.raises(ParseError):
        parse_openai(BEDROCK.read_bytes())
    with pytest.raises(ParseError):
        parse_bedrock(OPENAI.read_bytes())
    with pytest.raises(ParseError):
        parse_cohere(OPENAI.read_bytes())


# ---------------------------------------------------------------------------------------------
# The generic table parser, on pages it was not written for


def test_generic_finds_openai_rows_without_the_specific_parser():
    records = parse_tables(OPENAI.read_bytes(), vendor="OpenAI")
    # all 78 (with "View transition guide" read as no replacement, as everywhere here)
    assert score(records, OPENAI) == (78, 78, 0)


def test_generic_finds_bedrock_rows_without_the_specific_parser():
    records = parse_tables(BEDROCK.read_bytes(), vendor="AWS Bedrock")
    assert score(records, BEDROCK) == (35, 35, 0)


def test_generic_reads_markdown_tables_and_the_notices_beside_them():
    records = parse_tables(COHERE.read_bytes())
    table = [record_key(r) for r in records if r.source_text.startswith("2025-04-30")]
    assert sorted(table) == [
        ("rerank-english-v2.0", "2024-12-02", "2024-12-02", "2025-04-30", ("rerank-v3.5",)),
        ("rerank-multilingual-v2.0", "2024-12-02", "2024-12-02", "2025-04-30",
         ("rerank-v3.5",)),
    ]
    # the prose sections ("Effective April 4th, 2026, the following models will be retired")
    # give the dates the Cohere parser gives; the alternatives listed after them get none
    own = {(r.model, r.shutdown) for r in parse_cohere(COHERE.read_bytes()) if r.shutdown}
    dated = {(r.model, r.shutdown) for r in records if r.shutdown}
    assert {m for m, _ in dated} >= {"embed-english-v2.0", "c4ai-aya-vision-8b"}
    assert dated - own == {("Command-R-03-2024 (tuning)", date(2025, 3, 8))}


PRICING_PAGE = """<html><body><h1>Pricing</h1><table>
<tr><th>Model</th><th>Input price</th><th>Output price</th><th>Release date</th></tr>
<tr><td>gpt-5</td><td>$1.25</td><td>$10.00</td><td>2025-08-07</td></tr>
</table><p>Prices as of 2025-11-01.</p></body></html>"""


def test_generic_finds_nothing_without_a_deprecation_table():
    assert parse_tables(PRICING_PAGE.encode()) == []
    assert parse_tables(b"# Models\n\n| Model | Context |\n|---|---|\n| a-1 | 8k |\n") == []
    # The real Bedrock page without its Legacy and EOL tables: models and launch dates only.
    soup = BeautifulSoup(BEDROCK.read_bytes(), "lxml")
    for table in soup.find_all("table")[1:]:
        table.decompose()
    assert parse_tables(str(soup).encode()) == []


def test_generic_header_spellings_spans_and_heading_context():
    page = """<html><body><h2 id="n">2025-03-01: Deprecating old models</h2>
    <h3>Text models</h3>
    <table><tr><td>MODEL ID</td><td>Display name</td><td>Deprecation Date</td>
    <td>End-of-life date</td><td>Suggested alternative</td></tr>
    <tr><td>t-1</td><td>T One</td><td>March 5</td><td>1/23/2026</td><td>t-2</td></tr>
    </table>
    <table><thead><tr><th>Retirement Date</th><th>Model</th><th>Upgrade to</th></tr></thead>
    <tbody><tr><td rowspan="2">November 2026</td><td>m-1</td><td>m-2 / m-3</td></tr>
    <tr><td>m-1-mini</td><td>NA</td></tr></tbody></table></body></html>"""
    records = parse_tables(page.encode(), url="https://docs.example.com/x")
    assert [(r.model, r.name, r.deprecated, r.shutdown, r.shutdown_precision, r.replacements,
             r.anchor) for r in records] == [
        ("t-1", "T One", date(2025, 3, 5), date(2026, 1, 23), DAY, ("t-2",), "n"),
        ("m-1", "", date(2025, 3, 1), date(2026, 11, 1), MONTH, ("m-2", "m-3"), "n"),
        ("m-1-mini", "", date(2025, 3, 1), date(2026, 11, 1), MONTH, (), "n"),
    ]
    assert {r.announced for r in records} == {date(2025, 3, 1)}
    assert {r.vendor for r in records} == {"Example"}
    # "Retiring" alone does not say when the models were deprecated
    retiring = page.replace("Deprecating", "Retiring").replace("Deprecation Date", "Date")
    assert {r.deprecated for r in parse_tables(retiring.encode())} == {None}


# Synthetic pages in the layouts other vendors use (names and dates made up): a status table
# next to a history table, a model + version table with a lifecycle column, a deprecations
# table with only an "Earliest <month>" shutdown, a Markdown table with an endpoint column.
STATUS_PAGE = """<html><body><h1>Model deprecations</h1><h2 id="model-status">Model status</h2>
<table><thead><tr><th>API Model Name</th><th>Current State</th><th>Deprecated</th>
<th>Tentative Retirement Date</th></tr></thead><tbody>
<tr><td><code>model-a-20240229</code></td><td>Deprecated</td><td>June 30, 2025</td>
<td>January 5, 2026</td></tr>
<tr><td><code>model-b-20250514</code></td><td>Active</td><td>N/A</td>
<td>Not sooner than May 14, 2026</td></tr></tbody></table>
<h2 id="history">Deprecation history</h2><h3 id="a">2025-06-30: Model A</h3>
<table><thead><tr><th>Retirement Date</th><th>Deprecated Model</th><th>Recommended Replacement</th>
</tr></thead><tbody><tr><td>January 5, 2026</td><td><code>model-a-20240229</code></td>
<td><code>model-c-20250514</code></td></tr></tbody></table></body></html>"""
VERSION_PAGE = """<html><body><h2 id="current">Current models</h2><table><thead><tr>
<th>Model</th><th>Version</th><th>Lifecycle status</th><th>Deprecation date</th>
<th>Retirement date</th><th>Replacement model</th></tr></thead><tbody>
<tr><td><code>model-x</code></td><td>0301</td><td>Deprecated</td><td>---</td>
<td>February 13, 2025</td><td><code>model-y</code> version: <code>2025-04-14</code></td></tr>
<tr><td><code>model-z</code></td><td>2024-08-06</td><td>Generally available</td><td></td>
<td>No earlier than March 31, 2026</td><td></td></tr></tbody></table></body></html>"""
EARLIEST_PAGE = """<html><body><h1>Deprecations</h1><table><tr><th>Model</th>
<th>Release date</th><th>Shutdown date</th><th>Recommended replacement</th></tr>
<tr><td><code>m-flash</code></td><td>February 5, 2025</td><td>Earliest February 2026</td>
<td><code>m2-flash</code></td></tr></table></body></html>"""
ENDPOINT_MARKDOWN = """## Legacy models

| Model | API Endpoint | Version | Deprecation on date | Retirement date | Alternative model |
|---|---|---|---|---|---|
| Big Model 24.02 | `big-model-2402` | 24.02 | 2024/11/30 | 2025/06/16 | `big-model-latest` |
"""


@pytest.mark.parametrize(("page", "rows"), [
    (STATUS_PAGE, [  # the active model's "Not sooner than" date is kept, as tentative
        ("model-a-20240229", None, "2025-06-30", "2026-01-05", ()),
        ("model-b-20250514", None, None, "2026-05-14", ()),
        ("model-a-20240229", "2025-06-30", "2025-06-30", "2026-01-05", ("model-c-20250514",)),
    ]),
    (VERSION_PAGE, [("model-x (0301)", None, None, "2025-02-13", ("model-y",)),
                     ("model-z (2024-08-06)", None, None, "2026-03-31", ())]),
    (EARLIEST_PAGE, [("m-flash", None, None, "2026-02-01", ("m2-flash",))]),
    (ENDPOINT_MARKDOWN, [("big-model-2402", None, "2024-11-30", "2025-06-16",
                          ("big-model-latest",))]),
])
def test_generic_on_other_layouts(page, rows):
    records = parse_tables(page.encode())
    assert [record_key(r) for r in records] == rows
    # "Not sooner than", "No earlier than", "Earliest": the earliest day, not a promise
    assert [r.tentative for r in records] == [
        bool(re.search(r"sooner|earlier|Earliest", r.source_text)) for r in records]


# A Date | Update timeline under an undated heading (names and dates made up): the heading,
# less "Update to" and the vendor's possessive, is what stops, once its own prose names it.
TIMELINE_MARKDOWN = """# Example deprecations

## Update to Example's batch tuning

On March 2nd, 2026, we notified developers using Example's batch tuning of changes.

| Date | Update |
|---|---|
| March 2, 2026 | Deprecation announced for batch tuning. |
| April 1, 2026 | Creating jobs is not available to free organizations. |
| May 4, 2026 | Batch tuning becomes unavailable to every organization. |
"""


def test_timeline_under_an_undated_heading():
    records = parse_tables(TIMELINE_MARKDOWN.encode(), vendor="Example")
    # the announcement row is no stop; each dated stop is a row of its own
    assert [(r.model, r.kind, r.announced, r.shutdown, r.tentative) for r in records] == [
        ("batch tuning", "feature", date(2026, 3, 2), date(2026, 4, 1), False),
        ("batch tuning", "feature", date(2026, 3, 2), date(2026, 5, 4), False),
    ]
    assert {r.anchor for r in records} == {"update-to-examples-batch-tuning"}


@pytest.mark.parametrize("heading", [
    "## Upcoming deprecations",  # a section's title, not a product
    "## Timeline",
    "## Update to Example's batch scheduler",  # the prose does not name it
])
def test_timeline_under_an_undated_title_gives_nothing(heading):
    page = TIMELINE_MARKDOWN.replace("## Update to Example's batch tuning", heading)
    assert parse_tables(page.encode(), vendor="Example") == []


def test_lower_bound_dates_are_noted_and_month_precise():
    (record,) = parse_tables(EARLIEST_PAGE.encode())
    assert record.shutdown_precision == MONTH
    assert "Earliest February 2026" in record.notes


@pytest.mark.parametrize(("header", "roles"), [
    (["Shutdown date", "Model / system", "Recommended replacement"],
     {"model": 1, "shutdown": 0, "replacement": 2}),
    (["Model version", "Legacy date", "Public extended access date", "EOL date",
      "Recommended model version replacement", "Recommended model ID"],
     {"model": 0, "deprecated": 1, "shutdown": 3, "replacement": 5}),
    (["API Model Name", "Current State", "Deprecated", "Tentative Retirement Date"],
     {"model": 0, "deprecated": 2, "shutdown": 3}),
    (["Model", "Sunset", "Alternative"], {"model": 0, "shutdown": 1, "replacement": 2}),
    (["Deprecated model", "Deprecated model price", "Removal date"],
     {"model": 0, "shutdown": 2}),
])
def test_classify_header(header, roles):
    cols = classify_header(header)
    assert {k: getattr(cols, k) for k in roles} == roles


@pytest.mark.parametrize("header", [
    ["Provider", "Model name", "Model ID", "Regions supported", "Launch date"],
    ["Model", "Input price", "Output price"], ["Date", "Change"], [],
])
def test_classify_header_rejects_other_tables(header):
    assert classify_header(header) is None


@pytest.mark.parametrize(("cell", "models"), [
    (Cell("gpt-4-0125-preview (including gpt-4-turbo-preview and "
          "gpt-4-turbo-preview-completions , which point to this snapshot)"),
     ["gpt-4-0125-preview", "gpt-4-turbo-preview", "gpt-4-turbo-preview-completions"]),
    (Cell("command-r-03-2024 (and the alias command-r)",
          ("command-r-03-2024", "command-r")), ["command-r-03-2024", "command-r"]),
    (Cell("New fine-tuning training on babbage-002", ("babbage-002",)),
     ["New fine-tuning training on babbage-002"]),
    (Cell("Claude 3 Opus"), ["Claude 3 Opus"]),
    (Cell("Mistral Large (24.02)"), ["Mistral Large (24.02)"]),
    (Cell("gpt-4.1*"), ["gpt-4.1"]),
    (Cell("N/A"), []),
])
def test_split_models(cell, models):
    assert split_models(cell) == models


@pytest.mark.parametrize(("cell", "replacements"), [
    (Cell("gpt-5 or gpt-4.1*", ("gpt-5", "gpt-4.1*")), ["gpt-5", "gpt-4.1"]),
    (Cell("gpt-5 or gpt-4.1*"), ["gpt-5", "gpt-4.1"]),
    (Cell("Responses API and Conversations API"), ["Responses API", "Conversations API"]),
    (Cell("stability.stable-image-core-v1:0, stability.stable-image-ultra-v1:0, and "
          "stability.sd3-large-v1:0"),
     ["stability.stable-image-core-v1:0", "stability.stable-image-ultra-v1:0",
      "stability.sd3-large-v1:0"]),
    (Cell("ai21.jamba-instruct-v1:0 in US East (N. Virginia)"), ["ai21.jamba-instruct-v1:0"]),
    (Cell("View transition guide", links=(("View transition guide", "https://x"),)), []),
    (Cell("See the migration guide"), []),
    (Cell("---"), []),
    (Cell("Realtime API"), ["Realtime API"]),
])
def test_split_replacements(cell, replacements):
    assert split_replacements(cell) == replacements


@pytest.mark.parametrize(("name", "kind"), [
    ("/v1/edits", "endpoint"), ("Assistants API", "endpoint"),
    ("OpenAI-Beta: realtime=v1", "feature"), ("Slack App integration", "feature"),
    ("/v1/chat parameters: connectors", "feature"), ("claude-v2:1", "model"),
    ("cohere.command-r-v1:0", "model"), ("Claude 3 Opus", "model"),
    ("gpt-4-0314", "snapshot"), ("gpt-5-2025-08-07", "snapshot"),
    ("anthropic.claude-3-haiku-20240307-v1:0", "snapshot"), ("gemini-2.5-flash-preview-05-20",
                                                              "snapshot"),
    ("command-r-03-2024", "snapshot"), ("gpt-4.1", "model"), ("mistral-large-2411", "model"),
])
def test_kind_of(name, kind):
    assert kind_of(name) == kind


# ---------------------------------------------------------------------------------------------
# Robustness: bad input never raises anything but ParseError

PARSERS = [parse_openai, parse_bedrock, parse_cohere, parse_tables]


def _run_all(data: bytes) -> None:
    for parser in PARSERS:
        try:
            result = parser(data, url="")
        except ParseError:
            continue
        assert isinstance(result, list)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4000))
def test_arbitrary_bytes(data):
    _run_all(data)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="<>/|-`#*:()tdhrable \n0123456789-", max_size=600))
def test_markup_like_noise(text):
    _run_all(text.encode())


DOCS = [OPENAI.read_bytes(), BEDROCK.read_bytes(), COHERE.read_bytes()]


@st.composite
def mangled(draw):
    data = DOCS[draw(st.integers(0, len(DOCS) - 1))]
    how = draw(st.sampled_from(["truncate", "untag", "insert", "delete", "swap"]))
    at = draw(st.integers(0, len(data)))
    if how == "truncate":
        return data[:at]
    if how == "untag":
        return re.sub(rb"</?(?:t[dhr]|table|thead|tbody|h[1-6]|code)\b[^>]*>", b"", data)
    if how == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=200)) + data[at:]
    if how == "delete":
        return data[:at] + data[at + draw(st.integers(1, 5000)):]
    return data[at:] + data[:at]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled())
def test_mangled_fixtures(data):
    _run_all(data)
