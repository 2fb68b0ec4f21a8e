"""Hostile documents get nowhere: spans and cells are bounded, document URLs stay web URLs.

A 146 KB table of ``colspan=50 rowspan=50`` cells once expanded into millions of cells (25 s
and 549 MB); the reader now caps a row's width, a rowspan's reach and a document's cells, so
the same page yields a bounded grid. A feed item whose link is ``javascript:...`` never
reaches a record, so it can never become a link on a page.
"""

from __future__ import annotations

from bs4 import BeautifulSoup

from deprecations.sources import parsers
from deprecations.sources.parsers import feed, table_reader
from deprecations.sources.parsers.table_reader import (
    MAX_COLUMNS,
    MAX_SPAN,
    document_tables,
    html_grid,
)
from deprecations.sources.records import Record, http_url, safe_anchor

SPANNING_ROW = "<tr>" + "<td colspan=50 rowspan=50>x</td>" * 40 + "</tr>\n"
HOSTILE = ("<html><body><h2>Deprecations</h2><table><tr><th>Model</th><th>Shutdown date</th>"
           "</tr>\n" + SPANNING_ROW * (146_000 // len(SPANNING_ROW)) + "</table></body></html>")


def test_the_spanning_table_from_the_report_is_146_kb():
    assert 140_000 < len(HOSTILE) < 150_000


def test_a_table_of_huge_spans_yields_a_bounded_grid():
    table = BeautifulSoup(HOSTILE, "lxml").find("table")
    rows = len(table.find_all("tr"))
    grid, header_rows = html_grid(table)
    assert header_rows == 1
    assert len(grid) == rows
    assert max(len(row) for row in grid) == MAX_COLUMNS  # not 40 x 50 = 2,000 wide
    assert sum(len(row) for row in grid) <= rows * MAX_COLUMNS


def test_a_rowspan_reaches_no_further_than_the_table():
    page = ("<table><tr><th>Model</th><th>Shutdown date</th></tr>"
            "<tr><td rowspan=1000000>m-1</td><td>2026-01-01</td></tr>"
            "<tr><td>2026-02-02</td></tr></table>")
    grid, _ = html_grid(BeautifulSoup(page, "lxml").find("table"))
    assert [[c.text for c in row] for row in grid] == [
        ["Model", "Shutdown date"], ["m-1", "2026-01-01"], ["m-1", "2026-02-02"]]
    assert MAX_SPAN == 50


def test_a_document_yields_at_most_its_cell_budget(monkeypatch):
    monkeypatch.setattr(table_reader, "MAX_CELLS", 1000)
    row = "<tr>" + "<td>m-1</td><td>2026-01-01</td>" * 5 + "</tr>"
    tables = "".join("<table><tr><th>Model</th><th>Shutdown date</th></tr>"
                     + row * 20 + "</table>" for _ in range(10))  # 10 x 20 x 10 cells
    for page in (f"<html><body>{tables}</body></html>",  # HTML, and HTML tables in Markdown
                 f"# Deprecations\n\n{tables}"):
        found = list(document_tables(page))
        assert 0 < sum(len(r) for t in found for r in t.rows) <= 1000 < 10 * 20 * 10
    markdown = "| Model | Shutdown date |\n|---|---|\n" + "| m-1 | 2026-01-01 |\n" * 2000
    found = list(document_tables(markdown))
    assert sum(len(r) for t in found for r in t.rows) <= 1000 < 2 * 2000


def test_the_spanning_table_parses_to_nothing_without_raising():
    assert parsers.parse(HOSTILE.encode()) == []


# ----------------------------------------------------------------- URLs from documents

JAVASCRIPT_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Tracker</title><link>https://tracker.example/</link>
<item><title>gpt-4-0314</title>
<link>javascript:alert(document.domain)//</link>
<description>Provider: OpenAI
Model ID: gpt-4-0314
Shutdown Date: 2026-03-26</description></item>
<item><title>acme-1</title><link>data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;</link>
<description>&lt;p&gt;&lt;code&gt;acme-1&lt;/code&gt; will be shut down on March 3, 2026.&lt;/p&gt;
</description><pubDate>Mon, 01 Dec 2025 09:00:00 GMT</pubDate></item>
</channel></rss>"""


def test_a_javascript_feed_link_never_reaches_a_record():
    records = feed.parse(JAVASCRIPT_FEED, url="https://tracker.example/feed.xml")
    assert {r.model for r in records} == {"gpt-4-0314", "acme-1"}
    assert {r.source_url for r in records} == {"https://tracker.example/feed.xml"}
    assert not any("javascript" in r.anchor or "script" in r.anchor for r in records)


def test_records_keep_only_web_urls_and_safe_anchors():
    for bad in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:x", "data:text/html,x",
                "vbscript:x", "file:///etc/passwd", "//evil.example/x", "http://", "http://[::1",
                "https://ok.example/a b", 'https://ok.example/"onmouseover="x', "/relative"):
        assert http_url(bad) == "", bad
        assert Record(vendor="v", model="m", source_url=bad).source_url == ""
    assert http_url("https://docs.example.com/x?y=1#z") == "https://docs.example.com/x?y=1#z"
    assert safe_anchor('"><script>') == "%22%3E%3Cscript%3E"
    assert Record(vendor="v", model="m", anchor="#2026-06-03-agent-builder").anchor == \
        "2026-06-03-agent-builder"
