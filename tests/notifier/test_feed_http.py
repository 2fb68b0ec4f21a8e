"""The public feed over HTTP: validators and 304s, HEAD, filters, caching, subscribe links.

"Row N" is rule N of docs/standards.md, "iCalendar feeds".
"""

from datetime import date
from unittest import mock

import icalendar
import pytest
import vobject
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deprecations import changes
from deprecations.models import Retirement
from notifier import calendars
from notifier.calendars import FeedFilter
from tests.deprecations import factories

pytestmark = pytest.mark.django_db
TODAY = "2026-01-18"
FEED = "/calendar.ics"


@pytest.fixture(autouse=True)
def pinned_today_and_empty_cache(settings):
    settings.DEPCAL_TODAY = TODAY
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalogue():
    openai = factories.entry(citations=[{"url": "https://platform.openai.com/docs/deprecations"}])
    snapshot = factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 6, 30), announced=None)
    aliased = factories.entry("chatgpt-4o-0806", shutdown=date(2026, 7, 1), announced=None,
                              aliases=["chatgpt-legacy"])
    old = factories.entry("gpt-4-0314", shutdown=date(2024, 6, 13), announced=None)
    opus = factories.entry("claude-3-opus-20240229", vendor_slug="anthropic",
                           shutdown=date(2026, 1, 5), announced=None)
    return {"openai": openai, "snapshot": snapshot, "aliased": aliased, "old": old,
            "opus": opus}


def summaries(response) -> set[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    parsed = vobject.readOne(body.decode(), validate=True)
    return {e.summary.value.split(" shutdown")[0] for e in parsed.contents.get("vevent", [])}


def test_feed_is_text_calendar_with_strong_etag_last_modified_and_cache_control(client, catalogue):
    """Row 11."""
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["ETag"].startswith('"') and not response["ETag"].startswith("W/")
    assert response["Last-Modified"].endswith(" GMT")
    assert response["Cache-Control"] == "public, max-age=3600"
    assert int(response["Content-Length"]) == len(response.content)
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")


def test_a_poll_with_the_etag_gets_304_with_the_validators_and_no_body(client, catalogue):
    """Row 11: If-None-Match."""
    first = client.get(FEED)
    again = client.get(FEED, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "public, max-age=3600"
    assert again["Last-Modified"] == first["Last-Modified"]


def test_a_poll_with_the_date_gets_304(client, catalogue):
    """Row 11: If-Modified-Since."""
    first = client.get(FEED)
    again = client.get(FEED, headers={"if-modified-since": first["Last-Modified"]})
    assert again.status_code == 304
    older = client.get(FEED, headers={"if-modified-since": "Mon, 01 Jan 2024 00:00:00 GMT"})
    assert older.status_code == 200


def test_a_change_gives_new_bytes_a_new_etag_and_a_200_to_the_old_etag(client, catalogue):
    first = client.get(FEED)
    changes.move_date(catalogue["openai"], "shutdown_on", date(2026, 3, 1), via="test")
    again = client.get(FEED, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert b"DTSTART;VALUE=DATE:20260301" in again.content


def test_head_answers_the_same_headers_without_a_body_and_other_methods_are_refused(client,
                                                                                    catalogue):
    """Row 11: HEAD works."""
    get = client.get(FEED)
    head = client.head(FEED)
    assert head.status_code == 200 and head.content == b""
    for header in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Cache-Control"):
        assert head[header] == get[header]
    assert client.head(FEED, headers={"if-none-match": get["ETag"]}).status_code == 304
    direct = calendars.serve(RequestFactory().head(FEED), FeedFilter(), name="n", description="d")
    assert direct.content == b"" and int(direct["Content-Length"]) > 1000
    assert client.post(FEED).status_code == 405


def test_bytes_stay_identical_when_nothing_changed_even_after_the_cache_is_emptied(client,
                                                                                    catalogue):
    """Row 11: identical bytes, so a restart or a cache flush never looks like a change."""
    first = client.get(FEED)
    cache.clear()
    second = client.get(FEED)
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert second["Last-Modified"] == first["Last-Modified"]


def test_a_second_request_is_served_from_the_cache_without_rendering(client, catalogue):
    with mock.patch.object(calendars, "render", wraps=calendars.render) as render:
        with CaptureQueriesContext(connection) as first_queries:
            first = client.get(FEED)
        with CaptureQueriesContext(connection) as second_queries:
            second = client.get(FEED)
            third = client.get(FEED, headers={"if-none-match": first["ETag"]})
        assert render.call_count == 1
        assert second.content == first.content and third.status_code == 304
        # Only the catalogue version row is read: one query per request (inside a test's
        # transaction it is not kept between requests, as web processes keep it).
        assert len(second_queries) == 2 < len(first_queries)
        changes.withdraw(catalogue["opus"], via="test")
        client.get(FEED)
        assert render.call_count == 2


def test_vendor_filters_combine_and_repeat(client, catalogue):
    assert summaries(client.get(FEED, {"vendor": "anthropic"})) == {"claude-3-opus-20240229"}
    both = summaries(client.get(FEED + "?vendor=openai&vendor=Anthropic"))
    assert "claude-3-opus-20240229" in both and "chatgpt-4o-latest" in both
    assert summaries(client.get(FEED + "?vendor=openai,anthropic")) == both


def test_model_filter_matches_identifiers_aliases_and_family_prefixes(client, catalogue):
    assert summaries(client.get(FEED, {"model": "gpt-4o"})) == {"gpt-4o-2024-05-13"}
    assert summaries(client.get(FEED, {"model": "chatgpt-legacy"})) == {"chatgpt-4o-0806"}
    assert summaries(client.get(FEED + "?model=gpt-4o&model=claude-3-opus")) == {
        "gpt-4o-2024-05-13", "claude-3-opus-20240229"}
    assert summaries(client.get(FEED, {"model": "gpt-4o", "vendor": "anthropic"})) == set()


def test_upcoming_leaves_out_past_retirements(client, catalogue):
    upcoming = summaries(client.get(FEED, {"upcoming": "1"}))
    assert "gpt-4-0314" not in upcoming and "claude-3-opus-20240229" not in upcoming
    assert "chatgpt-4o-latest" in upcoming
    assert "gpt-4-0314" in summaries(client.get(FEED))


def test_withdrawn_entries_stay_in_the_feed_as_cancelled(client, catalogue):
    changes.withdraw(catalogue["openai"], via="test")
    response = client.get(FEED)
    event = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(response.content)
             .walk("VEVENT")}[catalogue["openai"].uid]
    assert event["STATUS"] == "CANCELLED"


@pytest.mark.parametrize("query", ["model=no-such-model", "model=" + "x" * 5000])
def test_unknown_models_give_an_empty_but_valid_calendar(client, catalogue, query):
    """A model may be announced later: following it before is fine."""
    response = client.get(f"{FEED}?{query}")
    assert response.status_code == 200
    parsed = vobject.readOne(response.content.decode(), validate=True)
    assert "vevent" not in parsed.contents
    assert b"X-WR-CALNAME:" in response.content


@pytest.mark.parametrize("query", ["vendor=no-such-vendor", "vendor=openai&vendor=nope",
                                   "vendor=%00%ff;,\\"])
def test_an_unknown_vendor_is_a_404_that_names_it_not_an_empty_calendar(client, catalogue,
                                                                         query):
    response = client.get(f"{FEED}?{query}")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("No vendor ") and "Vendors: anthropic, openai." in text
    assert "openai," not in text.split(".")[0]  # the known one is not named as unknown


@pytest.mark.parametrize("alarms", ["abc", "-5", "99999", "1e3", ",,,", "7.5", "%00", "9" * 400])
def test_bad_alarms_are_ignored_never_a_500(client, catalogue, alarms):
    response = client.get(f"{FEED}?alarms={alarms}")
    assert response.status_code == 200
    assert b"VALARM" not in response.content
    vobject.readOne(response.content.decode(), validate=True)


def test_alarms_are_added_when_asked(client, catalogue):
    response = client.get(FEED, {"alarms": "30,7"})
    assert b"TRIGGER:-P29DT15H" in response.content and b"TRIGGER:-P6DT15H" in response.content


def test_equal_filters_in_any_order_or_case_share_bytes_and_etag(client, catalogue):
    a = client.get(FEED + "?vendor=openai&vendor=anthropic&alarms=30,7")
    b = client.get(FEED + "?alarms=7&alarms=30&vendor=Anthropic&vendor=openai&vendor=openai")
    assert a.content == b.content and a["ETag"] == b["ETag"]
    unfolded = a.content.replace(b"\r\n ", b"")
    assert b"/calendar.ics?vendor=anthropic&vendor=openai&alarms=30&alarms=7\r\n" in unfolded


def test_calendar_is_named_for_its_filter(client, catalogue):
    body = client.get(FEED, {"vendor": "anthropic", "upcoming": "1"}).content
    parsed = vobject.readOne(body.decode(), validate=True)
    assert parsed.contents["x-wr-calname"][0].value == "depcal: Anthropic retirements (upcoming)"
    assert parsed.contents["source"][0].value.endswith("/calendar.ics?vendor=anthropic&upcoming=1")


def test_serve_for_private_feeds_uses_the_given_labels_and_private_cache_control(catalogue):
    """The seam that subscription feeds call: serve(request, filter, name=, description=)."""
    request = RequestFactory().get("/feeds/secret-token.ics")
    response = calendars.serve(request, FeedFilter(vendors=("anthropic",), alarms=(7,)),
                               name="My depcal", description="My subscriptions")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private")
    parsed = vobject.readOne(response.content.decode(), validate=True)
    assert parsed.contents["x-wr-calname"][0].value == "My depcal"
    assert parsed.contents["source"][0].value.endswith("/feeds/secret-token.ics?vendor="
                                                       "anthropic&alarms=7")
    assert [e.summary.value for e in parsed.vevent_list] == [
        "claude-3-opus-20240229 shutdown (Anthropic)"]
    again = calendars.serve(RequestFactory().get("/feeds/secret-token.ics",
                                                 headers={"if-none-match": response["ETag"]}),
                            FeedFilter(vendors=("anthropic",), alarms=(7,)),
                            name="My depcal", description="My subscriptions")
    assert again.status_code == 304


# Subscribe links on the pages (row 12).

def _subscribe(html: str) -> str:
    return html[html.index('<section class="subscribe"'):html.index("</section>",
                                                               html.index('class="subscribe"'))]


def _check_links(client, html: str, query: str, settings):
    section = _subscribe(html)
    feed = f"{settings.SITE_URL}/calendar.ics" + (f"?{query}" if query else "")
    host_path = feed.split("://", 1)[1].replace("&", "&amp;")  # as HTML writes it
    assert f'href="webcal://{host_path}"' in section
    assert "https://calendar.google.com/calendar/r?cid=webcal://" in section
    assert "cid=https" not in section
    assert "https://outlook.live.com/calendar/0/addfromweb?url=" in section
    assert "&amp;name=depcal" in section
    assert f'value="{feed.replace("&", "&amp;")}"' in section  # the address to copy
    assert "one-off copy" in section
    response = client.get(feed.removeprefix(settings.SITE_URL))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return section


def test_home_page_offers_the_full_feed(client, catalogue, settings):
    section = _check_links(client, client.get("/").content.decode(), "", settings)
    assert "cid=webcal://" + settings.SITE_URL.split("://")[1] + "/calendar.ics\"" in section


def test_vendor_page_offers_the_feed_filtered_by_that_vendor(client, catalogue, settings):
    html = client.get(reverse("deprecations:vendor", args=["anthropic"])).content.decode()
    section = _check_links(client, html, "vendor=anthropic", settings)
    assert "calendar.ics%3Fvendor%3Danthropic" in section  # escaped inside Google's cid
    assert "depcal: Anthropic retirements" in section


def test_entry_page_offers_the_feed_filtered_by_that_model(client, catalogue, settings):
    """On that platform only: the same model elsewhere has its own dates and feed."""
    entry = Retirement.objects.get(pk=catalogue["snapshot"].pk)
    html = client.get(entry.get_absolute_url()).content.decode()
    _check_links(client, html, "vendor=openai&model=gpt-4o-2024-05-13", settings)
    feed = client.get(FEED, {"vendor": "openai", "model": "gpt-4o-2024-05-13"})
    assert summaries(feed) == {"gpt-4o-2024-05-13"}


def test_home_page_feed_follows_the_vendor_filter_of_the_page(client, catalogue, settings):
    html = client.get("/", {"vendor": "anthropic"}).content.decode()
    _check_links(client, html, "vendor=anthropic", settings)
