"""The shipped catalogue is a baseline, not news: an entry's history starts on the day its
source made it known, the Atom feed and the API do not list the whole catalogue as created
today, a mirror still sees every row, and emails are not sent for old news."""

import copy
from datetime import UTC, date, datetime, timedelta

import feedparser
import pytest

from deprecations import shipped
from deprecations.models import Change, Retirement
from notifier import alerts
from tests.deprecations import factories
from tests.notifier.test_alerts import subscriber

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
TODAY = NOW.date()


def row(identifier, shutdown, *, announced=None, read=(), vendor="openai", **kw):
    return {"vendor": vendor, "identifier": identifier, "announced": announced,
            "shutdown": shutdown, "replacements": ["gpt-5.6-sol"],
            "sources": [{"url": f"https://example.com/{identifier}/{i}", "retrieved_on": day}
                        for i, day in enumerate(read)], **kw}


DATA = {
    "as_of": "2026-09-10",
    "vendors": [{"slug": "openai", "name": "OpenAI"}, {"slug": "anthropic", "name": "Anthropic"}],
    "entries": [
        row("o3-2025-04-16", "2026-12-11", announced="2026-06-11", read=["2026-08-22"]),
        row("gpt-4.5-preview", "2026-12-20", read=["2026-09-08", "2026-08-22", None]),
        row("claude-3-haiku-20240307", "2027-03-01", vendor="anthropic", tentative=True),
    ],
}


@pytest.fixture(autouse=True)
def _pinned(settings):
    factories.pin_site(settings, TODAY)


def created_on() -> dict[str, date]:
    return {c.retirement.offering.identifier: c.changed_at.date()
            for c in Change.objects.filter(kind="created").select_related("retirement__offering")}


def test_history_starts_when_the_source_announced_it():
    """The announcement; else the first day a source was read saying so; else the
    catalogue's as_of. Recorded now all the same."""
    shipped.load(DATA, today=TODAY, now=NOW)
    assert created_on() == {
        "o3-2025-04-16": date(2026, 6, 11),
        "gpt-4.5-preview": date(2026, 8, 22),
        "claude-3-haiku-20240307": date(2026, 9, 10),
    }
    assert set(Change.objects.values_list("recorded_at", flat=True)) == {NOW}
    assert list(Change.objects.filter(retirement__offering__identifier="o3-2025-04-16")
                .values_list("changed_at", flat=True)) == [datetime(2026, 6, 11, tzinfo=UTC)]


def test_a_date_after_the_load_or_no_date_at_all_is_the_load_itself():
    data = {"vendors": DATA["vendors"], "entries": [
        row("future-typo", "2027-06-01", announced="2027-01-01"), row("nothing-known", None)]}
    shipped.load(data, today=TODAY, now=NOW)
    assert set(Change.objects.values_list("changed_at", flat=True)) == {NOW}


def test_the_atom_feed_and_the_api_show_no_creation_today(client):
    shipped.load(DATA, today=TODAY, now=NOW)
    feed = feedparser.parse(client.get("/changes.atom").content)
    assert sorted(e.updated[:10] for e in feed.entries) == [
        "2026-06-11", "2026-08-22", "2026-09-10"]
    changes = client.get("/api/v1/changes").json()["results"]
    assert sorted(c["changed_at"][:10] for c in changes) == [
        "2026-06-11", "2026-08-22", "2026-09-10"]
    assert {c["recorded_at"] for c in changes} == {"2026-11-28T12:00:00Z"}


def test_the_entry_page_history_starts_on_the_announcement(client):
    shipped.load(DATA, today=TODAY, now=NOW)
    html = client.get("/vendors/openai/o3-2025-04-16/").content.decode()
    history = html[html.index('class="history"'):]
    assert history.split("<li>")[1].startswith('<time datetime="2026-06-11T00:00:00+00:00">')


def test_a_mirror_following_recorded_at_sees_entries_of_a_later_catalogue(client):
    """A later file adds an entry announced long ago: dated back, recorded now, so a mirror
    that asks for what was recorded since its last visit still gets it."""
    shipped.load(DATA, today=TODAY, now=NOW)
    seen = client.get("/api/v1/changes").json()["results"][-1]["recorded_at"]
    newer = copy.deepcopy(DATA)
    newer["entries"].append(row("o1-2024-12-17", "2026-12-11", announced="2026-06-11"))
    shipped.load(newer, today=TODAY, now=NOW + timedelta(days=1))
    fresh = client.get(f"/api/v1/changes?since={seen.replace('Z', '%2B00:00')}").json()
    assert [(c["retirement"]["identifier"], c["changed_at"][:10]) for c in fresh["results"]] == [
        ("o1-2024-12-17", "2026-06-11")]


def news(day) -> list[tuple[str, str]]:
    """(email, identifier) of the change emails due: what would be mailed as news."""
    return sorted((email, identifier) for email, kind, identifier, _ in
                  alerts.due_rows(day, replay=False) if kind == "change")


def test_a_fresh_install_mails_no_news():
    """Even to someone who subscribed before the load (a re-install on the same database)."""
    subscriber(confirmed_on=TODAY, vendors=["openai"])
    shipped.load(DATA, today=TODAY, now=NOW)
    assert news(TODAY) == []


def test_a_catalogue_update_mails_only_what_is_news():
    """An entry announced months ago is old news (its deadline still brings lead-time alerts);
    one announced yesterday, and a moved date, are news to those who follow them."""
    subscriber("follower@example.com", confirmed_on=date(2026, 1, 1), vendors=["openai"])
    shipped.load(DATA, today=TODAY, now=NOW)
    newer = copy.deepcopy(DATA)
    newer["entries"] += [row("o1-2024-12-17", "2027-01-15", announced="2026-06-11"),
                         row("gpt-5-2025-08-07", "2027-02-11", announced="2026-11-28")]
    newer["entries"][1]["shutdown"] = "2027-01-20"  # gpt-4.5-preview moved
    day = TODAY + timedelta(days=1)
    shipped.load(newer, today=day, now=NOW + timedelta(days=1))
    assert news(day) == [
        ("follower@example.com", "gpt-4.5-preview"), ("follower@example.com", "gpt-5-2025-08-07")]
    assert Retirement.objects.get(offering__identifier="o1-2024-12-17").changes.count() == 1
