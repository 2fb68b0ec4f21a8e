"""A "not before" day that has passed: the offering may shut down any day, and nothing calls
it retired (status, pages, API, calendar, digest)."""

from datetime import date

import icalendar
import pytest
from django.utils import timezone

from deprecations import changes, status
from deprecations.models import Retirement
from notifier import alerts, calendars, compose, subscriptions
from notifier.models import Delivery, Subscriber
from notifier.subscriptions import set_choices
from tests.deprecations import factories
from tests.notifier.people import subscriber

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _pinned(settings):
    factories.pin_site(settings, TODAY)


def passed_not_before():
    factories.vendor("google-vertex", name="Vertex AI")
    return factories.entry("gemini-2.0-flash-001", vendor_slug="google-vertex",
                           shutdown=date(2026, 9, 24), announced=None, replacements=(),
                           shutdown_tentative=True, today=TODAY)


def test_one_function_decides_and_the_stored_status_follows_it():
    assert status.status_on(date(2026, 9, 24), TODAY, tentative=True) == "due"
    assert status.status_on(date(2026, 9, 24), TODAY) == "retired"
    assert status.status_on(date(2026, 12, 1), TODAY, tentative=True) == "scheduled"
    e = passed_not_before()
    firm = factories.entry(shutdown=date(2026, 2, 17), today=TODAY)
    assert (e.status, firm.status) == ("due", "retired")
    Retirement.objects.filter(pk=e.pk).update(status="retired")  # as stored before "due"
    assert changes.refresh_statuses(TODAY) == 1
    assert Retirement.objects.get(pk=e.pk).status == "due"
    changes.move_dates(e, {"shutdown_on": e.shutdown_on}, tentative=False, via="test")
    changes.refresh_statuses(TODAY)
    assert Retirement.objects.get(pk=e.pk).status == "retired"


def test_the_pages_say_it_may_shut_down_any_day_not_that_it_shut_down(client):
    e = passed_not_before()
    home = client.get("/").content.decode()
    upcoming, _, past = home.partition('id="past"')
    assert "gemini-2.0-flash-001" in upcoming and "gemini-2.0-flash-001" not in past
    assert "may shut down any day" in upcoming
    assert "gemini-2.0-flash-001" not in client.get("/past/").content.decode()
    page = client.get(e.get_absolute_url()).content.decode()
    assert "May shut down any day: the earliest possible date was 24 September 2026" in page
    assert "<dd>may shut down any day</dd>" in page
    assert "Shut down" not in page and "days ago" not in page


def test_the_api_status_is_due_and_filters_agree(client):
    passed_not_before()
    factories.entry(shutdown=date(2026, 2, 17))  # stored before today was known: "scheduled"
    rows = {r["identifier"]: r["status"] for r in
            client.get("/api/v1/retirements").json()["results"]}
    assert rows == {"gemini-2.0-flash-001": "due", "chatgpt-4o-latest": "retired"}
    due = client.get("/api/v1/retirements?status=due").json()["results"]
    assert [r["identifier"] for r in due] == ["gemini-2.0-flash-001"]
    ahead = client.get("/api/v1/retirements?upcoming=true").json()["results"]
    assert [r["identifier"] for r in ahead] == ["gemini-2.0-flash-001"]


def test_the_calendar_event_says_it_may_shut_down_any_day():
    passed_not_before()
    body = calendars.render(calendars.FeedFilter(), today=TODAY, name="t", description="t",
                            url="https://depcal.example/calendar.ics")
    event, = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert event["status"] == "TENTATIVE"
    assert "May shut down any day" in str(event["description"])


def test_the_digest_lists_it_as_possible_any_day():
    passed_not_before()
    subscriber(digest="daily", vendors=["google-vertex"])
    alerts.record_digests(TODAY, replay=False)
    body = compose.compose(Delivery.objects.get(kind="digest")).body
    assert ("gemini-2.0-flash-001 (Vertex AI): may shut down any day (the earliest possible "
            "date was 24 September 2026)") in body


def test_the_home_page_counts_it_apart_from_the_dated_days_ahead(client):
    """Not "in the next 7 days": it may be any day, or already past; a line says so."""
    passed_not_before()
    factories.entry("o1-preview", shutdown=date(2026, 12, 3), today=TODAY)
    response = client.get("/")
    assert response.context["soon"] == {7: 1, 30: 1, 90: 1}
    assert response.context["due_count"] == 1
    assert "1 more is past the earliest day its vendor gave" in response.content.decode()


def _welcome(language: str):
    s = Subscriber.objects.create(email=f"{language}@example.com", requested_at=timezone.now())
    set_choices(s, lead_times=[30], language=language)
    return compose.compose(subscriptions.confirm_subscription(s, now=timezone.now(),
                                                              today=TODAY))


def test_the_subjects_say_it_may_shut_down_any_day_in_words_not_after_on():
    """A subject names the next entry and its date; a passed "not before" day is no date to
    put after "on" (QA: "next embedding-001 on may shut down any day (...)")."""
    passed_not_before()
    assert _welcome("en").subject == (
        "Your depcal alerts are on: 1 shutdown already within your lead times: "
        "gemini-2.0-flash-001, may shut down any day")
    assert _welcome("fr").subject == (
        "Vos alertes depcal sont activées : 1 arrêt déjà dans vos délais de préavis : "
        "gemini-2.0-flash-001, peut s'arrêter d'un jour à l'autre")
    factories.entry("gemini-1.5-pro-002", vendor_slug="google-vertex",
                    shutdown=date(2026, 12, 24), announced=None, today=TODAY)
    subscriber(digest="daily", vendors=["google-vertex"])
    alerts.record_digests(TODAY, replay=False)
    assert compose.compose(Delivery.objects.get(kind="digest")).subject.startswith(
        "depcal daily digest: 2 shutdowns in the next 90 days, next: gemini-2.0-flash-001, "
        "may shut down any day")

