"""Tentative shutdown dates ("not sooner than"): said as "not before" wherever a date is
shown, never counted down, and flagged in the API, the export and the Atom feed."""

import re
from datetime import UTC, date, datetime

import feedparser
import pytest
from django.utils import translation

from deprecations import changes
from deprecations.api.export import catalogue_document
from tests.deprecations import factories

pytestmark = pytest.mark.django_db
TODAY = date(2026, 1, 18)


@pytest.fixture(autouse=True)
def _pinned(settings):
    factories.pin_site(settings, TODAY)
    yield
    translation.deactivate()


def gemini(identifier="gemini-2.0-flash", shutdown=date(2026, 2, 5), **kw):
    factories.vendor("google-gemini", name="Google Gemini API")
    return factories.entry(identifier, vendor_slug="google-gemini", shutdown=shutdown,
                           announced=None, replacements=("gemini-2.5-flash",),
                           shutdown_tentative=True, **kw)


def no_countdown(html: str) -> bool:
    return not any(words in html for words in ("day left", "days left", "Shuts down in",
                                               "day ago", "days ago"))


def test_the_home_and_vendor_pages_say_not_before_and_count_no_days(client):
    gemini()
    for path in ("/", "/vendors/google-gemini/"):
        html = client.get(path).content.decode()
        assert '<time datetime="2026-02-05">not before 5 February 2026</time>' in html, path
        assert "earliest possible date" in html
        assert "gemini-2.0-flash (Google Gemini API): shutdown not before 5 Feb 2026" in html
        assert "tl-tentative" in html
        assert no_countdown(html), path


def test_a_tentative_date_is_highlighted_and_counted_by_its_earliest_day(client):
    """The band says what to be ready by: the first day the model may stop working."""
    gemini()
    response = client.get("/")
    row = re.search(r'<tr class="([^"]*)">\s*<th scope="row">(?:<span class="cell-label">'
                    r'[^<]*</span>)?<a href="/vendors/google-gemini/',
                    response.content.decode())
    assert row.group(1) == "within-30 tentative"
    assert response.context["soon"] == {7: 0, 30: 1, 90: 1}


def test_the_entry_page_says_not_before_and_explains_it(client):
    e = gemini()
    html = client.get(e.get_absolute_url()).content.decode()
    assert "Shuts down not before 5 February 2026" in html
    assert "earliest possible date, not a fixed one" in html
    assert '<time datetime="2026-02-05">not before 5 February 2026</time>' in html
    assert no_countdown(html)


def test_a_passed_earliest_date_is_not_said_to_have_shut_down_days_ago(client):
    e = gemini("gemini-1.0-pro", shutdown=date(2025, 12, 1))
    html = client.get(e.get_absolute_url()).content.decode()
    assert "May shut down any day: the earliest possible date was 1 December 2025" in html
    assert no_countdown(html)
    # not retired: it is listed with what is coming, never in the archive of shut-down ones
    assert "gemini-1.0-pro" not in client.get("/past/").content.decode()


def test_month_only_tentative_dates(client):
    gemini(shutdown=date(2026, 6, 1), shutdown_precision="month")
    assert "not before June 2026" in client.get("/").content.decode()


def test_the_history_says_when_a_date_became_firm(client):
    e = gemini()
    changes.move_dates(e, {"shutdown_on": date(2026, 2, 5)}, tentative=False, via="test")
    changes.move_dates(e, {"shutdown_on": date(2026, 3, 1)}, tentative=True, via="test")
    html = client.get(e.get_absolute_url()).content.decode()
    assert "Shutdown changed: not before 5 Feb 2026 → 5 Feb 2026" in html
    assert "Shutdown changed: 5 Feb 2026 → not before 1 Mar 2026" in html


def test_in_french(client):
    e = gemini()
    html = client.get(e.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "pas avant le 5 février 2026" in html
    assert "not before" not in html
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "pas avant le 5 février 2026" in html and "date au plus tôt" in html


def test_the_api_and_the_export_flag_tentative_dates(client):
    e = gemini()
    factories.entry()
    rows = {r["identifier"]: r for r in client.get("/api/v1/retirements").json()["results"]}
    assert rows["gemini-2.0-flash"]["tentative"] is True
    assert rows["chatgpt-4o-latest"]["tentative"] is False
    changes.move_dates(e, {"shutdown_on": date(2026, 2, 5)}, tentative=False, via="test")
    detail = client.get(rows["gemini-2.0-flash"]["api_url"]).json()
    assert detail["tentative"] is False
    assert [(h["kind"], h["old_tentative"], h["new_tentative"]) for h in detail["history"]] == [
        ("created", False, True), ("moved", True, False)]
    exported = {r["identifier"]: r for r in catalogue_document(today=TODAY)["results"]}
    assert exported["gemini-2.0-flash"]["tentative"] is False
    assert exported["chatgpt-4o-latest"]["tentative"] is False
    gemini("gemini-1.5-flash")
    exported = {r["identifier"]: r for r in catalogue_document(today=TODAY)["results"]}
    assert exported["gemini-1.5-flash"]["tentative"] is True


def test_the_atom_feed_says_not_before(client):
    e = gemini(now=datetime(2026, 1, 2, tzinfo=UTC))
    changes.move_dates(e, {"shutdown_on": date(2026, 2, 5)}, tentative=False, via="test",
                       now=datetime(2026, 1, 3, tzinfo=UTC))
    titles = [x.title for x in feedparser.parse(client.get("/changes.atom").content).entries]
    assert titles == [
        "gemini-2.0-flash (Google Gemini API): shutdown date confirmed: 2026-02-05",
        "gemini-2.0-flash (Google Gemini API): new: retires not before 2026-02-05"]
