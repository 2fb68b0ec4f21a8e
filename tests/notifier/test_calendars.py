"""Rendering iCalendar feeds: what strict parsers accept, and the rules of docs/standards.md.

"Row N" in the tests' docstrings is rule N of docs/standards.md, "iCalendar feeds".
"""

import re
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import vobject
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from deprecations import changes
from deprecations.models import Retirement
from notifier import calendars
from notifier.calendars import FeedFilter
from tests.deprecations import factories

pytestmark = pytest.mark.django_db

TODAY = date(2026, 1, 18)
URL = "https://depcal.example/calendar.ics"
TRICKY = "a; b, c \\ d ü ✓"
# Some CSS named colours (CSS Color Module Level 4, "named colors"); COLOR must be one.
CSS_NAMED_COLOURS = {"black", "crimson", "darkorange", "firebrick", "orange", "orangered",
                     "purple", "red", "royalblue", "steelblue", "teal", "tomato"}


def render(feed_filter=None, *, today=TODAY, name="depcal: test", description="Test feed",
           url=URL) -> bytes:
    return calendars.render(feed_filter or FeedFilter(), today=today, name=name,
                            description=description, url=url)


def events(body: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


def by_uid(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in events(body)}


def lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    return body[:-2].split(b"\r\n")


@pytest.fixture
def catalogue():
    """A small catalogue with every kind of entry a feed has to handle."""
    plain = factories.entry(citations=[{
        "url": "https://platform.openai.com/docs/deprecations", "title": "OpenAI deprecations"}])
    month = factories.entry("claude-2.1", vendor_slug="anthropic", shutdown=date(2026, 7, 1),
                            announced=None, shutdown_precision="month", replacements=())
    gone = factories.entry("gpt-4-0314", shutdown=date(2024, 6, 13), announced=None,
                           aliases=["gpt-4-legacy"])
    withdrawn = factories.entry("text-davinci-edit", shutdown=date(2026, 3, 1), announced=None)
    changes.withdraw(withdrawn, via="test")
    tricky = factories.entry(
        "odd;model,name\\ü✓", vendor_slug="tricky", shutdown=date(2026, 4, 30), announced=None,
        notes=f"Line one: {TRICKY}\nLine two, after a newline; ✓✓ " + "ü✓" * 60)
    factories.entry("hidden-model", shutdown=date(2026, 5, 1), announced=None, published=False)
    factories.entry("no-date-yet", shutdown=None, announced=None)
    return {"plain": plain, "month": month, "gone": gone, "withdrawn": withdrawn,
            "tricky": tricky}


def _published_dated():
    return Retirement.objects.filter(published=True, shutdown_on__isnull=False)


def test_strict_vobject_accepts_the_feed_and_icalendar_finds_no_errors(catalogue):
    """Row 1: strict parse with vobject; no component errors when icalendar re-reads it."""
    body = render(FeedFilter(alarms=(30, 7)))
    parsed = vobject.readOne(body.decode("utf-8"), validate=True)
    assert len(parsed.vevent_list) == _published_dated().count() == 5
    calendar = icalendar.Calendar.from_ical(body)
    components = list(calendar.walk())
    assert {c.name for c in components} == {"VCALENDAR", "VEVENT", "VALARM"}
    for component in components:
        assert component.errors == [], (component.name, component.errors)


def test_version_prodid_once_and_every_event_has_one_uid_and_a_utc_dtstamp(catalogue):
    """Row 1."""
    body = render()
    assert body.count(b"\r\nVERSION:2.0\r\n") == 1
    assert len(re.findall(rb"\r\nPRODID:", body)) == 1
    for event in re.findall(rb"BEGIN:VEVENT\r\n(.*?)END:VEVENT", body, re.S):
        assert len(re.findall(rb"(?m)^UID:", event)) == 1
        stamps = re.findall(rb"(?m)^DTSTAMP:(\S+)\r$", event)
        assert len(stamps) == 1 and re.fullmatch(rb"\d{8}T\d{6}Z", stamps[0])


def test_uids_are_the_entries_stable_ids_unique_and_free_of_host_names(catalogue, settings):
    """Row 2: same UIDs on every render and on another host; no duplicates."""
    first = [str(e["UID"]) for e in events(render())]
    settings.SITE_URL = "https://elsewhere.example"
    second = [str(e["UID"]) for e in events(render())]
    assert first == second
    assert len(set(first)) == len(first)
    assert set(first) == {e.uid for e in _published_dated()}
    assert not any("example" in uid or "127.0.0.1" in uid for uid in first)


def test_rendering_twice_gives_identical_bytes_stamped_with_the_entries_last_change(catalogue):
    """Identical bytes when nothing changed: DTSTAMP is the entry's updated_at, not now."""
    body = render()
    assert render() == body
    plain = Retirement.objects.get(pk=catalogue["plain"].pk)
    event = by_uid(body)[plain.uid]
    expected = plain.updated_at.astimezone(UTC).replace(microsecond=0)
    assert event.decoded("DTSTAMP") == expected
    assert event.decoded("LAST-MODIFIED") == expected


def test_all_day_events_end_the_next_day_with_no_time_zone(catalogue):
    """Row 3: DTSTART;VALUE=DATE, DTEND = DTSTART + 1 day (exclusive), no TZID."""
    body = render()
    assert b"TZID" not in body and b"VTIMEZONE" not in body
    assert b"DTSTART;VALUE=DATE:20260217\r\nDTEND;VALUE=DATE:20260218\r\n" in body
    for entry in _published_dated():
        event = by_uid(body)[entry.uid]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is date and type(end) is date
        assert start == entry.shutdown_on and end == start + timedelta(days=1)


def test_moving_a_date_keeps_the_uid_raises_sequence_and_last_modified(catalogue):
    """Row 4: a moved date is an update of the same event, newer by SEQUENCE and LAST-MODIFIED."""
    entry = catalogue["plain"]
    Retirement.objects.filter(pk=entry.pk).update(
        updated_at=datetime(2025, 11, 18, 12, tzinfo=UTC))
    before = by_uid(render())[entry.uid]
    changes.move_date(entry, "shutdown_on", date(2026, 3, 17), via="test")
    after = by_uid(render())[entry.uid]
    assert after.decoded("DTSTART") == date(2026, 3, 17)
    assert after.decoded("DTEND") == date(2026, 3, 18)
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after["SEQUENCE"] == Retirement.objects.get(pk=entry.pk).revision
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")


def test_withdrawn_entries_stay_in_the_feed_as_cancelled_and_come_back_when_reinstated(catalogue):
    """Row 4: STATUS:CANCELLED for withdrawn entries, with a higher SEQUENCE each time."""
    entry = catalogue["withdrawn"]
    cancelled = by_uid(render())[entry.uid]
    assert cancelled["STATUS"] == "CANCELLED"
    assert "Withdrawn" in str(cancelled["DESCRIPTION"])
    others = [e for uid, e in by_uid(render()).items() if uid != entry.uid]
    assert {str(e["STATUS"]) for e in others} == {"CONFIRMED"}
    changes.reinstate(entry, today=TODAY, via="test")
    back = by_uid(render())[entry.uid]
    assert back["STATUS"] == "CONFIRMED" and back["SEQUENCE"] > cancelled["SEQUENCE"]


def test_no_method_and_no_x_wr_timezone(catalogue):
    """Rows 5 and 7."""
    body = render(FeedFilter(alarms=(7,)))
    assert not re.search(rb"(?m)^METHOD[:;]", body)
    assert b"X-WR-TIMEZONE" not in body


def test_calendar_properties_name_description_refresh_source_url_and_colour(catalogue):
    """Row 6: both spellings of name and description, refresh hints both ways."""
    body = render(name="depcal: OpenAI retirements", description="Shutdown dates, from depcal")
    unfolded = body.replace(b"\r\n ", b"")
    for line in (b"NAME:depcal: OpenAI retirements", b"X-WR-CALNAME:depcal: OpenAI retirements",
                 b"DESCRIPTION:Shutdown dates\\, from depcal",
                 b"X-WR-CALDESC:Shutdown dates\\, from depcal",
                 b"REFRESH-INTERVAL;VALUE=DURATION:PT12H", b"X-PUBLISHED-TTL:PT12H",
                 b"SOURCE;VALUE=URI:" + URL.encode(), b"URL:http"):
        assert b"\r\n" + line in unfolded, line
    calendar = vobject.readOne(body.decode(), validate=True)
    assert calendar.contents["x-wr-calname"][0].value == "depcal: OpenAI retirements"
    assert calendar.contents["x-wr-caldesc"][0].value == "Shutdown dates, from depcal"
    assert calendar.contents["name"][0].value == "depcal: OpenAI retirements"
    colour = calendar.contents["color"][0].value
    assert colour in CSS_NAMED_COLOURS


def test_names_and_descriptions_with_special_characters_round_trip():
    """Row 8 for the calendar's own TEXT properties."""
    name, description = f"depcal: {TRICKY}", f"First line; {TRICKY}\nSecond, line"
    body = render(name=name, description=description)
    calendar = vobject.readOne(body.decode(), validate=True)
    for prop, value in (("name", name), ("x-wr-calname", name),
                        ("description", description), ("x-wr-caldesc", description)):
        assert calendar.contents[prop][0].value == value, prop
    # icalendar 7 reads DESCRIPTION as TEXT (it reads NAME as an unknown type, left escaped).
    assert str(icalendar.Calendar.from_ical(body)["DESCRIPTION"]) == description


def test_events_are_transparent_with_vendor_category_and_page_url(catalogue, settings):
    """Row 9, and the event's labels."""
    body = render()
    for entry in _published_dated().select_related("offering__vendor"):
        event = by_uid(body)[entry.uid]
        assert event["TRANSP"] == "TRANSPARENT"
        assert event["SUMMARY"] == f"{entry.identifier} shutdown ({entry.vendor.name})"
        assert event.categories == [entry.vendor.name]
        assert event["URL"] == settings.SITE_URL + entry.get_absolute_url()


def test_description_gives_replacement_dates_sources_and_the_entry_page(catalogue, settings):
    entry = catalogue["plain"]
    text = str(by_uid(render())[entry.uid]["DESCRIPTION"])
    assert "Shutdown: 2026-02-17" in text
    assert "Replacement: gpt-5.1-chat-latest" in text
    assert "Announced: 2025-11-18" in text
    assert "OpenAI deprecations: https://platform.openai.com/docs/deprecations" in text
    assert f"Details: {settings.SITE_URL}{entry.get_absolute_url()}" in text
    gone = str(by_uid(render())[catalogue["gone"].uid]["DESCRIPTION"])
    assert "Also known as: gpt-4-legacy" in gone


def test_month_precision_is_one_all_day_event_on_the_stored_date_marked_month_only(catalogue):
    event = by_uid(render())[catalogue["month"].uid]
    assert event.decoded("DTSTART") == date(2026, 7, 1)
    assert event.decoded("DTEND") == date(2026, 7, 2)
    assert "July 2026 (month only: vendor gave no day)" in str(event["DESCRIPTION"])
    assert "Replacement: none named" in str(event["DESCRIPTION"])


def test_unpublished_and_undated_entries_are_left_out(catalogue):
    summaries = " ".join(str(e["SUMMARY"]) for e in events(render()))
    assert "hidden-model" not in summaries and "no-date-yet" not in summaries


def test_lines_are_crlf_and_folded_at_75_octets_without_splitting_utf8(catalogue):
    """Row 8: every physical line fits 75 octets and decodes on its own."""
    body = render(name="depcal " + "✓" * 50, description="ü" * 200)
    assert b"\n" not in body.replace(b"\r\n", b"")
    folded = 0
    for line in lines(body):
        assert len(line) <= 75, line
        line.decode("utf-8")  # a split character would fail here
        folded += line.startswith(b" ")
    assert folded > 5  # the long multi-byte texts really were folded


def test_summary_and_description_escaping_round_trips(catalogue):
    """Row 8: ; , \\ ü ✓ and newlines survive, read back by vobject and icalendar alike."""
    entry = Retirement.objects.get(pk=catalogue["tricky"].pk)
    body = render()
    raw = body.replace(b"\r\n ", b"").decode()
    assert "SUMMARY:odd\\;model\\,name\\\\ü✓ shutdown (Tricky)" in raw
    expected_summary = calendars.event_summary(entry)
    expected_description = calendars.event_description(entry)
    assert TRICKY in expected_description and "\n" in expected_description
    event = by_uid(body)[entry.uid]
    assert str(event["SUMMARY"]) == expected_summary
    assert str(event["DESCRIPTION"]) == expected_description
    strict = {e.uid.value: e for e in vobject.readOne(body.decode(), validate=True).vevent_list}
    assert strict[entry.uid].summary.value == expected_summary
    assert strict[entry.uid].description.value == expected_description


def test_vendor_names_with_commas_stay_one_category():
    factories.vendor("acme", name="Acme, Inc.")
    entry = factories.entry("acme-1", vendor_slug="acme", announced=None)
    event = by_uid(render())[entry.uid]
    assert event.categories == ["Acme, Inc."]


def test_alarms_parse_back_as_display_reminders_at_nine_the_days_before(catalogue):
    """Row 10: -P6DT15H is 09:00 seven days before a date event."""
    body = render(FeedFilter(alarms=(30, 7, 1, 0)))
    assert b"TRIGGER:-P6DT15H\r\n" in body and b"TRIGGER:-P29DT15H\r\n" in body
    event = by_uid(body)[catalogue["plain"].uid]
    alarms = event.walk("VALARM")
    assert [a["ACTION"] for a in alarms] == ["DISPLAY"] * 4
    assert all("chatgpt-4o-latest shutdown" in str(a["DESCRIPTION"]) for a in alarms)
    start = datetime.combine(event.decoded("DTSTART"), datetime.min.time())
    fire = [start + a.decoded("TRIGGER") for a in alarms]
    assert fire == [datetime(2026, 1, 18, 9), datetime(2026, 2, 10, 9),
                    datetime(2026, 2, 16, 9), datetime(2026, 2, 17, 9)]
    strict = vobject.readOne(body.decode(), validate=True)
    assert sum(len(e.contents.get("valarm", [])) for e in strict.vevent_list) == 4 * 3


def test_alarms_only_when_asked_and_never_on_past_or_withdrawn_events(catalogue):
    assert b"VALARM" not in render()
    body = render(FeedFilter(alarms=(7,)))
    with_alarms = {uid for uid, e in by_uid(body).items() if e.walk("VALARM")}
    assert with_alarms == {catalogue[k].uid for k in ("plain", "month", "tricky")}


def test_alarm_trigger_is_nine_in_the_morning_n_days_before():
    assert calendars.alarm_trigger(7) == -timedelta(days=6, hours=15)
    assert calendars.alarm_trigger(1) == -timedelta(hours=15)
    assert calendars.alarm_trigger(0) == timedelta(hours=9)


def test_upcoming_leaves_out_the_past_but_keeps_today(catalogue):
    factories.entry("today-model", shutdown=TODAY, announced=None)
    full = {str(e["SUMMARY"]) for e in events(render())}
    upcoming = {str(e["SUMMARY"]) for e in events(render(FeedFilter(upcoming=True)))}
    assert "gpt-4-0314 shutdown (Openai)" in full - upcoming
    assert "today-model shutdown (Openai)" in upcoming
    assert all(e.decoded("DTSTART") >= TODAY for e in events(render(FeedFilter(upcoming=True))))


def test_rendering_takes_the_same_few_queries_however_many_entries():
    factories.entry(citations=[{"url": "https://example.com/a"}], aliases=["x"])
    with CaptureQueriesContext(connection) as few:
        render()
    for i in range(30):
        factories.entry(f"model-{i}", vendor_slug=("openai", "cohere")[i % 2],
                        shutdown=date(2026, 1, 1) + timedelta(days=i), announced=None,
                        aliases=[f"alias-{i}"], citations=[{"url": f"https://example.com/{i}"}])
    with CaptureQueriesContext(connection) as many:
        body = render()
    assert len(events(body)) == 31
    assert len(many) == len(few) <= 3


def test_a_catalogue_sized_feed_stays_small_and_upcoming_is_smaller():
    """Row 13: a few hundred events stay well under a megabyte; upcoming=1 drops the past."""
    for i in range(300):
        factories.entry(f"model-{i:03d}", vendor_slug=("openai", "anthropic", "google")[i % 3],
                        shutdown=date(2024, 1, 1) + timedelta(days=4 * i), announced=None,
                        citations=[{"url": f"https://example.com/deprecations#{i}",
                                    "title": "Vendor deprecations page"}])
    full, upcoming = render(), render(FeedFilter(upcoming=True))
    assert len(events(full)) == 300
    assert len(full) < 300 * 1024
    assert len(upcoming) < len(full) / 2


# FeedFilter: the seam that private feeds share.

def test_feed_filter_from_query_normalises_and_ignores_what_it_cannot_read():
    query = QueryDict("vendor=OpenAI&vendor=anthropic,openai&vendor=+&model=GPT-4o&model=gpt-4o"
                      "&upcoming=yes&alarms=7,30,abc,-1,366,7.5,,30&alarms=1&alarms=2&alarms=3"
                      "&alarms=4")
    f = FeedFilter.from_query(query)
    assert f == FeedFilter(vendors=("anthropic", "openai"), models=("gpt-4o",), upcoming=True,
                           alarms=(30, 7, 3, 2, 1))
    assert f.vendors == ("anthropic", "openai")
    assert f.alarms == (30, 7, 3, 2, 1)  # the first five valid, largest first
    assert FeedFilter.from_query(QueryDict("")) == FeedFilter()
    assert FeedFilter.from_query(QueryDict("upcoming=0")).upcoming is False


def test_feed_filter_is_normalised_however_it_is_built():
    assert FeedFilter(vendors=["OpenAI", "openai"], alarms=[7, 7, 400, True]) == \
        FeedFilter(vendors=("openai",), alarms=(7,))


def test_feed_filter_cache_key_is_equal_for_equal_filters_and_query_string_round_trips():
    a = FeedFilter.from_query(QueryDict("vendor=openai&vendor=anthropic&alarms=30,7"))
    b = FeedFilter.from_query(QueryDict("alarms=7&alarms=30&vendor=Anthropic&vendor=openai"))
    assert a.cache_key() == b.cache_key()
    assert a.cache_key() != FeedFilter(vendors=("openai",)).cache_key()
    assert re.fullmatch(r"[\w-]{1,64}", a.cache_key())
    assert FeedFilter.from_query(QueryDict(a.query_string())) == a
    assert a.query_string() == "vendor=anthropic&vendor=openai&alarms=30&alarms=7"


def test_a_tentative_date_is_a_tentative_event_that_says_not_before():
    """RFC 5545 STATUS:TENTATIVE, and the words in the summary, the description and the
    reminders: the vendor's earliest possible day is never counted down as the shutdown."""
    firm = factories.entry()
    factories.vendor("google-gemini", name="Google Gemini API")
    tentative = factories.entry("gemini-2.0-flash", vendor_slug="google-gemini",
                                shutdown=date(2027, 2, 5), announced=None,
                                shutdown_tentative=True)
    called_off = factories.entry("gemini-1.5-pro", vendor_slug="google-gemini",
                                 shutdown=date(2027, 3, 1), announced=None,
                                 shutdown_tentative=True)
    changes.withdraw(called_off, via="test")
    body = render(FeedFilter(alarms=(30, 7)))
    strict = {e.uid.value: e for e in vobject.readOne(body.decode(), validate=True).vevent_list}
    assert strict[tentative.uid].status.value == "TENTATIVE"
    assert strict[tentative.uid].summary.value == (
        "gemini-2.0-flash shutdown, not before this day (Google Gemini API)")
    assert strict[firm.uid].status.value == "CONFIRMED"
    assert strict[called_off.uid].status.value == "CANCELLED"
    event = by_uid(body)[tentative.uid]
    assert event.decoded("DTSTART") == date(2027, 2, 5)
    assert "Shutdown: not before 2027-02-05 (the vendor's earliest possible date" in str(
        event["DESCRIPTION"])
    reminders = [str(a["DESCRIPTION"]) for a in event.walk("VALARM")]
    assert reminders == [
        "gemini-2.0-flash (Google Gemini API): the earliest possible shutdown day is in 30 days",
        "gemini-2.0-flash (Google Gemini API): the earliest possible shutdown day is in 7 days"]
    assert not any("shutdown in" in text for text in reminders)
    for component in icalendar.Calendar.from_ical(body).walk():
        assert component.errors == [], (component.name, component.errors)
