"""How fresh the dates are: when the sources were last read, and the notice that the dates
may be out of date once they have failed for more than a day (or were never read and the
shipped catalogue is older than a day). ``now`` is passed in or pinned, never the wall clock."""

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.cache import cache

from deprecations import shipped as catalogue
from deprecations.freshness import freshness
from deprecations.models import CatalogueLoad, Source
from deprecations.sources import collect, parsers
from deprecations.sources.records import Record
from tests.deprecations import factories
from tests.httpserver import Document, LoopbackServer, fails_then

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)  # what DEPCAL_TODAY=2026-11-28 pins now to


def source(slug="openai-deprecations", *, read=None, health="ok", **kw):
    vendor = kw.pop("vendor", None) or factories.vendor("openai", "OpenAI")
    return Source.objects.create(slug=slug, name=kw.pop("name", slug), vendor=vendor,
                                 url=f"https://example.com/{slug}", last_success_at=read,
                                 health=health, **kw)


def shipped(as_of: date):
    CatalogueLoad.objects.create(as_of=as_of, loaded_at=NOW - timedelta(days=1))


# The rule

def test_sources_read_within_a_day_are_fresh():
    source("a", read=NOW - timedelta(hours=3))
    source("b", read=NOW - timedelta(hours=20))
    fresh = freshness(now=NOW)
    assert not fresh.stale and fresh.lagging == []
    assert fresh.sources_read_at == NOW - timedelta(hours=3)
    assert fresh.age_days == 0


def test_never_read_and_a_shipped_catalogue_older_than_a_day_is_stale():
    shipped(date(2026, 8, 6))
    source("a", read=None, health="unreachable")
    source("b", read=None, health="unknown")
    fresh = freshness(now=NOW)
    assert fresh.stale and fresh.all_lagging
    assert fresh.sources_read_at is None and fresh.catalogue_as_of == date(2026, 8, 6)
    assert fresh.age_days == 114


def test_never_read_but_a_catalogue_built_today_is_fresh():
    shipped(date(2026, 11, 28))
    source("a", read=None, health="unknown")
    assert not freshness(now=NOW).stale


def test_one_source_failing_for_more_than_a_day_is_named():
    source("a", read=NOW - timedelta(hours=2))
    source("b", read=NOW - timedelta(days=2, hours=1), health="blocked")
    fresh = freshness(now=NOW)
    assert fresh.stale and not fresh.all_lagging
    assert [(lag.source.slug, lag.age_days) for lag in fresh.lagging] == [("b", 2)]


def test_all_failing_says_how_old_the_newest_data_is():
    shipped(date(2026, 8, 6))
    source("a", read=NOW - timedelta(days=3), health="unreachable")
    source("b", read=NOW - timedelta(days=5), health="unreachable")
    fresh = freshness(now=NOW)
    assert fresh.all_lagging and fresh.age_days == 3
    assert fresh.data_as_of == NOW - timedelta(days=3)


def test_a_day_is_the_limit():
    source("a", read=NOW - timedelta(days=1))
    assert not freshness(now=NOW).stale
    assert freshness(now=NOW + timedelta(seconds=1)).stale


def test_disabled_sources_and_secondary_trackers_do_not_count():
    source("a", read=NOW - timedelta(hours=1))
    source("off", read=None, enabled=False)
    source("tracker", read=NOW - timedelta(days=30), authority=Source.Authority.SECONDARY)
    fresh = freshness(now=NOW)
    assert not fresh.stale and fresh.watched == 1


def test_nothing_known_says_nothing():
    fresh = freshness(now=NOW)
    assert not fresh.stale and fresh.age is None


# Loading the shipped catalogue keeps its as_of

def test_loading_records_the_catalogues_as_of_once():
    data = {"as_of": "2026-08-06", "vendors": [{"slug": "openai", "name": "OpenAI"}],
            "entries": []}
    catalogue.load(data, today=NOW.date(), now=NOW)
    catalogue.load(data, today=NOW.date(), now=NOW + timedelta(hours=1))
    assert list(CatalogueLoad.objects.values_list("as_of", "loaded_at")) == [
        (date(2026, 8, 6), NOW)]
    catalogue.load({**data, "as_of": "2026-11-27"}, today=NOW.date(), now=NOW)
    assert freshness(now=NOW).catalogue_as_of == date(2026, 11, 27)


# What the home page and the API say

@pytest.fixture
def pinned(settings):
    settings.DEPCAL_TODAY = "2026-11-28"
    settings.DEPCAL_API_RATE = None
    cache.clear()


def test_the_home_page_says_when_the_sources_were_last_read(client, pinned):
    source("a", read=datetime(2026, 11, 28, 9, 5, tzinfo=UTC))
    html = client.get("/").content.decode()
    assert "Sources last read on 28 November 2026 at 09:05 UTC." in html
    assert 'class="notice stale"' not in html


def notice(html: str) -> str:
    """The stale notice of a page, its markup included ("" when there is none)."""
    match = re.search(r'<p class="notice stale".*?</p>', html, re.S)
    return match.group(0) if match else ""


def test_the_home_page_warns_when_nothing_could_be_read(client, pinned):
    shipped(date(2026, 8, 6))
    source("a", read=None, health="unreachable")
    html = client.get("/").content.decode()
    line = notice(html)
    assert "Dates may be out of date:" in line
    assert ("the vendors' pages could not be read; the newest dates here are from "
            "6 August 2026 (114 days ago).") in line
    # said once: the lede's own sentence about the shipped catalogue gives way to the notice
    assert "The sources have not been read here yet" not in html
    line = notice(client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert "114 jours" in line and "6 août 2026" in line


def test_the_notice_is_one_short_line_that_links_to_the_sources_page(client, pinned):
    vendor = factories.vendor("aws-bedrock", "Amazon Bedrock")
    source("a", read=NOW - timedelta(hours=2))
    for i in range(30):
        source(f"lagging-{i}", name=f"Lagging source {i}", read=NOW - timedelta(days=3),
               health="blocked", vendor=vendor)
    line = notice(client.get("/").content.decode())
    assert "Some dates may be out of date:" in line
    assert "30 of 31 sources not read for more than a day." in line
    assert 'href="/sources/"' in line
    assert "<li" not in line and "Lagging source" not in line
    assert len(re.sub(r"<[^>]+>", "", line).split()) < 40


def test_the_api_root_reports_the_same(client, pinned):
    shipped(date(2026, 8, 6))
    source("a", read=NOW - timedelta(days=2), health="unreachable")
    body = client.get("/api/v1/").json()
    assert body["freshness"] == {
        "stale": True,
        "sources_read_at": "2026-11-26T12:00:00Z",
        "catalogue_as_of": "2026-08-06",
        "data_as_of": "2026-11-26T12:00:00Z",
        "age_days": 2,
        "sources": 1,
        "lagging_sources": [{
            "slug": "a", "vendor": "openai", "url": "https://example.com/a",
            "health": "unreachable", "last_success_at": "2026-11-26T12:00:00Z",
            "good_as_of": "2026-11-26T12:00:00Z", "age_days": 2}],
    }
    assert body["vendors"].endswith("/api/v1/vendors")


@pytest.mark.parametrize("reads", [
    [timedelta(hours=3)],  # fresh
    [timedelta(days=3), timedelta(days=5)],  # all failing
    [timedelta(hours=2), timedelta(days=4)],  # one failing
    [None],  # never read, the shipped catalogue old
])
def test_the_page_and_the_api_agree(client, pinned, reads):
    shipped(date(2026, 8, 6))
    for i, ago in enumerate(reads):
        source(f"s{i}", read=NOW - ago if ago else None, health="ok" if ago else "unknown")
    fresh = client.get("/api/v1/").json()["freshness"]
    html = client.get("/").content.decode()
    line = notice(html)
    assert bool(line) == fresh["stale"]
    as_of = datetime.fromisoformat(fresh["data_as_of"])
    if fresh["stale"] and len(fresh["lagging_sources"]) == fresh["sources"]:
        assert f"from {as_of:%-d %B %Y} ({fresh['age_days']} days ago)" in line
    elif fresh["stale"]:
        assert f"{len(fresh['lagging_sources'])} of {fresh['sources']} sources" in line
    else:
        read = datetime.fromisoformat(fresh["sources_read_at"])
        assert f"Sources last read on {read:%-d %B %Y at %H:%M} UTC." in html


# With the real collector: a source read, then unreachable

@parsers.register("test-freshness-json", sniff=lambda data, url: 0.0)
def _rows(data, *, url="", vendor=None):
    return [Record(vendor=vendor or "OpenAI", model=r["model"],
                   shutdown=date.fromisoformat(r["shutdown"]), source_url=url)
            for r in json.loads(data)]


def test_a_source_that_goes_offline_turns_the_notice_on_after_a_day(settings):
    settings.DEPCAL_FETCH_ALLOW_PRIVATE = True
    settings.DEPCAL_FETCH_RETRIES = 1
    with LoopbackServer() as server:
        server.routes["/deprecations"] = Document(
            b'[{"model": "o3-2025-04-16", "shutdown": "2026-12-11"}]',
            content_type="application/json")
        s = Source.objects.create(slug="openai", name="OpenAI deprecations",
                                  url=server.url("/deprecations"), parser="test-freshness-json",
                                  vendor=factories.vendor("openai", "OpenAI"))
        assert collect.collect(s, today=NOW.date(), now=NOW).status == "ok"
        server.routes["/deprecations"] = fails_then(99, 503, Document(b"[]"))
        later = NOW + timedelta(hours=20)
        assert collect.collect(s, today=later.date(), now=later).status == "unreachable"
        assert not freshness(now=later).stale  # failing, but for less than a day
        later = NOW + timedelta(hours=30)
        assert collect.collect(s, today=later.date(), now=later).status == "unreachable"
        fresh = freshness(now=later)
        assert fresh.stale and fresh.age_days == 1 and fresh.sources_read_at == NOW
