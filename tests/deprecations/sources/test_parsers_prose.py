"""Prose and feed parsers against the real documents in tests/fixtures/sources/.

The Gemini API release notes (``gemini.py`` over the generic ``changelog.py``) and the
deprecations.info RSS feed (``feed.py``) are compared with every hand-checked row of their
``.expected.json``; the generic changelog parser is also run on pages it was not written
against (no retirements; another vendor's Atom feed and Markdown changelog). No Django.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deprecations.sources.parsers import changelog, feed, gemini, registry
from deprecations.sources.parsers.registry import ParseError
from deprecations.sources.records import DAY, MONTH

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"
GEMINI = FIXTURES / "google" / "gemini_api_release_notes_2025-11-13"
FEED = FIXTURES / "aggregator" / "deprecations_info_feed_2025-11-23"
PEER_RECORDS = FIXTURES / "aggregator" / "deprecations_info_records_2025-11-23.json"


def _document(stem: Path) -> bytes:
    suffix = ".html" if (stem.parent / f"{stem.name}.html").exists() else ".xml"
    return (stem.parent / f"{stem.name}{suffix}").read_bytes()


def _expected(stem: Path) -> list[dict]:
    return json.loads((stem.parent / f"{stem.name}.expected.json").read_text("utf-8"))


def _expected_row(row: dict) -> tuple:
    replacement = row["replacement"]
    if replacement is None:
        replacement = []
    elif isinstance(replacement, str):
        replacement = [replacement]
    return (row["vendor"], row["model"], row["announced"], row["deprecated"], row["shutdown"],
            tuple(replacement))


def _row(record) -> tuple:
    # The expected files hold day-precise dates only: "in October, 2025" is a null shutdown
    # there, a first-of-month with MONTH precision here (checked separately below).
    shutdown = record.shutdown if record.shutdown_precision == DAY else None
    return (record.vendor, record.model, _iso(record.announced), _iso(record.deprecated),
            _iso(shutdown), tuple(record.replacements))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _compare(records, stem: Path) -> tuple[Counter, Counter, Counter]:
    expected = Counter(_expected_row(row) for row in _expected(stem))
    got = Counter(_row(record) for record in records)
    return expected, got, expected & got


@pytest.fixture(scope="module")
def gemini_records():
    return gemini.parse(_document(GEMINI), url=gemini.URL)


@pytest.fixture(scope="module")
def feed_records():
    return feed.parse(_document(FEED), url="https://deprecations.info/rss/v1/feed.xml")


# ------------------------------------------------------------------ Gemini API release notes


def test_gemini_matches_every_expected_row(gemini_records):
    expected, got, matched = _compare(gemini_records, GEMINI)
    print(f"gemini: expected {sum(expected.values())}, matched {sum(matched.values())}, "
          f"extra {sum((got - expected).values())}")
    assert expected - got == Counter(), "missing or different rows"
    assert got - expected == Counter(), "rows the page does not say"


def test_gemini_month_only_date_is_kept_with_month_precision(gemini_records):
    embedding = [r for r in gemini_records if r.model == "embedding-001"]
    assert [(r.shutdown, r.shutdown_precision) for r in embedding] == [
        (date(2025, 10, 1), MONTH)]


def test_gemini_moved_date_keeps_both_announcements(gemini_records):
    veo = sorted((r.announced, r.shutdown) for r in gemini_records
                 if r.model == "veo-3.0-generate-preview")
    assert veo == [(date(2025, 10, 15), date(2025, 11, 6)),
                   (date(2025, 11, 11), date(2025, 11, 12))]


def test_gemini_deprecated_then_removed_is_one_record_with_both_dates(gemini_records):
    vision = [r for r in gemini_records if r.model == "Gemini 1.0 Pro Vision"]
    assert [(r.deprecated, r.shutdown) for r in vision] == [(date(2024, 6, 12), date(2024, 7, 12))]


def test_gemini_records_point_at_their_entry(gemini_records):
    first = gemini_records[0]
    assert first.anchor == "11-11-2025" and first.source_url == gemini.URL
    assert "November 12" in first.source_text and first.model in first.source_text


def test_gemini_finds_strictly_more_correct_shutdowns_than_the_peer(gemini_records):
    truth = {(row["model"], row["shutdown"]) for row in _expected(GEMINI) if row["shutdown"]}
    ours = {(r.model, _iso(r.shutdown)) for r in gemini_records
            if r.shutdown and r.shutdown_precision == DAY}
    peer_rows = json.loads(PEER_RECORDS.read_text("utf-8"))
    peer = {(r["model_id"], r["shutdown_date"]) for r in peer_rows
            if "ai.google.dev/gemini-api/docs/changelog" in (r.get("url") or "")}
    ours_correct, peer_correct = len(ours & truth), len(peer & truth)
    print(f"correct (model, shutdown) pairs out of {len(truth)}: "
          f"ours {ours_correct}, peer {peer_correct}")
    assert ours_correct > peer_correct
    assert (ours_correct, peer_correct) == (30, 7)


def test_gemini_sniff_and_registry_detection():
    data = _document(GEMINI)
    assert gemini.sniff(data, "") >= 0.9
    assert gemini.sniff(b"", "https://ai.google.dev/gemini-api/docs/changelog") >= 0.9
    assert gemini.sniff(b"<html><body><p>hello</p></body></html>", "") == 0.0
    assert registry.detect(data).name == "gemini-release-notes"
    assert registry.parse(data, parser="gemini-release-notes")


def test_gemini_refuses_a_page_without_dated_entries():
    with pytest.raises(ParseError):
        gemini.parse(b"<html><body><h2>Models</h2><p>gemini-pro is deprecated.</p></body></html>")


# ----------------------------------------------------------------- deprecations.info feed


def test_feed_matches_every_expected_row(feed_records):
    expected, got, matched = _compare(feed_records, FEED)
    print(f"feed: expected {sum(expected.values())}, matched {sum(matched.values())}, "
          f"extra {sum((got - expected).values())}")
    assert expected - got == Counter(), "missing or different rows"
    assert got - expected == Counter(), "rows the feed does not say"


def test_feed_takes_facts_from_header_fields_only(feed_records):
    assert len(feed_records) == 153  # one record per item
    chatgpt = next(r for r in feed_records if r.model == "chatgpt-4o-latest")
    # the prose says "On November 18th ..." and the peer's records name a replacement; neither
    # is a header field of this item
    assert (chatgpt.announced, chatgpt.replacements) == (None, ())
    assert chatgpt.anchor == "2025-11-18-chatgpt-4o-latest-snapshot"
    assert "February 17, 2026" in chatgpt.source_text
    named = next(r for r in feed_records if r.model == "gemini-2.0-flash-lite-preview")
    assert named.name == "Gemini 2.0 Flash Lite Preview"


def test_feed_replacement_from_a_structured_field():
    data = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Acme: acme-1</title><link>https://example.com/d#acme-1</link>
<description>Provider: Acme
Model ID: acme-1
Deprecation Date: N/A
Retirement Date: March 3, 2026
Replacement: acme-2 or acme-2-mini

Acme retires acme-1.</description></item></channel></rss>"""
    [record] = feed.parse(data)
    assert (record.vendor, record.model, record.deprecated, record.shutdown) == (
        "Acme", "acme-1", None, date(2026, 3, 3))
    assert record.replacements == ("acme-2", "acme-2-mini")


def test_feed_sniff_and_registry_detection():
    data = _document(FEED)
    assert feed.sniff(data, "") >= 0.9
    assert feed.sniff(b"<html><body/></html>", "") == 0.0
    assert registry.detect(data).name == "feed"


def test_feed_refuses_what_is_not_a_feed():
    for data in (b"", b"   ", b"<html><body><p>hi</p></body></html>", b"\x00\x01\x02"):
        with pytest.raises(ParseError):
            feed.parse(data)


def test_feed_never_opens_a_file_named_by_the_bytes(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_bytes(_document(FEED))
    with pytest.raises(ParseError):
        feed.parse(str(path).encode())


# --------------------------------------------------------- generic changelog, other pages

ACME_ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Acme AI platform changelog</title>
  <id>urn:acme:changelog</id>
  <updated>2025-12-02T10:00:00Z</updated>
  <entry>
    <title>Model retirements</title>
    <id>urn:acme:changelog:2</id>
    <link href="https://acme.example/changelog#2025-12-01"/>
    <updated>2025-12-01T09:00:00Z</updated>
    <content type="html">&lt;p&gt;We are retiring older models.
      &lt;code&gt;acme-large-2&lt;/code&gt; will be retired on March 3, 2026; use
      &lt;code&gt;acme-large-3&lt;/code&gt; instead.&lt;/p&gt;
      &lt;p&gt;The Acme Vision 1 model is no longer available.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Streaming for acme-large-3</title>
    <id>urn:acme:changelog:1</id>
    <updated>2025-11-20T09:00:00Z</updated>
    <content type="html">&lt;p&gt;Launched streaming for acme-large-3 and raised rate
      limits for acme-small-1.&lt;/p&gt;</content>
  </entry>
</feed>"""

MARKDOWN_CHANGELOG = """# Changelog

## December 20, 2025

- The following models will be shut down:
  - January 15: `zeta-chat-1`, `zeta-chat-1-mini`
- `zeta-embed-2` is deprecated and will be removed on February 2, 2026. We recommend
  migrating to `zeta-embed-3`.

## November 3, 2025

Launched `zeta-chat-2`. The `temperature` parameter is deprecated for `zeta-chat-2`.

## 2025-06-01

- Zeta Coder 2 deprecated.

## 2025-07-01

- Support for Zeta Coder 2 removed.
"""

NO_RETIREMENTS = b"""<html><body><main>
<h1>Release notes</h1>
<h2 id="2025-11-06">November 6, 2025</h2>
<ul><li>Launched the File Search API to public preview for <code>acme-large-3</code>.</li>
<li>The preview model <code>acme-large-3-preview</code> now redirects to <code>acme-large-3</code>.
</li></ul>
<h2>October 17, 2025</h2>
<p>Released <code>acme-small-2</code>, a stable version of our fast model, on May 5.</p>
<p>You may 2x your rate limits; values greater than 40 will be changed to 40.</p>
</main></body></html>"""


def test_changelog_finds_nothing_where_nothing_retires():
    assert changelog.parse(NO_RETIREMENTS, vendor="Acme") == []


def test_changelog_feed_items_in_another_vendors_style():
    records = feed.parse(ACME_ATOM, vendor="Acme")
    rows = sorted((r.model, r.announced, r.shutdown, r.replacements) for r in records)
    # "The Acme Vision 1 model is no longer available" gives no date: the entry's own date is
    # the day Acme wrote it, not the day it stopped working, so the row waits for review.
    assert rows == [
        ("Acme Vision 1", date(2025, 12, 1), None, ()),
        ("acme-large-2", date(2025, 12, 1), date(2026, 3, 3), ("acme-large-3",)),
    ]
    assert {r.vendor for r in records} == {"Acme"}
    assert {r.anchor for r in records} == {"2025-12-01"}


def test_changelog_markdown_with_year_rollover_and_two_dates():
    records = changelog.parse(MARKDOWN_CHANGELOG.encode(), vendor="Zeta")
    rows = {(r.model, r.announced, r.deprecated, r.shutdown, r.replacements) for r in records}
    assert rows == {
        # "January 15:" under a December 2025 heading is January 2026
        ("zeta-chat-1", date(2025, 12, 20), None, date(2026, 1, 15), ()),
        ("zeta-chat-1-mini", date(2025, 12, 20), None, date(2026, 1, 15), ()),
        ("zeta-embed-2", date(2025, 12, 20), date(2025, 12, 20), date(2026, 2, 2),
         ("zeta-embed-3",)),
        # deprecated in one entry, "removed" in a later one that gives no date: one record,
        # with no shutdown date (the later entry's own date is when it was written)
        ("Zeta Coder 2", date(2025, 6, 1), date(2025, 6, 1), None, ()),
    }


UNDATED_PAGE = """# Models

> Note: `nova-2` and the `nova-1` series are no longer offered to new users (full sunset on
> August 31). Please switch to a newer model.

| Model | Description |
| --- | --- |
| `nova-1-8k` | short texts |
| `nova-1-32k` | long texts |

## Deprecated models

`nova-0` was officially discontinued on **May 25, 2026**.
"""


def test_an_undated_page_dates_a_year_less_sunset_after_its_latest_past_retirement():
    # the page says nova-0 already stopped on May 25, 2026: it was written after that day, so
    # the sunset "on August 31" it announces is 2026's; "the nova-1 series" is its listed models
    rows = {(r.model, r.shutdown) for r in changelog.parse(UNDATED_PAGE.encode(), vendor="Nova")}
    assert rows == {("nova-2", date(2026, 8, 31)), ("nova-1-8k", date(2026, 8, 31)),
                    ("nova-1-32k", date(2026, 8, 31)), ("nova-0", date(2026, 5, 25))}


@pytest.mark.parametrize("page", [
    # no retirement the page calls past: nothing tells which year
    UNDATED_PAGE.replace("was officially discontinued on", "will be discontinued on"),
    # "August 31" before the latest past retirement: the next year's, or an old note
    UNDATED_PAGE.replace("May 25, 2026", "September 25, 2026"),
])
def test_an_undated_page_leaves_a_year_less_date_it_cannot_place_unread(page):
    records = changelog.parse(page.encode(), vendor="Nova")
    assert {r.model for r in records if r.shutdown} == {"nova-0"}


RELEASE_NOTES_PROSE = b"""<html><head><meta property="og:site_name" content="Orca AI"></head>
<body><nav>Deprecated: nothing here is content</nav><main><h1>API release notes</h1>
<h3 id="oct-28">October 28th, 2025</h3>
<ul><li>We've announced the deprecation of Orca Sonnet 3.7. Read more in our documentation.</li>
<li>We've retired the Orca Sonnet 3.5 models. Requests to these models now return an error.</li>
<li>We removed the beta header requirement for <code>orca-sonnet-4-5</code>.</li>
<li><code>orca-2.1</code> will remain available until March 3, 2026, after which it will be
retired. Migrate to <code>orca-sonnet-4-5</code>.</li></ul>
<h3>September 2, 2025</h3>
<p>Effective October 1st, 2025, the following models will be shut down:</p>
<ul><li><code>orca-instant-1.2</code></li><li><code>orca-1.3</code> (and the alias
<code>orca-1</code>)</li></ul>
<p>The <code>max_tokens_to_sample</code> parameter is deprecated for <code>orca-2.1</code>.</p>
</main></body></html>"""


def test_changelog_prose_in_another_vendors_html_style():
    records = changelog.parse(RELEASE_NOTES_PROSE, url="https://orca.example/release-notes")
    rows = {(r.model, r.announced, r.deprecated, r.shutdown, r.replacements) for r in records}
    assert rows == {
        ("Orca Sonnet 3.7", date(2025, 10, 28), date(2025, 10, 28), None, ()),
        ("Orca Sonnet 3.5", date(2025, 10, 28), None, None, ()),  # retired: no date given
        ("orca-2.1", date(2025, 10, 28), None, date(2026, 3, 3), ("orca-sonnet-4-5",)),
        ("orca-instant-1.2", date(2025, 9, 2), None, date(2025, 10, 1), ()),
        ("orca-1.3", date(2025, 9, 2), None, date(2025, 10, 1), ()),
        ("orca-1", date(2025, 9, 2), None, date(2025, 10, 1), ()),
    }
    assert {r.vendor for r in records} == {"Orca AI"}
    assert {r.anchor for r in records if r.announced == date(2025, 10, 28)} == {"oct-28"}


def test_changelog_sniff_is_low_and_only_when_plausible():
    assert 0 < changelog.sniff(MARKDOWN_CHANGELOG.encode(), "") < 0.2
    assert changelog.sniff(b"hello world", "") == 0.0
    assert changelog.sniff(_document(FEED), "") == 0.0


# ------------------------------------------------------------------------------ robustness

PARSERS = {"changelog": changelog.parse, "gemini": gemini.parse, "feed": feed.parse}


def _never_raises_except_parse_error(data: bytes) -> None:
    for name, parse in PARSERS.items():
        try:
            result = parse(data, url="https://example.com/x", vendor=None)
        except ParseError:
            continue
        assert isinstance(result, list), name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_no_parser_raises_on_arbitrary_bytes(data):
    _never_raises_except_parse_error(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(
    list("<>/=\"' :\n-#*`") + ["<h2>", "</h2>", "<li>", "<ul>", "</ul>", "<code>", "</code>",
                               "November 12", "2025", "deprecated", "retired on ",
                               "gpt-4o", "Gemini 1.0 Pro", "use ", " instead", "<item>",
                               "<rss>", "Model ID: ", "Shutdown Date: ", "\ue000", "&#xE001;"]),
    max_size=120))
def test_no_parser_raises_on_markup_like_text(pieces):
    _never_raises_except_parse_error("".join(pieces).encode("utf-8"))


_FIXTURE_DATA = [_document(GEMINI)[40000:70000], _document(FEED)[:30000], ACME_ATOM,
                 MARKDOWN_CHANGELOG.encode(), RELEASE_NOTES_PROSE]


@st.composite
def _mangled(draw):
    data = bytearray(draw(st.sampled_from(_FIXTURE_DATA)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["cut", "flip", "insert", "truncate"]))
        if action == "cut":
            del data[at:at + draw(st.integers(1, 400))]
        elif action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        else:
            del data[at:]
    return bytes(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mangled())
def test_no_parser_raises_on_mangled_fixtures(data):
    _never_raises_except_parse_error(data)
