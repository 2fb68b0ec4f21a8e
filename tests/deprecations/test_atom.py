"""The Atom feed of changes, /changes.atom."""

import uuid
from datetime import UTC, date, datetime

import feedparser
import pytest
from django.core.cache import cache

from deprecations import changes
from deprecations.models import ENTRY_NAMESPACE, Retirement
from tests.deprecations import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://depcal.example"
    cache.clear()


@pytest.fixture
def history():
    latest = factories.entry(now=datetime(2025, 11, 18, 12, tzinfo=UTC))
    changes.move_date(latest, "shutdown_on", date(2026, 2, 16), via="press",
                      now=datetime(2025, 11, 19, tzinfo=UTC))
    changes.move_date(latest, "shutdown_on", date(2026, 2, 17), via="openai",
                      note="OpenAI's page says <b>17 February</b>.",
                      now=datetime(2025, 11, 20, tzinfo=UTC))
    opus = factories.entry("claude-3-opus-20240229", vendor_slug="anthropic",
                           shutdown=date(2026, 1, 5), replacements=("claude-opus-4-1",),
                           aliases=["claude-3-opus-latest"],
                           now=datetime(2025, 6, 30, tzinfo=UTC))
    changes.withdraw(opus, via="anthropic", now=datetime(2025, 12, 1, tzinfo=UTC))
    factories.entry("o1-preview", published=False)
    return {"latest": latest, "opus": opus}


def feed(client, query=""):
    response = client.get("/changes.atom" + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def test_parses_with_one_entry_per_change_newest_first(client, history):
    parsed = feed(client)
    assert parsed.version == "atom10"
    assert [e.title for e in parsed.entries] == [
        "claude-3-opus-20240229 (Anthropic): retirement withdrawn",
        "chatgpt-4o-latest (Openai): shutdown moved from 2026-02-16 to 2026-02-17",
        "chatgpt-4o-latest (Openai): shutdown moved from 2026-02-17 to 2026-02-16",
        "chatgpt-4o-latest (Openai): new: retires on 2026-02-17",
        "claude-3-opus-20240229 (Anthropic): new: retires on 2026-01-05",
    ]


def test_entries_link_to_the_entry_page_and_say_what_changed(client, history):
    moved = feed(client).entries[1]
    assert moved.link == "https://depcal.example/vendors/openai/chatgpt-4o-latest/"
    assert moved.updated_parsed[:3] == (2025, 11, 20)
    assert "Shutdown moved from 2026-02-16 to 2026-02-17." in moved.summary
    assert "Replacement: gpt-5.1-chat-latest." in moved.summary
    # the note is scraped text: shown as text, never as markup
    assert "<b>" not in moved.summary
    assert "&lt;b&gt;17 February&lt;/b&gt;" in moved.summary


def test_entry_ids_are_stable_across_renders_and_hosts(client, history, settings):
    first = [e.id for e in feed(client).entries]
    cache.clear()
    settings.SITE_URL = "https://mirror.example"
    assert [e.id for e in feed(client).entries] == first
    assert len(set(first)) == len(first)
    key = "change/openai/chatgpt-4o-latest/3"
    assert first[1] == uuid.uuid5(ENTRY_NAMESPACE, key).urn


@pytest.mark.parametrize("query, expected", [
    ("?vendor=anthropic", {"claude-3-opus-20240229"}),
    ("?vendor=anthropic&vendor=openai", {"claude-3-opus-20240229", "chatgpt-4o-latest"}),
    ("?model=claude-3-opus", {"claude-3-opus-20240229"}),  # family prefix
    ("?model=claude-3-opus-latest", {"claude-3-opus-20240229"}),  # alias
    ("?vendor=openai&model=claude-3-opus", set()),
    ("?vendor=", {"claude-3-opus-20240229", "chatgpt-4o-latest"}),
])
def test_the_calendars_filters(client, history, query, expected):
    parsed = feed(client, query)
    assert {e.title.split(" ")[0] for e in parsed.entries} == expected
    assert parsed.feed.id.startswith("https://depcal.example/changes.atom")


def test_an_entry_published_after_review_says_so(client, history):
    waiting = Retirement.objects.get(offering__identifier="o1-preview")
    changes.publish(waiting, via="admin", now=datetime(2025, 12, 2, tzinfo=UTC))
    titles = [e.title for e in feed(client).entries]
    assert [t for t in titles if t.startswith("o1-preview")] == [
        "o1-preview (Openai): new: retires on 2026-02-17",  # written when it was created
        "o1-preview (Openai): published after review: retires on 2026-02-17"]


def test_an_unknown_vendor_is_a_404_that_names_it(client, history):
    response = client.get("/changes.atom", {"vendor": ["openai", "nope"]})
    assert response.status_code == 404
    assert response.content.decode() == (
        "No vendor nope in depcal. Vendors: anthropic, openai.\n")
    assert client.get("/changes.atom", {"vendor": "OpenAI"}).status_code == 200


def test_an_empty_feed_is_still_valid(client):
    assert feed(client).entries == []


def test_etag_and_304_and_a_new_etag_after_a_change(client, history):
    first = client.get("/changes.atom")
    assert "max-age=" in first["Cache-Control"]
    assert client.get("/changes.atom", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    changes.move_date(history["latest"], "shutdown_on", date(2026, 3, 1), via="test")
    after = client.get("/changes.atom", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert b"2026-03-01" in after.content


def test_rendered_once_per_catalogue_version(client, history, django_assert_max_num_queries):
    client.get("/changes.atom")
    with django_assert_max_num_queries(3):  # the catalogue version only
        assert client.get("/changes.atom").status_code == 200


def test_cors_open_and_reads_only(client, history):
    response = client.get("/changes.atom", HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.post("/changes.atom").status_code == 405
